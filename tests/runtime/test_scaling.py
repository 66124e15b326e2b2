"""Each worker scales on its own: from zero on demand, to zero when idle, up under load, warm before 07:30."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ganger.control import WorkerState, fetch_state
from tests.support.platform import ROOT, RunningPlatform, start_platform

MANIFEST = ROOT / "tests" / "support" / "scaling_platform.toml"


@pytest.fixture(scope="module")
def scaling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    # The runtime's clock starts at 07:19:57 UTC: the 07:30 trigger's warm window opens at 07:20.
    running = start_platform(Path(tmp_path_factory.mktemp("scaling")), manifest=MANIFEST,
                             env={"GANGER_CLOCK_START": "2026-12-01T07:19:57+00:00"})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def session(scaling: RunningPlatform) -> str:
    return scaling.sign_in()


def worker(platform: RunningPlatform, name: str) -> WorkerState:
    return asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock")).workers[name]


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_warm_up_starts_the_triggers_workers_before_the_trigger(scaling: RunningPlatform) -> None:
    eventually(lambda: worker(scaling, "morning").phase == "ready")
    state = worker(scaling, "morning")
    assert state.reason == "warm-up: morning-staff-arrival"
    assert len(state.replicas) == 1
    assert any('"event":"warm-up"' in line and "morning" in line for line in scaling.output)
    windows = asyncio.run(fetch_state(scaling.data_dir / "run" / "control.sock")).warm_windows
    assert any(w.worker == "morning" and w.start.endswith("07:20+00:00") for w in windows)


def test_first_requests_to_a_cold_worker_start_one_replica_and_succeed(scaling: RunningPlatform,
                                                                       session: str) -> None:
    assert worker(scaling, "cold").phase == "idle"
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(scaling.request("GET", "/cold/", session=session).status))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    state = worker(scaling, "cold")
    assert state.cold_starts == 1
    assert len(state.replicas) == 1
    assert state.reason == "demand"


def test_idle_worker_scales_back_to_zero(scaling: RunningPlatform, session: str) -> None:
    assert scaling.request("GET", "/cold/", session=session).status == 200
    eventually(lambda: worker(scaling, "cold").phase == "idle", timeout=20)
    assert worker(scaling, "cold").replicas == []
    assert json.loads(scaling.request("GET", "/health").body)["workers"]["cold"]["state"] == "idle"


def test_load_on_one_worker_scales_only_it_and_then_back_down(scaling: RunningPlatform, session: str) -> None:
    root_pids = [r.pid for r in worker(scaling, "root").replicas]
    statuses: list[int] = []

    def slow() -> None:
        statuses.append(scaling.request("GET", "/busy/slow?s=3", session=session, timeout=20).status)

    threads = [threading.Thread(target=slow) for _ in range(12)]
    for thread in threads:
        thread.start()
    eventually(lambda: len(worker(scaling, "busy").replicas) > 1, timeout=10)
    assert worker(scaling, "busy").reason == "load"
    for thread in threads:
        thread.join()
    assert statuses == [200] * 12
    assert [r.pid for r in worker(scaling, "root").replicas] == root_pids
    eventually(lambda: len(worker(scaling, "busy").replicas) == 1, timeout=20)
