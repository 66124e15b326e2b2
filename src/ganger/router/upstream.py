"""Pooled keep-alive connections from the router to worker replicas.

One UpstreamConnection carries one exchange at a time; between exchanges it waits in the
pool for its address. The router closes idle connections before the worker would
(workers keep them 75 s, the pool 30 s), so a pooled connection is rarely stale.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import httptools

if TYPE_CHECKING:
    from .proxy import Exchange

POOL_IDLE_SECONDS = 30.0
POOL_MAX_IDLE_PER_ADDRESS = 64


class ResponseSink(Protocol):
    """What an upstream connection reports to while it carries an exchange."""

    def on_response_head(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], keep_alive: bool, upgrade: bool) -> None: ...
    def on_response_body(self, data: bytes) -> None: ...
    def on_response_complete(self) -> None: ...
    def on_upstream_lost(self) -> None: ...
    def on_upgraded_data(self, data: bytes) -> None: ...
    def cork_client(self) -> None: ...
    def uncork_client(self) -> None: ...
    def pause_client(self) -> None: ...
    def resume_client(self) -> None: ...


class UpstreamConnection(asyncio.Protocol):
    def __init__(self, address: str, pool: UpstreamPool) -> None:
        self.address = address
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.sink: ResponseSink | None = None
        self.parser: httptools.HttpResponseParser | None = None
        self.idle_since = 0.0
        self.upgraded = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._reason = b""
        self._head_only = False
        self._complete = False

    # -- used by the proxy ---------------------------------------------------------------------
    def begin(self, sink: ResponseSink, head_only: bool) -> None:
        self.sink = sink
        self.parser = httptools.HttpResponseParser(self)
        self._headers = []
        self._head_only = head_only
        self._complete = False

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def close(self) -> None:
        self.sink = None
        if self.transport is not None:
            self.transport.close()

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    # -- asyncio callbacks -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool.forget(self)
        sink, self.sink = self.sink, None
        if sink is not None and not self._complete:
            sink.on_upstream_lost()

    def pause_writing(self) -> None:
        if self.sink is not None:
            self.sink.pause_client()

    def resume_writing(self) -> None:
        if self.sink is not None:
            self.sink.resume_client()

    def data_received(self, data: bytes) -> None:
        if self.upgraded:
            if self.sink is not None:
                self.sink.on_upgraded_data(data)
            return
        if self.parser is None or self.sink is None:
            self.close()  # bytes from a worker that owes us nothing: the connection is unusable
            return
        sink = self.sink
        sink.cork_client()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            rest = data[upgrade.args[0] :]
            if rest and self.sink is not None:
                self.sink.on_upgraded_data(rest)
        except httptools.HttpParserError:
            self.close()
        finally:
            sink.uncork_client()

    # -- httptools callbacks -----------------------------------------------------------------------
    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self.parser is not None and self.sink is not None
        status = self.parser.get_status_code()
        upgrade = status == 101
        if upgrade:
            self.upgraded = True
        reason, self._reason = self._reason, b""
        self.sink.on_response_head(status, reason, self._headers, self.parser.should_keep_alive(), upgrade)
        if (self._head_only or status in (204, 304)) and not upgrade and self.sink is not None:
            # httptools cannot be told that a HEAD response has no body: finish it here and
            # give the next response a fresh parser.
            self._finish()

    def on_body(self, body: bytes) -> None:
        if self.sink is not None and not self._complete:
            self.sink.on_response_body(body)

    def on_message_complete(self) -> None:
        if not self._complete and not self.upgraded:
            self._finish()

    def _finish(self) -> None:
        self._complete = True
        sink, self.sink = self.sink, None
        self.parser = None
        if sink is not None:
            sink.on_response_complete()


class UpstreamPool:
    """Idle connections per address, and new ones when none is idle."""

    def __init__(self, connect_timeout: float) -> None:
        self.connect_timeout = connect_timeout
        self._idle: dict[str, list[UpstreamConnection]] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    def take_idle(self, address: str) -> UpstreamConnection | None:
        idle = self._idle.get(address)
        while idle:
            connection = idle.pop()
            if connection.usable:
                return connection
        return None

    async def connect(self, address: str) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        factory: Callable[[], UpstreamConnection] = lambda: UpstreamConnection(address, self)  # noqa: E731
        async with asyncio.timeout(self.connect_timeout):
            if address.startswith("unix:"):
                _, protocol = await loop.create_unix_connection(factory, address[5:])
            else:
                host, _, port = address[4:].rpartition(":")
                _, protocol = await loop.create_connection(factory, host, int(port))
        return protocol

    def release(self, connection: UpstreamConnection) -> None:
        if not connection.usable or connection.upgraded:
            connection.close()
            return
        idle = self._idle.setdefault(connection.address, [])
        if len(idle) >= POOL_MAX_IDLE_PER_ADDRESS:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().call_later(POOL_IDLE_SECONDS / 2, self._sweep)

    def forget(self, connection: UpstreamConnection) -> None:
        idle = self._idle.get(connection.address)
        if idle and connection in idle:
            idle.remove(connection)

    def drop_address(self, address: str) -> None:
        for connection in self._idle.pop(address, []):
            connection.close()

    def close_all(self) -> None:
        for idle in self._idle.values():
            for connection in list(idle):
                connection.close()
        self._idle.clear()

    def _sweep(self) -> None:
        self._sweeper = None
        deadline = time.monotonic() - POOL_IDLE_SECONDS
        remaining = 0
        for idle in self._idle.values():
            for connection in [c for c in idle if c.idle_since < deadline]:
                idle.remove(connection)
                connection.close()
            remaining += len(idle)
        if remaining:
            self._sweeper = asyncio.get_running_loop().call_later(POOL_IDLE_SECONDS / 2, self._sweep)
