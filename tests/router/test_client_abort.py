"""A client that gives up mid-upload leaves nothing behind: the worker sees the disconnect and commits nothing."""

from __future__ import annotations

import json
import socket
import time

from tests.support.platform import RunningPlatform


def test_client_aborting_mid_upload_commits_nothing(platform: RunningPlatform, staff_session: str) -> None:
    body = json.dumps({"name": "ABORTED-UPLOAD-SUPPLY", "sku": "ABORT-1", "unit": "box",
                       "location": "Front desk"}).encode()
    with socket.create_connection(("127.0.0.1", platform.port)) as sock:
        sock.sendall(
            b"POST /inventory/api/supplies HTTP/1.1\r\nHost: localhost\r\nCookie: ganger_session=%s\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (staff_session.encode(), len(body) + 500)
        )
        sock.sendall(body)  # the rest never comes
        time.sleep(0.3)
    time.sleep(0.5)
    listed = platform.request("GET", "/inventory/api/supplies?q=ABORTED", session=staff_session)
    assert listed.status == 200
    assert b"ABORTED-UPLOAD-SUPPLY" not in listed.body
    # The worker is unharmed: the same supply, sent whole, is created.
    created = platform.request("POST", "/inventory/api/supplies", session=staff_session, body=body,
                               headers={"Content-Type": "application/json"})
    assert created.status == 201, created.body
    relisted = platform.request("GET", "/inventory/api/supplies?q=ABORTED", session=staff_session)
    assert b"ABORTED-UPLOAD-SUPPLY" in relisted.body  # the listing would have shown an aborted write
