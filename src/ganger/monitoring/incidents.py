"""What happened to each worker lately: replica exits, restarts, failed starts and phase changes.

Kept in memory by the supervisor, bounded per worker, for the status page's "last incidents"
and "history of state changes"; a restart of the platform starts a fresh history.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Literal

import msgspec

KEPT_PER_WORKER = 50

IncidentKind = Literal["exited", "restarted", "start-failed", "phase", "recycled"]


class Incident(msgspec.Struct, frozen=True, omit_defaults=True):
    at: float
    kind: IncidentKind
    replica: int | None = None
    pid: int | None = None
    exit_code: int | None = None
    phase: str | None = None  # the worker's phase after a "phase" change
    reason: str | None = None  # why a replica was recycled


class IncidentLog:
    def __init__(self, kept: int = KEPT_PER_WORKER) -> None:
        self._kept = kept
        self._by_worker: dict[str, deque[Incident]] = {}
        self._phases: dict[str, str] = {}

    def record(self, worker: str, kind: IncidentKind, *, now: float | None = None, **details: int | str | None) -> None:
        entries = self._by_worker.setdefault(worker, deque(maxlen=self._kept))
        entries.append(Incident(at=now if now is not None else time.time(), kind=kind, **details))  # type: ignore[arg-type]

    def phase(self, worker: str, phase: str, now: float | None = None) -> None:
        """Records the worker's phase only when it differs from the last one recorded."""
        if self._phases.get(worker) != phase:
            self._phases[worker] = phase
            self.record(worker, "phase", now=now, phase=phase)

    def document(self) -> dict[str, list[Incident]]:
        """Per worker, newest first."""
        return {worker: list(reversed(entries)) for worker, entries in sorted(self._by_worker.items())}
