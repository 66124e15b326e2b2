"""A worker on the real SDK with a route that fails, to see what its log lines carry."""

import os

from ganger.sdk import JSONResponse, Request, Response, Route, WorkerApp


async def boom(request: Request) -> Response:
    raise RuntimeError("the handler failed")


async def fine(request: Request) -> Response:
    return JSONResponse({"ok": True})


app = WorkerApp(os.environ.get("GANGER_WORKER", "trace-patient"), package=__name__,
                pages=[Route("/boom", boom), Route("/", fine)])
