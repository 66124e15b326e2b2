"""A straightforward aiohttp reverse proxy: aiohttp.web in front, a pooled ClientSession over a Unix socket.

This is the design the router did not take (a full HTTP framework on both sides, a coroutine per
request), written the way a careful aiohttp user would: keep-alive pool, no decompression, small
bodies answered in one piece, large ones streamed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import aiohttp
import uvloop
from aiohttp import web

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                        "upgrade", "proxy-authenticate", "proxy-authorization"})
SMALL_BODY = 64 * 1024


def build_app(uds: str) -> web.Application:
    sessions: dict[str, aiohttp.ClientSession] = {}

    async def open_session(app: web.Application) -> None:
        connector = aiohttp.UnixConnector(path=uds, limit=0, keepalive_timeout=30)
        sessions["upstream"] = aiohttp.ClientSession(connector=connector, auto_decompress=False)

    async def close_session(app: web.Application) -> None:
        await sessions["upstream"].close()

    async def proxy(request: web.Request) -> web.StreamResponse:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = request.content if request.body_exists else None
        async with sessions["upstream"].request(request.method, f"http://worker{request.rel_url}", headers=headers,
                                                data=body, allow_redirects=False) as upstream:
            out_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP]
            if upstream.content_length is not None and upstream.content_length <= SMALL_BODY:
                small = [(k, v) for k, v in out_headers if k.lower() != "content-length"]
                return web.Response(status=upstream.status, headers=small, body=await upstream.read())
            response = web.StreamResponse(status=upstream.status, headers=out_headers)
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)
    return app


async def serve(port: int, uds: str) -> None:
    runner = web.AppRunner(build_app(uds), access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=2048).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.candidates.aiohttp_proxy")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uds", required=True)
    args = parser.parse_args(argv)
    uvloop.run(serve(args.port, args.uds))


if __name__ == "__main__":
    main()
