"""A worker writes no access line of its own, and its error lines carry the request's trace."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.platform import ROOT, RunningPlatform, start_platform

MANIFEST = ROOT / "tests" / "monitoring" / "trace_platform.toml"
CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def trace_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_platform(Path(tmp_path_factory.mktemp("trace-data")), manifest=MANIFEST)
    yield running
    running.stop()


def lines_with(platform: RunningPlatform, text: str) -> list[dict[str, Any]]:
    time.sleep(0.5)  # the router flushes access lines a few times a second
    return [json.loads(line) for line in platform.output if text in line and line.startswith("{")]


def test_worker_error_lines_carry_the_trace_id_and_request_id(trace_platform: RunningPlatform) -> None:
    response = trace_platform.request("GET", "/boom", host="trace.localhost", headers={"traceparent": CALLER})
    assert response.status == 500
    request_id = response.header("x-request-id")
    errors = [line for line in lines_with(trace_platform, "4bf92f3577b34da6a3ce929d0e0e4736")
              if line["level"] == "error"]
    assert {line["component"] for line in errors} == {"worker", "uvicorn.error"}  # the app's line and uvicorn's
    assert all(line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736" for line in errors)
    assert all(line["request_id"] == request_id for line in errors)


def test_only_the_router_writes_an_access_line(trace_platform: RunningPlatform) -> None:
    response = trace_platform.request("GET", "/", host="trace.localhost")
    assert response.status == 200
    lines = lines_with(trace_platform, response.header("x-request-id") or "missing")
    assert [line["component"] for line in lines] == ["access"]
