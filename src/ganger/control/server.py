"""The supervisor's end of the control channel."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import msgspec

from .state import PlatformState, encode


class _Request(msgspec.Struct):
    op: str


_decode_request = msgspec.json.Decoder(_Request).decode


class ControlServer:
    """Answers `state` once and streams every published state to `subscribe`rs."""

    def __init__(self, path: Path, snapshot: Callable[[], PlatformState]) -> None:
        self.path = path
        self.snapshot = snapshot
        self._subscribers: set[asyncio.Queue[bytes]] = set()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._handle, path=str(self.path))
        os.chmod(self.path, 0o600)

    def publish(self) -> None:
        line = encode(self.snapshot()) + b"\n"
        for queue in self._subscribers:
            if queue.qsize() > 64:  # a subscriber that stopped reading only needs the latest state
                while not queue.empty():
                    queue.get_nowait()
            queue.put_nowait(line)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for queue in self._subscribers:
            queue.put_nowait(b"")
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            try:
                request = _decode_request(line)
            except msgspec.DecodeError:
                writer.write(b'{"error":"expected one JSON line like {\\"op\\": \\"state\\"}"}\n')
                return
            if request.op == "state":
                writer.write(encode(self.snapshot()) + b"\n")
            elif request.op == "subscribe":
                await self._stream(writer)
            else:
                writer.write(b'{"error":"unknown op"}\n')
            await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            writer.write(encode(self.snapshot()) + b"\n")
            await writer.drain()
            while line := await queue.get():
                writer.write(line)
                await writer.drain()
        finally:
            self._subscribers.discard(queue)
