"""What the router tells about its traffic: access lines, counters for the supervisor, trace context."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import msgspec

from ..monitoring import RequestRecorder

REPORT_SECONDS = 1.0
FLUSH_SECONDS = 0.2
FLUSH_LINES = 256
_HEX = frozenset("0123456789abcdef")
_ACCESS_LINE = (b'{"ts":"%s.%03dZ","level":"info","component":"access","event":"request","method":"%s",'
                b'"route":%s,"worker":%s,"status":%d,"routerTime":%.3f,"workerTime":%s,"totalTime":%.3f,'
                b'"request_id":"%s"}\n')


def _quoted(name: str | None) -> bytes:
    return b"null" if name is None else b'"%s"' % name.encode()
_encode = msgspec.json.Encoder().encode


class AccessLog:
    """One JSON line per request, buffered and written a few times a second.

    Only chosen fields: method, route (the matched prefix), worker, status, times, request id.
    Never the path, query string, headers or body — they may carry patient data or tokens.
    """

    def __init__(self, stream: object | None = None) -> None:
        self._fd = (stream or sys.stderr).fileno()  # type: ignore[attr-defined]
        self._lines: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._second = -1
        self._second_text = b""

    def write(self, method: bytes, route: str | None, worker: str | None, status: int, router_ms: float,
              worker_ms: float | None, total_ms: float, request_id: str) -> None:
        # Formatted directly, not through a JSON encoder: every field is a number, a hex id, an HTTP
        # method token, or a name the manifest's validation restricts to [a-z0-9./*-] — nothing to escape.
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)).encode()
        self._lines.append(_ACCESS_LINE % (
            self._second_text, int(now % 1 * 1000), method, _quoted(route), _quoted(worker), status, router_ms,
            b"null" if worker_ms is None else b"%.3f" % worker_ms, total_ms, request_id.encode()))
        if len(self._lines) >= FLUSH_LINES:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        lines, self._lines = self._lines, []
        if lines:
            try:
                os.write(self._fd, b"".join(lines))
            except BrokenPipeError:
                pass  # the reader went away: never crash the data path over a log line


class WarningRate:
    """At most one warning per second per (kind, worker): under load every request may be slow,
    and a log line per request would make it slower. The next line says how many were held back."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def allow(self, kind: str, worker: str) -> int | None:
        """None: stay quiet; otherwise log now, noting this many held back since the last line."""
        key = (kind, worker)
        now = time.monotonic()
        if now - self._last.get(key, -self.interval) < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return None
        self._last[key] = now
        return self._held.pop(key, 0)


def trace_context(header: bytes | None, span_id: str, new_trace_id: str) -> bytes:
    """The W3C traceparent to send on: the client's trace continued with our span, or a new trace."""
    trace_id = ""
    flags = "01"
    if header is not None and len(header) == 55:
        text = header.decode("latin-1").lower()
        version, trace, _parent, sampled = text.split("-") if text.count("-") == 3 else ("", "", "", "")
        if version == "00" and len(trace) == 32 and set(trace) <= _HEX and trace != "0" * 32 and set(sampled) <= _HEX:
            trace_id, flags = trace, sampled
    if not trace_id:
        trace_id = new_trace_id
    return f"00-{trace_id}-{span_id}-{flags}".encode()


class ControlLink:
    """One kept connection to the supervisor for what the router tells it: counters every second,
    and at once, demands for replicas of workers that have none ready."""

    def __init__(self, recorder: RequestRecorder, control_socket: Path) -> None:
        self.recorder = recorder
        self.control_socket = control_socket
        self._urgent: asyncio.Queue[bytes] = asyncio.Queue()

    def demand(self, worker: str) -> None:
        self._urgent.put_nowait(_encode({"op": "demand", "worker": worker}) + b"\n")

    def limit_hit(self, worker: str, limit: str) -> None:
        """A replica stopped a request at a limit (`limit` = "cpu; pid=…"): the runtime may replace it."""
        self._urgent.put_nowait(_encode({"op": "limit", "worker": worker, "limit": limit}) + b"\n")

    async def run(self) -> None:
        while True:
            try:
                _, writer = await asyncio.open_unix_connection(str(self.control_socket))
                try:
                    await self._send(writer)
                finally:
                    writer.close()
            except (OSError, ConnectionError):
                await asyncio.sleep(REPORT_SECONDS)

    async def _send(self, writer: asyncio.StreamWriter) -> None:
        deadline = time.monotonic() + REPORT_SECONDS
        while True:
            try:
                line = await asyncio.wait_for(self._urgent.get(), max(deadline - time.monotonic(), 0.001))
                writer.write(line)
            except TimeoutError:
                deadline = time.monotonic() + REPORT_SECONDS
                delta = self.recorder.take()
                if delta.workers:
                    writer.write(_encode({"op": "report", "delta": delta}) + b"\n")
            await writer.drain()
