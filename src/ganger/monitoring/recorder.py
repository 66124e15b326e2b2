"""What the router counts per request, kept as plain integers until the next report."""

from __future__ import annotations

from bisect import bisect_left

import msgspec

# Seconds. The seed's thresholds (5 ms routing, 2 s total) fall on bucket edges.
BUCKETS: tuple[float, ...] = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
STAGES = ("router", "worker", "total")


class WorkerDelta(msgspec.Struct):
    """Requests to one worker since the last report."""

    route: str
    statuses: dict[int, int] = msgspec.field(default_factory=dict)
    # stage → [count per bucket …, count above the last bucket]
    buckets: dict[str, list[int]] = msgspec.field(default_factory=dict)
    sums: dict[str, float] = msgspec.field(default_factory=dict)
    shed: int = 0
    in_flight: int = 0
    cpu_limit_hits: int = 0
    memory_limit_hits: int = 0


class RouterDelta(msgspec.Struct):
    pid: int
    workers: dict[str, WorkerDelta]


class RequestRecorder:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._workers: dict[str, WorkerDelta] = {}
        self.in_flight: dict[str, int] = {}

    def _for(self, worker: str, route: str) -> WorkerDelta:
        delta = self._workers.get(worker)
        if delta is None:
            delta = self._workers[worker] = WorkerDelta(
                route=route,
                buckets={stage: [0] * (len(BUCKETS) + 1) for stage in STAGES},
                sums={stage: 0.0 for stage in STAGES},
            )
        return delta

    def started(self, worker: str) -> None:
        self.in_flight[worker] = self.in_flight.get(worker, 0) + 1

    def ended(self, worker: str) -> None:
        self.in_flight[worker] = self.in_flight.get(worker, 1) - 1

    def observe(self, worker: str, route: str, status: int, router_s: float, worker_s: float, total_s: float) -> None:
        delta = self._for(worker, route)
        delta.statuses[status] = delta.statuses.get(status, 0) + 1
        for stage, seconds in (("router", router_s), ("worker", worker_s), ("total", total_s)):
            delta.buckets[stage][bisect_left(BUCKETS, seconds)] += 1
            delta.sums[stage] += seconds

    def shed(self, worker: str, route: str) -> None:
        self._for(worker, route).shed += 1

    def limit_hit(self, worker: str, route: str, kind: str) -> None:
        delta = self._for(worker, route)
        if kind == "memory":
            delta.memory_limit_hits += 1
        else:
            delta.cpu_limit_hits += 1

    def take(self) -> RouterDelta:
        """Everything recorded since the last call (in-flight is a level, not a delta)."""
        workers, self._workers = self._workers, {}

        for name, count in self.in_flight.items():
            if name in workers:
                workers[name].in_flight = count
            elif count:
                workers[name] = WorkerDelta(route="", in_flight=count)
        return RouterDelta(pid=self.pid, workers=workers)
