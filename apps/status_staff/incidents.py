"""The runtime's incident history as the status page lists it: newest first, times in UTC."""

from __future__ import annotations

import time

from ganger.sdk import Incident

LAST_INCIDENTS = 30
LAST_CHANGES = 40


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def incident_rows(by_worker: dict[str, list[Incident]], limit: int = LAST_INCIDENTS) -> list[dict[str, object]]:
    """Replica exits, restarts, failed starts and recycles across all workers, newest first."""
    found = [(worker, i) for worker, entries in by_worker.items() for i in entries if i.kind != "phase"]
    found.sort(key=lambda pair: -pair[1].at)
    return [{"worker": worker, "at": i.at, "when": _when(i.at), "kind": i.kind, "replica": i.replica, "pid": i.pid,
             "exitCode": i.exit_code, "reason": getattr(i, "reason", None)} for worker, i in found[:limit]]


def state_changes(by_worker: dict[str, list[Incident]], limit: int = LAST_CHANGES) -> list[dict[str, object]]:
    """Every worker's phase changes (starting, ready, degraded, down, …), newest first."""
    found = [(worker, i) for worker, entries in by_worker.items() for i in entries if i.kind == "phase"]
    found.sort(key=lambda pair: -pair[1].at)
    return [{"worker": worker, "at": i.at, "when": _when(i.at), "phase": i.phase} for worker, i in found[:limit]]
