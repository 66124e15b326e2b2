"""A worker on the real template whose handlers misbehave on purpose, for isolation tests."""

from __future__ import annotations

import asyncio
import os
import time

from ganger.sdk import JSONResponse, Request, Response, Route, WorkerApp


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True, "pid": os.getpid()})


async def spin(request: Request) -> Response:
    while True:  # a handler stuck in a CPU loop
        pass


async def work(request: Request) -> Response:
    """Burns `ms` of CPU, under the budget."""
    until = time.thread_time() + float(request.query_params.get("ms", "5")) / 1000
    while time.thread_time() < until:
        pass
    return JSONResponse({"ok": True, "pid": os.getpid()})


async def hog(request: Request) -> Response:
    chunks = []
    while True:  # a handler allocating without bound
        chunks.append(bytearray(4 * 1024 * 1024))


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("s", "1")))
    return JSONResponse({"ok": True, "pid": os.getpid()})


app = WorkerApp(
    os.environ.get("GANGER_WORKER", "fault"),
    package=__name__,
    api=[Route("/ok", ok), Route("/spin", spin), Route("/work", work), Route("/hog", hog), Route("/slow", slow)],
)
