"""Run one ASGI app under uvicorn on a Unix socket and a loopback TCP port in the same process.

The proxies reach the worker over the Unix socket; wrk cannot, so the "direct" baseline goes to
the TCP port of the very same process (same app, same interpreter, same core).
"""

from __future__ import annotations

import argparse
import os
import socket

import uvicorn
from uvicorn.importer import import_from_string


def bind_sockets(uds: str, port: int) -> list[socket.socket]:
    """A Unix listener anyone on the machine may connect to (nginx's worker runs as nobody) and a TCP one."""
    if os.path.exists(uds):
        os.unlink(uds)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(uds)
    os.chmod(uds, 0o666)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", port))
    return [unix, tcp]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.serve")
    parser.add_argument("--app", default="bench.apps:app")
    parser.add_argument("--uds", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        import_from_string(args.app),
        loop="uvloop",
        http="httptools",
        ws="none",
        lifespan="auto",
        access_log=False,
        log_level="warning",
        server_header=False,
        timeout_keep_alive=75,
        backlog=2048,
    )
    uvicorn.Server(config).run(sockets=bind_sockets(args.uds, args.port))


if __name__ == "__main__":
    main()
