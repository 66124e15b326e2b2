"""A worker for router tests: tells exactly what it received, streams, pushes events, echoes WebSockets.

Raw ASGI (no worker template), so nothing between the router and these answers can hide a bug.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from urllib.parse import parse_qs


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await _websocket(scope, receive, send)
        return
    action = scope["path"].rstrip("/").rpartition("/")[2]
    query = parse_qs(scope["query_string"].decode())
    handler = _HANDLERS.get(action, _echo)
    await handler(scope, receive, send, query)


async def _read_body(receive) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    size = 0
    digest = hashlib.sha256()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        digest.update(chunk)
        if not message.get("more_body"):
            break
    return size, digest.hexdigest()


async def _json(send, document, status=200):  # type: ignore[no-untyped-def]
    body = json.dumps(document).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _echo(scope, receive, send, query):  # type: ignore[no-untyped-def]
    size, digest = await _read_body(receive)
    await _json(send, {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "query": scope["query_string"].decode("latin-1"),
        "root_path": scope.get("root_path", ""),
        "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in scope["headers"]],
        "bytes": size,
        "sha256": digest,
        "pid": os.getpid(),
    })


async def _download(scope, receive, send, query):  # type: ignore[no-untyped-def]
    megabytes = int(query.get("mb", ["1"])[0])
    chunk = b"x" * 65536
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/octet-stream")]})
    for _ in range(megabytes * 16):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _events(scope, receive, send, query):  # type: ignore[no-untyped-def]
    gap = float(query.get("gap", ["0.3"])[0])
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
    for number in range(3):
        await send({"type": "http.response.body", "body": f"data: event {number}\n\n".encode(), "more_body": True})
        await asyncio.sleep(gap)
    await send({"type": "http.response.body", "body": b""})


async def _slow(scope, receive, send, query):  # type: ignore[no-untyped-def]
    await _read_body(receive)
    await asyncio.sleep(float(query.get("s", ["1"])[0]))
    await _json(send, {"slept": True, "pid": os.getpid()})


async def _crash(scope, receive, send, query):  # type: ignore[no-untyped-def]
    await _read_body(receive)
    os._exit(3)


async def _websocket(scope, receive, send):  # type: ignore[no-untyped-def]
    message = await receive()
    assert message["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": "echo: " + (message.get("text") or "")})


async def _dies_mid_response(scope, receive, send, query):  # type: ignore[no-untyped-def]
    """Promises a body, sends part of it, and dies: `?framing=chunked` leaves the length out."""
    await _read_body(receive)
    headers = [(b"content-type", b"application/octet-stream")]
    if query.get("framing", ["length"])[0] == "length":
        headers.append((b"content-length", b"100000"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"x" * 1000, "more_body": True})
    await asyncio.sleep(0.1)
    os._exit(3)


_HANDLERS = {"download": _download, "events": _events, "slow": _slow, "crash": _crash,
             "dies-mid-response": _dies_mid_response}
