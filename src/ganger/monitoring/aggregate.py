"""The supervisor's view of all traffic: totals since start and the last hour, minute by minute."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

import msgspec

from .recorder import BUCKETS, STAGES, RouterDelta, WorkerDelta

HISTORY_MINUTES = 60


@dataclass
class Totals:
    route: str = ""
    statuses: dict[int, int] = field(default_factory=dict)
    buckets: dict[str, list[int]] = field(default_factory=lambda: {s: [0] * (len(BUCKETS) + 1) for s in STAGES})
    sums: dict[str, float] = field(default_factory=lambda: {s: 0.0 for s in STAGES})
    shed: int = 0
    cpu_limit_hits: int = 0
    memory_limit_hits: int = 0

    def add(self, delta: WorkerDelta) -> None:
        if delta.route:
            self.route = delta.route
        for status, count in delta.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        for stage, counts in delta.buckets.items():
            mine = self.buckets[stage]
            for index, count in enumerate(counts):
                mine[index] += count
            self.sums[stage] += delta.sums.get(stage, 0.0)
        self.shed += delta.shed
        self.cpu_limit_hits += delta.cpu_limit_hits
        self.memory_limit_hits += delta.memory_limit_hits

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


class MinuteDocument(msgspec.Struct):
    """One worker's traffic in one minute, as the dashboard reads it."""

    minute: int  # unix time of the minute's start
    requests: int
    errors: int
    shed: int
    buckets: dict[str, list[int]]
    memory_bytes: int = 0
    cold_starts: int = 0


class Aggregate:
    def __init__(self) -> None:
        self.totals: dict[str, Totals] = {}
        self.in_flight: dict[int, dict[str, int]] = {}
        self.minutes: deque[tuple[int, dict[str, Totals]]] = deque(maxlen=HISTORY_MINUTES + 1)
        self.memory: dict[tuple[int, str], int] = {}  # (minute, worker) → max RSS seen
        self.cold_starts: dict[tuple[int, str], int] = {}

    def _minute(self, now: float) -> dict[str, Totals]:
        minute = int(now // 60 * 60)
        if not self.minutes or self.minutes[-1][0] != minute:
            self.minutes.append((minute, {}))
        return self.minutes[-1][1]

    def add(self, delta: RouterDelta, now: float | None = None) -> None:
        current = self._minute(now if now is not None else time.time())
        levels = self.in_flight.setdefault(delta.pid, {})
        for worker, worker_delta in delta.workers.items():
            self.totals.setdefault(worker, Totals()).add(worker_delta)
            current.setdefault(worker, Totals()).add(worker_delta)
            levels[worker] = worker_delta.in_flight

    def forget_router(self, pid: int) -> None:
        self.in_flight.pop(pid, None)

    def memory_sample(self, worker: str, rss: int, now: float | None = None) -> None:
        minute = int((now if now is not None else time.time()) // 60 * 60)
        key = (minute, worker)
        self.memory[key] = max(self.memory.get(key, 0), rss)
        self._trim(minute)

    def cold_start(self, worker: str, now: float | None = None) -> None:
        minute = int((now if now is not None else time.time()) // 60 * 60)
        self.cold_starts[(minute, worker)] = self.cold_starts.get((minute, worker), 0) + 1

    def _trim(self, minute: int) -> None:
        oldest = minute - HISTORY_MINUTES * 60
        for table in (self.memory, self.cold_starts):
            for key in [k for k in table if k[0] < oldest]:
                del table[key]

    def in_flight_total(self, worker: str) -> int:
        return sum(levels.get(worker, 0) for levels in self.in_flight.values())

    def history(self, now: float | None = None) -> dict[str, list[MinuteDocument]]:
        """Per worker, one entry per minute of the last hour that saw traffic, memory or cold starts."""
        oldest = int((now if now is not None else time.time()) // 60 * 60) - HISTORY_MINUTES * 60
        result: dict[str, list[MinuteDocument]] = {}
        minutes = {minute: workers for minute, workers in self.minutes if minute >= oldest}
        keys = {m for m, _ in self.memory} | {m for m, _ in self.cold_starts} | set(minutes)
        names = {w for _, w in self.memory} | {w for _, w in self.cold_starts}
        for workers in minutes.values():
            names |= set(workers)
        for worker in sorted(names):
            entries = []
            for minute in sorted(k for k in keys if k >= oldest):
                totals = minutes.get(minute, {}).get(worker)
                memory = self.memory.get((minute, worker), 0)
                cold = self.cold_starts.get((minute, worker), 0)
                if totals is None and not memory and not cold:
                    continue
                entries.append(MinuteDocument(
                    minute=minute,
                    requests=totals.requests if totals else 0,
                    errors=totals.errors if totals else 0,
                    shed=totals.shed if totals else 0,
                    buckets=totals.buckets if totals else {},
                    memory_bytes=memory,
                    cold_starts=cold,
                ))
            result[worker] = entries
        return result
