"""One replica: an OS process started from a command line, with readiness over a pipe."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence

from ..control import ReplicaState
from ..control.state import ReplicaPhase

_PR_SET_PDEATHSIG = 1


def _child_setup() -> None:
    """Runs in the child before exec.

    Its own process group: Ctrl-C reaches only the supervisor, which then stops replicas in
    order (router first). Death signal: if the supervisor dies, the kernel sends SIGTERM, so
    no replica outlives it.
    """
    os.setpgid(0, 0)
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ReplicaProcess:
    def __init__(
        self,
        index: int,
        address: str,
        command: Callable[[int], Sequence[str]],
        env: dict[str, str],
        on_change: Callable[[], None],
    ) -> None:
        self.index = index
        self.address = address
        self._command = command
        self._env = env
        self._on_change = on_change
        self.process: asyncio.subprocess.Process | None = None
        self.phase: ReplicaPhase = "stopped"
        self.started_at: float | None = None
        self.ready_at: float | None = None
        self.restarts = 0
        self.exit_code: int | None = None
        self.rss_bytes = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

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
        read_fd, write_fd = os.pipe()
        self.exit_code = None
        self.started_at = time.time()
        self.ready_at = None
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self._command(write_fd),
                env=self._env,
                pass_fds=(write_fd,),
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_child_setup,
            )
        finally:
            os.close(write_fd)
        self._set("starting")
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb"))
        try:
            async with asyncio.timeout(timeout):
                line = await reader.readline()
        except TimeoutError:
            line = b""
        finally:
            transport.close()
        if line.strip() == b"ready" and self.process.returncode is None:
            self.ready_at = time.time()
            self._set("ready")
            return True
        await self.kill()
        self._set("crashed")
        return False

    async def wait(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        self.exit_code = code
        return code

    async def stop(self, timeout: float) -> None:
        """SIGTERM (the replica drains), then SIGKILL after `timeout`."""
        if self.process is None or self.process.returncode is not None:
            self._set("stopped")
            return
        self._set("stopping")
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(timeout):
                await self.process.wait()
        except TimeoutError:
            await self.kill()
        self.exit_code = self.process.returncode
        self._set("stopped")

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


def python_module_command(module: str, *args: str) -> Callable[[int], list[str]]:
    """A command line that runs `python -m module args… --ready-fd N` with this interpreter."""
    return lambda ready_fd: [sys.executable, "-m", module, *args, "--ready-fd", str(ready_fd)]
