"""ganger-dashboard-staff: the platform's last hour per application, and the seed's success metrics."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from ganger.sdk import (
    MinuteDocument,
    PlatformState,
    Request,
    Response,
    Route,
    WorkerApp,
    bundle_report,
    runtime_history,
    runtime_state,
)

from .charts import bar_chart, line_chart
from .success import success_rows
from .summary import AppHour, summarise


def _ms(value: float) -> str:
    return f"{value:g} ms"


def _count(value: float) -> str:
    return f"{value:g}"


def _percent(value: float) -> str:
    return f"{value:g} %"


def _mb(value: float) -> str:
    return f"{value:g} MB"


def _charts(hour: AppHour) -> dict[str, str]:
    quiet = "no requests in the last hour"
    latency = {
        stage: line_chart(f"{hour.title}: {stage} time p50, p95, p99",
                          [(f"q-{name}", hour.latency_ms[stage][name]) for name in ("p50", "p95", "p99")],
                          _ms, empty=quiet)
        for stage in ("router", "worker")
    }
    return {
        "requests": bar_chart(f"{hour.title}: requests per minute", hour.requests, _count, empty=quiet),
        "router": latency["router"],
        "worker": latency["worker"],
        "errors": line_chart(f"{hour.title}: error rate", [("errors", hour.error_rate)], _percent, empty=quiet),
        "memory": line_chart(f"{hour.title}: memory", [("memory", hour.memory_mb)], _mb, empty="not sampled yet"),
        "cold": bar_chart(f"{hour.title}: cold starts", hour.cold_starts, _count, css="cold",
                          empty="no cold start in the last hour"),
    }


def _app_document(hour: AppHour) -> dict[str, Any]:
    rate = hour.hour_error_rate
    return {
        "worker": hour.worker,
        "title": hour.title,
        "kind": hour.kind,
        "stats": {
            "requests": str(hour.total_requests),
            "rpm": f"{hour.requests_per_minute:.1f}",
            "routerP95": _latency_text(hour.hour_latency_ms["router"]["p95"]),
            "workerP95": _latency_text(hour.hour_latency_ms["worker"]["p95"]),
            "workerP99": _latency_text(hour.hour_latency_ms["worker"]["p99"]),
            "errorRate": "–" if rate is None else f"{rate:.1f} %",
            "memory": "–" if hour.memory_now_mb is None else f"{hour.memory_now_mb:.1f} MB",
            "coldStarts": str(hour.total_cold_starts),
        },
        "hour": {"requests": hour.total_requests, "errors": hour.total_errors, "errorRate": rate,
                 "latencyMs": hour.hour_latency_ms, "memoryMb": hour.memory_now_mb,
                 "coldStarts": hour.total_cold_starts},
        "charts": _charts(hour),
    }


def _latency_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} ms"


CACHE_SECONDS = 3.0  # viewers refreshing every 5 s share one computation (~25 ms CPU for a busy hour)
_cached: dict[str, Any] = {}


async def _overview() -> dict[str, Any]:
    if _cached and time.monotonic() - _cached["at"] < CACHE_SECONDS:
        return _cached["overview"]
    _cached.update(at=time.monotonic(), overview=await _compute_overview())
    return _cached["overview"]


async def _compute_overview() -> dict[str, Any]:
    now = time.time()
    history: dict[str, list[MinuteDocument]] = {}
    state: PlatformState | None = None
    reachable = True
    try:
        history = await runtime_history()
        state = await runtime_state()
    except (OSError, TimeoutError, ValueError):
        reachable = False
    hours = [summarise(w.name, w.description, w.kind, history.get(w.name, []), now) for w in app.manifest.workers]
    hours.sort(key=lambda h: (-h.total_requests, h.title))
    bundles = bundle_report()
    return {
        "generatedAt": now,
        "reachable": reachable,
        "traffic": any(h.total_requests for h in hours),
        "apps": [_app_document(h) for h in hours],
        "success": success_rows(app.manifest, state, history, bundles, now),
    }


async def home(request: Request) -> Response:
    return app.render(request, "dashboard.html", title="Platform Dashboard", overview=await _overview())


async def overview(request: Request) -> Response:
    return Response(msgspec.json.encode(await _overview()), media_type="application/json")


app = WorkerApp(
    "ganger-dashboard-staff",
    package=__package__ or "apps.dashboard_staff",
    pages=[Route("/", home, methods=["GET", "HEAD"])],
    api=[Route("/overview", overview)],
)
