"""Entry point of one worker replica process: import the app, serve it on its Unix socket.

Readiness is reported by writing a line to an inherited pipe once the socket accepts
connections, so the supervisor never has to poll.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

import uvicorn

from ..logs import JsonFormatter, configure
from ..manifest import load_manifest
from ..settings import from_environment


class _ReadyServer(uvicorn.Server):
    ready_fd: int | None = None

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets)
        if self.started and self.ready_fd is not None:
            os.write(self.ready_fd, b"ready\n")
            os.close(self.ready_fd)
            self.ready_fd = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ganger-replica")
    parser.add_argument("--worker", required=True)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--ready-fd", type=int, default=None)
    args = parser.parse_args(argv)

    configure()
    uvicorn_log = logging.getLogger("uvicorn")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    uvicorn_log.addHandler(handler)
    uvicorn_log.setLevel(logging.WARNING)
    uvicorn_log.propagate = False

    settings = from_environment()
    manifest = load_manifest(settings.manifest_path, check_modules=False)
    worker = manifest.worker(args.worker)
    root = str(manifest.path.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ["GANGER_WORKER"] = worker.name
    module_name, _, attribute = worker.entry.partition(":")
    app = getattr(importlib.import_module(module_name), attribute)

    config = uvicorn.Config(
        app,
        uds=args.socket,
        loop="uvloop",
        http="httptools",
        ws="wsproto" if worker.websocket else "none",  # only workers that serve WebSockets pay for it
        lifespan="auto",
        server_header=False,
        date_header=True,
        access_log=False,
        log_config=None,
        timeout_keep_alive=75,  # longer than the router's pool keeps idle connections
        timeout_graceful_shutdown=10,
    )
    server = _ReadyServer(config)
    server.ready_fd = args.ready_fd
    server.run()


if __name__ == "__main__":
    main()
