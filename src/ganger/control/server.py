"""The supervisor's end of the control channel: one JSON object per line, any number per connection."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from .state import PlatformState, encode

# An op handler gets the request object and returns the reply line's object (None: no reply).
# An `async` handler (a long op such as a deploy) is awaited: its reply is sent when it is done,
# and only that connection waits.
Handler = Callable[[dict[str, Any]], Any]


class ControlServer:
    """`state` answers once, `subscribe` streams every published state; other ops go to handlers."""

    def __init__(self, path: Path, snapshot: Callable[[], PlatformState], handlers: dict[str, Handler] | None = None) -> None:
        self.path = path
        self.snapshot = snapshot
        self.handlers = dict(handlers or {})
        self._subscribers: set[asyncio.Queue[bytes]] = set()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._handle, path=str(self.path), limit=4 * 1024 * 1024)
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
            while line := await reader.readline():
                try:
                    request = msgspec.json.decode(line)
                    op = request["op"]
                except (msgspec.DecodeError, KeyError, TypeError):
                    writer.write(b'{"error":"expected one JSON object per line, like {\\"op\\": \\"state\\"}"}\n')
                    break
                if op == "state":
                    writer.write(encode(self.snapshot()) + b"\n")
                elif op == "subscribe":
                    await self._stream(writer)
                    break
                elif op in self.handlers:
                    reply = self.handlers[op](request)
                    if inspect.isawaitable(reply):
                        reply = await reply
                    if reply is not None:
                        writer.write(encode(reply) + b"\n")
                else:
                    writer.write(b'{"error":"unknown op"}\n')
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError, asyncio.LimitOverrunError, ValueError):
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
