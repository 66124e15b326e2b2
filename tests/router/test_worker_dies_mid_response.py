"""A worker that dies mid-response: the client sees an aborted response, never one that looks complete."""

from __future__ import annotations

import socket

import pytest

from tests.router.test_failures import wait_until_ready
from tests.support.platform import RunningPlatform, read_until_close


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_cut_response_never_looks_complete(echo_platform: RunningPlatform, echo_session: str, framing: str) -> None:
    with socket.create_connection(("127.0.0.1", echo_platform.port), timeout=10) as sock:
        sock.sendall(f"GET /echo/dies-mid-response?framing={framing} HTTP/1.1\r\nHost: localhost\r\n"
                     f"Cookie: ganger_session={echo_session}\r\n\r\n".encode())
        data = read_until_close(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    if framing == "length":
        assert b"content-length: 100000" in head.lower()
        assert len(body) < 100000  # short of what was promised: the client knows it was cut
    else:
        assert b"transfer-encoding: chunked" in head.lower()
        assert not body.endswith(b"0\r\n\r\n")  # no last chunk: the client knows it was cut
    wait_until_ready(echo_platform, "echo-staff", replicas=2)
