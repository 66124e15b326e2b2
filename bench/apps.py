"""The upstream every proxy is measured against: a hello-world ASGI app with no framework.

A framework would add its own cost to every row equally and hide the proxies' differences, so
the app answers from constants. `/upload` and `/download` exist for the streaming checks: they
move a body through the proxy without the app ever holding more than one chunk.
"""

from __future__ import annotations

from typing import Any

HELLO = b"Hello, world!"
CHUNK = b"x" * (1024 * 1024)
_HELLO_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(HELLO)).encode())],
}
_HELLO_BODY = {"type": "http.response.body", "body": HELLO}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI entry point (HTTP only; uvicorn runs it with lifespan off)."""
    path = scope["path"]
    if path == "/upload":
        await _upload(receive, send)
    elif path == "/download":
        await _download(scope, send)
    else:
        await send(_HELLO_START)
        await send(_HELLO_BODY)


async def _upload(receive: Any, send: Any) -> None:
    received = 0
    while True:
        message = await receive()
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = str(received).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _download(scope: dict[str, Any], send: Any) -> None:
    query = dict(part.split(b"=", 1) for part in scope["query_string"].split(b"&") if b"=" in part)
    chunks = int(query.get(b"mb", b"1"))
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/octet-stream"),
                            (b"content-length", str(chunks * len(CHUNK)).encode())]})
    for index in range(chunks):
        await send({"type": "http.response.body", "body": CHUNK, "more_body": index + 1 < chunks})
