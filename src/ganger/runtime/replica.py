"""One worker replica: import the app, serve it on its Unix socket, say when it is ready.

Runs either as its own program (`python -m ganger.runtime.replica`, the exec launcher) or inside
a child forked by the zygote, which has already imported the shared base (`serve_replica`).
Readiness is a line on an inherited pipe, written once the socket accepts connections.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import resource
import sys

import uvicorn

from ..logs import JsonFormatter, configure
from ..manifest import load_manifest
from ..settings import from_environment


def cap_memory(budget_mb: int) -> None:
    """Let this replica grow by at most `budget_mb` from here; beyond, allocations fail.

    The hard cap that keeps one runaway handler from taking the machine down; the runtime
    replaces a replica that hits it (or whose memory passes its budget) before that happens."""
    with open("/proc/self/status") as status:
        data_kb = next(int(line.split()[1]) for line in status if line.startswith("VmData:"))
    limit = data_kb * 1024 + budget_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


class _ReadyServer(uvicorn.Server):
    ready_fd: int | None = None

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets)
        if self.started and self.ready_fd is not None:
            os.write(self.ready_fd, b"ready\n")
            os.close(self.ready_fd)
            self.ready_fd = None


def _configure_logging() -> None:
    configure()
    uvicorn_log = logging.getLogger("uvicorn")
    if not uvicorn_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        uvicorn_log.addHandler(handler)
    uvicorn_log.setLevel(logging.WARNING)
    uvicorn_log.propagate = False


def serve_replica(worker_name: str, socket_path: str | None, ready_fd: int | None, release: str | None = None,
                  port: int | None = None) -> None:
    """Import `worker_name`'s app (from `release` if given) and serve it until told to stop.

    On one machine a replica listens on its Unix socket; in a container (Kubernetes) on `port`."""
    _configure_logging()
    settings = from_environment()
    manifest = load_manifest(settings.manifest_path, check_modules=False)
    worker = manifest.worker(worker_name)
    for root in (str(manifest.path.parent), release):
        if root and root not in sys.path:
            sys.path.insert(0, root)
    os.environ["GANGER_WORKER"] = worker.name
    module_name, _, attribute = worker.entry.partition(":")
    app = getattr(importlib.import_module(module_name), attribute)
    cap_memory(worker.budgets.memory_mb)
    config = uvicorn.Config(
        app,
        uds=socket_path,
        host="0.0.0.0" if port else "127.0.0.1",  # noqa: S104 - in a pod, the Service reaches the port
        port=port or 8000,
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
    server.ready_fd = ready_fd
    server.run()


def preload() -> None:
    """The shared base every worker has: imported once by the zygote, inherited by every fork."""
    import jinja2  # noqa: F401
    import starlette.applications  # noqa: F401
    import uvicorn.lifespan.on  # noqa: F401
    import uvicorn.loops.uvloop  # noqa: F401
    import uvicorn.protocols.http.httptools_impl  # noqa: F401

    import ganger.sdk  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ganger-replica")
    parser.add_argument("--worker", required=True)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--socket", help="serve on this Unix socket (one machine)")
    where.add_argument("--port", type=int, help="serve on this TCP port on every interface (a container)")
    parser.add_argument("--release", default=None)
    parser.add_argument("--ready-fd", type=int, default=None)
    args = parser.parse_args(argv)
    serve_replica(args.worker, args.socket, args.ready_fd, args.release, args.port)


if __name__ == "__main__":
    main()
