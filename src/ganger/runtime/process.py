"""One replica: a process started by a launcher, with its phase, restarts and memory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable

from ..control import ReplicaState
from ..control.state import ReplicaPhase
from .launchers import Spawned

SpawnFunction = Callable[[], Awaitable[Spawned]]


class ReplicaProcess:
    def __init__(self, index: int, address: str, spawn: SpawnFunction, on_change: Callable[[], None]) -> None:
        self.index = index
        self.address = address
        self._spawn = spawn
        self._on_change = on_change
        self.spawned: Spawned | None = None
        self.phase: ReplicaPhase = "starting"  # created to be started at once
        self.started_at: float | None = None
        self.ready_at: float | None = None
        self.restarts = 0
        self.exit_code: int | None = None
        self.rss_bytes = 0
        self.settled = asyncio.Event()  # set once the first start has succeeded or failed
        self.being_replaced = False  # a successor is starting; this one drains once it is ready
        self.cpu_hits: list[float] = []  # when it recently stopped a request at its CPU limit

    @property
    def pid(self) -> int | None:
        return self.spawned.pid if self.spawned else None

    @property
    def running(self) -> bool:
        return self.spawned is not None and self.spawned.returncode is None

    def state(self) -> ReplicaState:
        return ReplicaState(
            index=self.index, phase=self.phase, address=self.address, pid=self.pid,
            started_at=self.started_at, ready_at=self.ready_at, restarts=self.restarts, exit_code=self.exit_code,
            rss_bytes=self.rss_bytes,
        )

    def _set(self, phase: ReplicaPhase) -> None:
        self.phase = phase
        self._on_change()

    async def start(self, timeout: float) -> bool:
        """Start the process and wait until it says it is ready; False if it dies or times out."""
        self.exit_code = None
        self.started_at = time.time()
        self.ready_at = None
        self.rss_bytes = 0
        self.spawned = await self._spawn()
        self._set("starting")
        if await self.spawned.ready(timeout):
            self.ready_at = time.time()
            self._set("ready")
            return True
        await self.kill()
        self._set("crashed")
        return False

    async def wait(self) -> int:
        assert self.spawned is not None
        code = await self.spawned.wait()
        self.exit_code = code
        return code

    def signal(self, number: int) -> None:
        if self.running and self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    async def stop(self, timeout: float) -> None:
        """SIGTERM (the replica drains), then SIGKILL after `timeout`."""
        if not self.running:
            self._set("stopped")
            return
        self._set("stopping")
        self.signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(timeout):
                await self.wait()
        except TimeoutError:
            await self.kill()
        self.rss_bytes = 0
        self._set("stopped")

    async def kill(self) -> None:
        if self.running:
            self.signal(signal.SIGKILL)
            assert self.spawned is not None
            self.exit_code = await self.spawned.wait()


def python_module_command(module: str, *args: str) -> list[str]:
    """A command line that runs `python -m module args… --ready-fd {ready_fd}` with this interpreter."""
    return [sys.executable, "-m", module, *args, "--ready-fd", "{ready_fd}"]
