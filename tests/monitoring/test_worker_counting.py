"""The SDK's per-request counting and trace-carrying log lines, on a small app in-process."""

from __future__ import annotations

import logging

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from ganger.monitoring.scrape import runtime_token
from ganger.sdk._metrics import MetricsEndpoint, RequestCounts, RequestMetrics, TraceLogFilter

SECRET = b"k" * 32
TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
log = logging.getLogger("ganger.worker.test")


async def item(request: Request) -> Response:
    return PlainTextResponse(request.path_params["id"])


async def broken(request: Request) -> Response:
    log.error("could not do it")
    return PlainTextResponse("no", status_code=500)


def build() -> tuple[TestClient, RequestCounts]:
    counts = RequestCounts()
    inner = Starlette(routes=[Route("/broken", broken), Mount("/api", routes=[Route("/items/{id}", item)])])
    app = MetricsEndpoint(RequestMetrics(inner, counts), counts, lambda: SECRET)
    return TestClient(app), counts


def test_requests_are_counted_by_route_template_not_path() -> None:
    client, counts = build()
    for n in range(3):
        assert client.get(f"/api/items/{n}").status_code == 200
    assert counts.series[("GET", "/api/items/{id}", 200)][0] == 3


def test_unmatched_paths_share_one_label() -> None:
    client, counts = build()
    client.get("/patients/12345")
    client.get("/api/nothing")
    assert counts.series[("GET", "<unmatched>", 404)][0] == 2
    assert not any("12345" in route for _, route, _ in counts.series)


def test_handler_time_lands_in_a_bucket_and_the_sum() -> None:
    client, counts = build()
    client.get("/api/items/1")
    entry = counts.series[("GET", "/api/items/{id}", 200)]
    assert sum(entry[2:]) == 1 and entry[1] > 0


def test_in_flight_returns_to_zero_after_requests() -> None:
    client, counts = build()
    client.get("/api/items/1")
    assert counts.in_flight == 0


def test_metrics_path_without_the_runtime_token_is_an_ordinary_request() -> None:
    client, counts = build()
    assert client.get("/__ganger/metrics").status_code == 404


def test_metrics_path_with_the_runtime_token_answers_prometheus_text() -> None:
    client, counts = build()
    client.get("/api/items/1")
    response = client.get("/__ganger/metrics", headers={"x-ganger-runtime": runtime_token(SECRET).decode()})
    assert response.status_code == 200
    assert 'ganger_worker_http_requests_total{method="GET",route="/api/items/{id}",status="200"} 1.0' in response.text


def test_scrapes_are_not_counted_as_requests() -> None:
    client, counts = build()
    client.get("/__ganger/metrics", headers={"x-ganger-runtime": runtime_token(SECRET).decode()})
    assert counts.series == {}


def test_error_log_lines_carry_the_trace_and_request_id(caplog: pytest.LogCaptureFixture) -> None:
    client, _ = build()
    caplog.handler.addFilter(TraceLogFilter())
    with caplog.at_level(logging.ERROR, logger="ganger.worker.test"):
        client.get("/broken", headers={"traceparent": TRACE})
    (record,) = [r for r in caplog.records if r.getMessage() == "could not do it"]
    assert record.fields == {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "request_id": "00f067aa0ba902b7"}


def test_log_lines_outside_a_request_carry_no_trace(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(TraceLogFilter())
    with caplog.at_level(logging.ERROR, logger="ganger.worker.test"):
        log.error("at start")
    assert not hasattr(caplog.records[-1], "fields")
