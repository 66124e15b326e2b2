"""ganger-status-staff: live state of every worker, its budgets, memory and incidents, and the integrations."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from ganger.sdk import (
    Incident,
    JSONResponse,
    PlatformState,
    Request,
    Response,
    Route,
    WorkerApp,
    data_disk,
    database_checks,
    runtime_incidents,
    runtime_state,
    sign_in_settings,
)

from .incidents import incident_rows, state_changes

MB = 1024 * 1024


def _rows(state: PlatformState) -> list[dict[str, object]]:
    now = time.time()
    rows: list[dict[str, object]] = []
    for worker in app.manifest.workers:
        current = state.workers.get(worker.name)
        replicas = current.replicas if current else []
        ready_since = [r.ready_at for r in replicas if r.ready_at and r.phase == "ready"]
        memory = [r.rss_bytes for r in replicas if r.rss_bytes and r.phase in ("ready", "starting")]
        budgets = worker.budgets
        rows.append(
            {
                "worker": worker.name,
                "description": worker.description,
                "kind": worker.kind,
                "route": f"{worker.host}.*" if worker.host else worker.prefix,
                "state": current.phase if current else "unknown",
                "version": current.version if current else "",
                "replicas": f"{sum(r.phase == 'ready' for r in replicas)}/{len(replicas)}",
                "pids": [r.pid for r in replicas if r.pid],
                "restarts": current.restarts if current else 0,
                "scaling": current.reason if current else "",
                "coldStarts": current.cold_starts if current else 0,
                "limits": {"cpu": current.cpu_limit_hits, "memory": current.memory_limit_hits,
                           "recycles": current.recycles, "shed": current.shed} if current else None,
                "uptimeSeconds": round(now - min(ready_since)) if ready_since else None,
                "memoryMb": round(max(memory) / MB, 1) if memory else None,
                "memoryOverTarget": bool(memory) and max(memory) > budgets.memory_target_mb * MB,
                "budgets": {"memoryMb": budgets.memory_mb, "memoryTargetMb": budgets.memory_target_mb,
                            "cpuMs": budgets.cpu_ms, "concurrency": budgets.concurrency,
                            "bundleKb": budgets.bundle_kb, "coldStartMs": budgets.cold_start_ms},
            }
        )
    return rows


def _warmup(state: PlatformState) -> dict[str, object]:
    """The warm-up schedule's windows and the learned forecast, as the runtime sees them now."""
    return {
        "now": state.now,
        "windows": [{"worker": w.worker, "reason": w.reason, "start": w.start, "end": w.end}
                    for w in sorted(state.warm_windows, key=lambda w: (w.start, w.worker))],
        "forecast": sorted(state.forecast.items(), key=lambda item: -item[1]),
    }


async def _state_or_none() -> PlatformState | None:
    try:
        return await runtime_state()
    except (OSError, TimeoutError, ValueError):
        return None


async def _incidents_or_none() -> dict[str, list[Incident]] | None:
    try:
        return await runtime_incidents()
    except (OSError, TimeoutError, ValueError):
        return None


async def _integrations() -> dict[str, Any]:
    disk = data_disk()
    return {
        "databases": {name: msgspec.to_builtins(check) for name, check in (await database_checks()).items()},
        "signIn": msgspec.to_builtins(sign_in_settings(app.manifest)),
        "disk": {**msgspec.to_builtins(disk), "usedPercent": round(100 * disk.used_fraction, 1)},
    }


async def home(request: Request) -> Response:
    state = await _state_or_none()
    incidents = await _incidents_or_none()
    return app.render(request, "status.html", title="Integration Status", rows=_rows(state) if state else [],
                      reachable=state is not None, warmup=_warmup(state) if state else None,
                      incidents=incident_rows(incidents or {}),
                      changes=state_changes(incidents or {}), integrations=await _integrations())


async def workers(request: Request) -> Response:
    state = await _state_or_none()
    if state is None:
        return JSONResponse({"error": "the runtime's control socket is not answering", "status": 503}, status_code=503)
    return JSONResponse({"environment": state.environment, "ready": state.ready, "workers": _rows(state)})


async def incidents(request: Request) -> Response:
    found = await _incidents_or_none()
    if found is None:
        return JSONResponse({"error": "the runtime's control socket is not answering", "status": 503}, status_code=503)
    return JSONResponse({"incidents": incident_rows(found), "changes": state_changes(found)})


async def integrations(request: Request) -> Response:
    return JSONResponse(await _integrations())


app = WorkerApp(
    "ganger-status-staff",
    package=__package__ or "apps.status_staff",
    pages=[Route("/", home, methods=["GET", "HEAD"])],
    api=[Route("/workers", workers), Route("/incidents", incidents), Route("/integrations", integrations)],
)
