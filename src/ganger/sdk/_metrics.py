"""A worker's own metrics: requests by route template and status, handler time, in-flight.

Counting is plain integers in dicts (2-3 µs per request measured, no locks: one event loop
per replica); prometheus-client only renders them when the runtime asks, at
`/__ganger/metrics`, which answers nobody else (see `ganger.monitoring.scrape`). The worker
writes no access line of its own (the router writes one per request); its log lines carry the
request's trace through `TraceLogFilter`.
"""

from __future__ import annotations

import contextvars
import logging
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..monitoring import BUCKETS
from ..monitoring.scrape import METRICS_PATH, runtime_request_allowed

UNMATCHED = "<unmatched>"
_EDGES = (*map(str, BUCKETS), "+Inf")
_current_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("ganger_request_scope", default=None)


class RequestCounts:
    """(method, route template, status) → [count, seconds summed, count per bucket…, above the last]."""

    def __init__(self) -> None:
        self.series: dict[tuple[str, str, int], list[float]] = {}
        self.in_flight = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        entry = self.series.get(key)
        if entry is None:
            entry = self.series[key] = [0, 0.0] + [0] * (len(BUCKETS) + 1)
        entry[0] += 1
        entry[1] += seconds
        entry[2 + bisect_left(BUCKETS, seconds)] += 1


class _CountsCollector(Collector):
    def __init__(self, counts: RequestCounts) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily("ganger_worker_http_requests", "Requests the worker's handlers answered.",
                                       labels=["route", "method", "status"])
        durations = HistogramMetricFamily("ganger_worker_http_duration_seconds",
                                          "Time in the worker from the request to the handler's return.",
                                          labels=["route", "method", "status"])
        for (method, route, status), entry in sorted(self.counts.series.items()):
            labels = [route, method, str(status)]
            requests.add_metric(labels, entry[0])
            cumulative, running = [], 0.0
            for edge, count in zip(_EDGES, entry[2:], strict=True):
                running += count
                cumulative.append((edge, running))
            durations.add_metric(labels, cumulative, entry[1])
        in_flight = GaugeMetricFamily("ganger_worker_http_in_flight", "Requests inside the worker now.",
                                      value=self.counts.in_flight)
        yield from (requests, durations, in_flight)


def render_counts(counts: RequestCounts) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_CountsCollector(counts))
    return generate_latest(registry)


def route_template(scope: Scope) -> str:
    """The matched route's template under the worker's own root (`/api/items/{id}`), never the path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None or isinstance(route, Mount):  # a Mount left here matched nothing inside it
        return UNMATCHED
    mounted = scope.get("root_path", "")
    own_root = scope.get("app_root_path", mounted)
    return (mounted[len(own_root):] if mounted.startswith(own_root) else "") + path


class RequestMetrics:
    """Counts every HTTP request by route template and status. Sits inside ForwardedPrefix, so
    Starlette's routing marks the same scope with the route it matched."""

    def __init__(self, app: ASGIApp, counts: RequestCounts) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        counts = self.counts
        counts.in_flight += 1
        # Not reset on the way out: each request runs in its own task (its own context), and
        # uvicorn's "Exception in ASGI application" line, logged after we return, should carry it too.
        _current_scope.set(scope)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_status)
        finally:
            counts.in_flight -= 1
            counts.observe(scope.get("method", "GET"), route_template(scope), status, time.perf_counter() - started)


class MetricsEndpoint:
    """Answers `/__ganger/metrics` for the runtime only; every other request goes on untouched.

    The platform secret is read on the first such request, so a worker that is never scraped
    (an app under test) never touches the data dir for it.
    """

    def __init__(self, app: ASGIApp, counts: RequestCounts, secret: Callable[[], bytes]) -> None:
        self.app = app
        self.counts = counts
        self._load_secret = secret
        self._secret: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == METRICS_PATH and self._allowed(scope):
            body = render_counts(self.counts)
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"text/plain; version=0.0.4; charset=utf-8"),
                (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        if self._secret is None:
            self._secret = self._load_secret()
        return runtime_request_allowed(self._secret, scope["headers"])


class TraceLogFilter(logging.Filter):
    """Adds the current request's `trace_id` and `request_id` (the router's span) from `traceparent`.

    The header is read only when a line is logged, so requests that log nothing pay nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        scope = _current_scope.get()
        if scope is None:
            return True
        for name, value in scope.get("headers", ()):
            if name == b"traceparent":
                parts = value.decode("latin-1").split("-")
                if len(parts) == 4 and len(parts[1]) == 32 and len(parts[2]) == 16:
                    fields = dict(getattr(record, "fields", None) or {})
                    fields.setdefault("trace_id", parts[1])
                    fields.setdefault("request_id", parts[2])
                    record.fields = fields
                break
        return True


def install_trace_logging(loggers: tuple[str, ...] = ("ganger", "uvicorn")) -> None:
    """Put the trace filter on the handlers of the worker's loggers (once)."""
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, TraceLogFilter) for f in handler.filters):
                handler.addFilter(TraceLogFilter())
