"""The supervisor's copy of every ready replica's own metrics, refreshed every few seconds.

The control channel answers ops synchronously, so `metrics` serves the latest copy (at most
`REFRESH_SECONDS` old) instead of waiting on twenty sockets while Prometheus scrapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from ..control import PlatformState
from ..logs import event
from .scrape import fetch_worker_metrics, merge_worker_texts

REFRESH_SECONDS = 5.0
log = logging.getLogger("ganger.monitoring")


class WorkerMetricsCache:
    def __init__(self, state: Callable[[], PlatformState], secret: bytes) -> None:
        self._state = state
        self._secret = secret
        self.text = ""
        self._failing: set[str] = set()

    def targets(self) -> list[tuple[str, int, str]]:
        """(worker, replica index, address) of every ready replica on a Unix socket."""
        return [(name, replica.index, replica.address)
                for name, worker in sorted(self._state().workers.items())
                for replica in worker.replicas
                if replica.phase == "ready" and replica.address.startswith("unix:")]

    async def refresh(self) -> None:
        targets = self.targets()
        results = await asyncio.gather(*(fetch_worker_metrics(address, self._secret) for _, _, address in targets),
                                       return_exceptions=True)
        texts: dict[tuple[str, int], str] = {}
        for (worker, index, address), result in zip(targets, results, strict=True):
            if isinstance(result, BaseException):
                if address not in self._failing:  # say it once, not every few seconds
                    event(log, logging.WARNING, "worker metrics unavailable", worker=worker, replica=index,
                          error=type(result).__name__)
                    self._failing.add(address)
                continue
            self._failing.discard(address)
            texts[(worker, index)] = result
        self.text = merge_worker_texts(texts)

    async def run(self, stop: asyncio.Event, interval: float = REFRESH_SECONDS) -> None:
        while not stop.is_set():
            await self.refresh()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
