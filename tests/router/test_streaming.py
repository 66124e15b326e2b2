"""Bodies stream through the router in both directions with its memory flat; events arrive as sent."""

from __future__ import annotations

import json
import socket
import time

import psutil

from tests.support.platform import RunningPlatform, replica_pids

MB = 1024 * 1024
BIG = 200 * MB
FLAT_LIMIT = 25 * MB


def router_rss(platform: RunningPlatform) -> int:
    (pid,) = replica_pids(platform)
    return psutil.Process(pid).memory_info().rss


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before the response head"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def test_200_mb_upload_streams_with_router_memory_flat(echo_platform: RunningPlatform, echo_session: str) -> None:
    before = router_rss(echo_platform)
    peak = before
    chunk = b"u" * MB
    with socket.create_connection(("127.0.0.1", echo_platform.port)) as sock:
        sock.sendall(
            f"POST /echo/upload HTTP/1.1\r\nHost: localhost\r\nCookie: ganger_session={echo_session}\r\n"
            f"Content-Length: {BIG}\r\nConnection: close\r\n\r\n".encode()
        )
        for sent in range(BIG // MB):
            sock.sendall(chunk)
            if sent % 25 == 0:
                peak = max(peak, router_rss(echo_platform))
        head, rest = read_head(sock)
        body = rest + b"".join(iter(lambda: sock.recv(65536), b""))
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(body)["bytes"] == BIG
    assert peak - before < FLAT_LIMIT


def test_chunked_upload_is_forwarded_whole(echo_platform: RunningPlatform, echo_session: str) -> None:
    pieces = [b"a" * 1000, b"b" * 70000, b"c"]
    with socket.create_connection(("127.0.0.1", echo_platform.port)) as sock:
        sock.sendall(
            f"POST /echo/upload HTTP/1.1\r\nHost: localhost\r\nCookie: ganger_session={echo_session}\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
        )
        for piece in pieces:
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        sock.sendall(b"0\r\n\r\n")
        head, rest = read_head(sock)
        body = rest + b"".join(iter(lambda: sock.recv(65536), b""))
    assert json.loads(body)["bytes"] == sum(map(len, pieces))


def test_200_mb_download_streams_with_router_memory_flat(echo_platform: RunningPlatform, echo_session: str) -> None:
    before = router_rss(echo_platform)
    peak = before
    received = 0
    with socket.create_connection(("127.0.0.1", echo_platform.port)) as sock:
        sock.sendall(
            f"GET /echo/download?mb=200 HTTP/1.1\r\nHost: localhost\r\nCookie: ganger_session={echo_session}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        head, rest = read_head(sock)
        assert b"transfer-encoding: chunked" in head.lower()
        received = len(rest)
        reads = 0
        while chunk := sock.recv(1024 * 1024):
            received += len(chunk)
            reads += 1
            if reads % 200 == 0:
                time.sleep(0.01)  # a slow reader: the router must pause the worker, not buffer
                peak = max(peak, router_rss(echo_platform))
    # chunk framing adds a few bytes per 64 KiB chunk
    assert BIG <= received < BIG + BIG // 1000
    assert peak - before < FLAT_LIMIT


def test_server_sent_events_arrive_as_they_are_sent(echo_platform: RunningPlatform, echo_session: str) -> None:
    with socket.create_connection(("127.0.0.1", echo_platform.port), timeout=10) as sock:
        sock.sendall(
            f"GET /echo/events?gap=0.5 HTTP/1.1\r\nHost: localhost\r\nCookie: ganger_session={echo_session}\r\n"
            "Accept: text/event-stream\r\nConnection: close\r\n\r\n".encode()
        )
        started = time.monotonic()
        head, rest = read_head(sock)
        data = rest
        while b"event 0" not in data:
            data += sock.recv(4096)
        first_event_after = time.monotonic() - started
        while chunk := sock.recv(4096):
            data += chunk
        total = time.monotonic() - started
    assert b"text/event-stream" in head
    assert b"event 2" in data
    assert first_event_after < total - 0.7  # the first event was not held back until the stream ended
