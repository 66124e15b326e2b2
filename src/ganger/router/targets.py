"""Which replica of a worker gets the next request: the ready one with fewest requests in flight.

During a canary rollout a worker has two generations: `canary_percent` of the sticky keys (the
signed-in user, else the client address) hash to the canary replicas, the rest to the stable ones,
and each generation's answers are tallied for the supervisor to compare.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable
from zlib import crc32

from ..control import PlatformState, WorkerState
from ..manifest import Manifest
from ..monitoring import BUCKETS


class Target:
    __slots__ = ("name", "addresses", "in_flight", "phase", "static", "waiters", "total_in_flight", "failures",
                 "open_until", "probing", "canary", "canary_percent", "tally")

    def __init__(self, name: str, static_address: str | None = None) -> None:
        self.name = name
        self.static = static_address is not None
        self.addresses: list[str] = [static_address] if static_address else []
        self.in_flight: dict[str, int] = {}
        self.phase = "external" if self.static else "starting"
        self.waiters: list[Callable[[], None]] = []  # requests held until a replica is ready
        self.total_in_flight = 0
        self.failures = 0  # consecutive transport failures (refused, dropped, timed out)
        self.open_until = 0.0  # circuit open: answer at once until then, then let one probe through
        self.probing = False
        self.canary: list[str] = []  # ready replicas of the generation on trial
        self.canary_percent = 0
        self.tally: dict[str, list[float]] = {}  # generation → [requests, errors, seconds, per bucket…]

    def choose(self, exclude: str | None = None, key: bytes | None = None) -> str | None:
        pool = self.addresses
        if self.canary_percent and key and crc32(key) % 100 < self.canary_percent:
            pool = self.canary
        best: str | None = None
        best_load = -1
        for address in pool:
            if address == exclude:
                continue
            load = self.in_flight.get(address, 0)
            if best is None or load < best_load:
                best, best_load = address, load
        return best

    def acquire(self, address: str) -> None:
        self.in_flight[address] = self.in_flight.get(address, 0) + 1
        self.total_in_flight += 1

    def circuit_allows(self, now: float) -> bool:
        """Closed: yes. Open: no, until `open_until`; then one request goes through as a probe."""
        if not self.open_until:
            return True
        if now < self.open_until or self.probing:
            return False
        self.probing = True
        return True

    def succeeded(self) -> None:
        self.failures, self.open_until, self.probing = 0, 0.0, False

    def failed(self, now: float, threshold: int, open_seconds: float) -> bool:
        """Count a failure; True if this one opened (or re-opened) the circuit."""
        self.failures += 1
        if self.probing or self.failures >= threshold:
            self.probing = False
            self.open_until = now + open_seconds
            return True
        return False

    def release(self, address: str, status: int = 0, started_ns: int = 0) -> None:
        if self.canary_percent:
            self._count(address, status, started_ns)
        self.total_in_flight -= 1
        count = self.in_flight.get(address, 0) - 1
        if count > 0:
            self.in_flight[address] = count
        else:
            self.in_flight.pop(address, None)

    def _count(self, address: str, status: int, started_ns: int) -> None:
        """One answer of a generation under comparison (no status: the exchange failed)."""
        generation = "canary" if address in self.canary else "stable"
        entry = self.tally.get(generation)
        if entry is None:
            entry = self.tally[generation] = [0, 0, 0.0] + [0] * (len(BUCKETS) + 1)
        seconds = (time.perf_counter_ns() - started_ns) / 1e9 if started_ns else 0.0
        entry[0] += 1
        entry[1] += status == 0 or status >= 500
        entry[2] += seconds
        entry[3 + bisect_left(BUCKETS, seconds)] += 1

    def take_tally(self) -> dict[str, list[float]]:
        tally, self.tally = self.tally, {}
        return tally

    def update(self, state: WorkerState) -> list[str]:
        """Take the runtime's view; return the addresses that stopped being ready."""
        if self.static:
            return []
        ready = state.ready_addresses
        canary = [r.address for r in state.canary if r.phase == "ready"]
        gone = [a for a in self.addresses + self.canary if a not in ready and a not in canary]
        self.canary = canary
        self.canary_percent = state.canary_percent if canary else 0
        if any(a not in self.addresses for a in ready):
            self.succeeded()  # a new replica gets a closed circuit: the failures were its predecessor's
        self.addresses = ready
        self.phase = state.phase
        return gone


    def hold(self, resume: Callable[[], None]) -> None:
        """Run `resume` once this worker has a ready replica."""
        self.waiters.append(resume)


class Targets:
    def __init__(self, manifest: Manifest) -> None:
        self.by_name = {w.name: Target(w.name, w.upstream) for w in manifest.units}
        self.state: PlatformState | None = None

    def release_waiters(self) -> None:
        for target in self.by_name.values():
            if target.waiters and target.addresses:
                waiters, target.waiters = target.waiters, []
                for resume in waiters:
                    resume()

    def take_tallies(self) -> dict[str, dict[str, list[float]]]:
        """Each canaried worker's per-generation answers since the last call."""
        return {name: t.take_tally() for name, t in self.by_name.items() if t.tally}

    def update(self, state: PlatformState) -> list[str]:
        self.state = state
        gone: list[str] = []
        for name, worker_state in state.workers.items():
            target = self.by_name.get(name)
            if target is not None:
                gone += target.update(worker_state)
        return gone
