"""Two ways to start a replica process, behind one small interface.

- `ExecLauncher`: a new interpreter (`python -m …`). Used for the router, which must stay lean,
  and for workers when the zygote is off (`GANGER_ZYGOTE=0`), e.g. to measure what it saves.
- `ZygoteLauncher`: a fork of the zygote, which has the shared base imported already.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Protocol

from ..errors import RuntimeStartError

_PR_SET_PDEATHSIG = 1


class Spawned(Protocol):
    """A started process: its pid, when it is ready, when it exits."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    async def ready(self, timeout: float) -> bool: ...

    async def wait(self) -> int: ...


def _child_setup() -> None:
    """Runs in an exec'd child before exec.

    Its own process group: Ctrl-C reaches only the supervisor, which then stops replicas in
    order (router first). Death signal: if the supervisor dies, the kernel sends SIGTERM, so
    no replica outlives it.
    """
    os.setpgid(0, 0)
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class _ExecSpawned:
    def __init__(self, process: asyncio.subprocess.Process, ready_fd: int) -> None:
        self.process = process
        self.pid = process.pid
        self._ready_fd = ready_fd

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def ready(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                    os.fdopen(self._ready_fd, "rb"))
        try:
            async with asyncio.timeout(timeout):
                line = await reader.readline()
        except TimeoutError:
            line = b""
        finally:
            transport.close()
        return line.strip() == b"ready" and self.process.returncode is None

    async def wait(self) -> int:
        return await self.process.wait()


class ExecLauncher:
    async def spawn(self, command: Sequence[str], env: dict[str, str]) -> Spawned:
        """Run `command` (its `{ready_fd}` argument replaced by the readiness pipe)."""
        read_fd, write_fd = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                *[part.replace("{ready_fd}", str(write_fd)) for part in command],
                env=env, pass_fds=(write_fd,), stdin=asyncio.subprocess.DEVNULL, preexec_fn=_child_setup,
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        return _ExecSpawned(process, read_fd)


class _ForkedSpawned:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ready_event = asyncio.Event()
        self.exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    @property
    def returncode(self) -> int | None:
        return self.exited.result() if self.exited.done() else None

    async def ready(self, timeout: float) -> bool:
        ready = asyncio.ensure_future(self.ready_event.wait())
        done, _ = await asyncio.wait({ready, self.exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        return self.ready_event.is_set() and not self.exited.done()

    async def wait(self) -> int:
        return await asyncio.shield(self.exited)


class ZygoteLauncher:
    """Keeps one zygote process and asks it to fork replicas."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[_ForkedSpawned]] = {}
        self._spawned: dict[int, _ForkedSpawned] = {}
        self._reader_task: asyncio.Task[None] | None = None
        self.started = asyncio.Event()

    async def start(self, timeout: float = 30.0) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ganger.runtime.zygote", str(theirs.fileno()),
                env=self.env, pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_child_setup,
            )
        finally:
            theirs.close()
        reader, self._writer = await asyncio.open_unix_connection(sock=ours)
        self._reader_task = asyncio.create_task(self._read(reader))
        try:
            async with asyncio.timeout(timeout):
                await self.started.wait()
        except TimeoutError as exc:
            raise RuntimeStartError("the zygote did not start") from exc

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            message = json.loads(line)
            event, spawn_id = message.get("event"), message.get("id")
            if event == "started":
                self.started.set()
            elif event == "spawned" and spawn_id in self._pending:
                # registered here, before any later line (its "ready") is read
                spawned = self._spawned[spawn_id] = _ForkedSpawned(int(message["pid"]))
                self._pending.pop(spawn_id).set_result(spawned)
            elif event == "ready" and spawn_id in self._spawned:
                self._spawned[spawn_id].ready_event.set()
            elif event == "exit" and spawn_id in self._spawned:
                spawned = self._spawned.pop(spawn_id)
                if not spawned.exited.done():
                    spawned.exited.set_result(int(message["code"]))
        for spawned in self._spawned.values():  # the zygote died: its children die with it
            if not spawned.exited.done():
                spawned.exited.set_result(-int(signal.SIGTERM))
        self._spawned.clear()
        self.started.clear()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None and self.started.is_set()

    async def spawn(self, worker: str, socket_path: str, release: str | None) -> Spawned:
        if not self.alive or self._writer is None:
            await self.start()
        assert self._writer is not None
        self._next_id += 1
        spawn_id = self._next_id
        future: asyncio.Future[_ForkedSpawned] = asyncio.get_running_loop().create_future()
        self._pending[spawn_id] = future
        message = {"op": "spawn", "id": spawn_id, "worker": worker, "socket": socket_path, "release": release}
        self._writer.write(json.dumps(message).encode() + b"\n")
        await self._writer.drain()
        async with asyncio.timeout(10):
            return await future

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self.process.wait()
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        if self._reader_task is not None:
            self._reader_task.cancel()
