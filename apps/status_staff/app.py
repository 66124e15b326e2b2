from __future__ import annotations

import time

from ganger.sdk import JSONResponse, PlatformState, Request, Response, Route, WorkerApp, runtime_state


def _rows(state: PlatformState) -> list[dict[str, object]]:
    now = time.time()
    rows: list[dict[str, object]] = []
    for worker in app.manifest.workers:
        current = state.workers.get(worker.name)
        replicas = current.replicas if current else []
        ready_since = [r.ready_at for r in replicas if r.ready_at and r.phase == "ready"]
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
                "uptimeSeconds": round(now - min(ready_since)) if ready_since else None,
            }
        )
    return rows


async def _state_or_none() -> PlatformState | None:
    try:
        return await runtime_state()
    except (OSError, TimeoutError, ValueError):
        return None


async def home(request: Request) -> Response:
    state = await _state_or_none()
    return app.render(request, "status.html", title="Integration Status", rows=_rows(state) if state else [],
                      reachable=state is not None)


async def workers(request: Request) -> Response:
    state = await _state_or_none()
    if state is None:
        return JSONResponse({"error": "the runtime's control socket is not answering", "status": 503}, status_code=503)
    return JSONResponse({"environment": state.environment, "ready": state.ready, "workers": _rows(state)})


app = WorkerApp(
    "ganger-status-staff",
    package=__package__ or "apps.status_staff",
    pages=[Route("/", home, methods=["GET", "HEAD"])],
    api=[Route("/workers", workers)],
)
