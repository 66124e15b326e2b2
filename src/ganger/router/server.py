"""The router process: listen, follow the runtime's state, serve, drain on SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import uvloop

from ..auth.config import auth_config
from ..control import subscribe
from ..logs import configure, event
from ..manifest import Manifest, load_manifest
from ..monitoring import RequestRecorder
from .handoff import TAKEOVER_ENV, Offer, handoff_path, inherit
from .observe import AccessLog, ControlLink, WarningRate
from ..settings import from_environment
from .proxy import ClientConnection
from .routing import RouteTable
from .targets import Targets
from .upstream import UpstreamPool

log = logging.getLogger("ganger.router")

DRAIN_SECONDS = 10.0
FRESH_GRACE_SECONDS = 0.25
CANARY_REPORT_SECONDS = 1.0


class RouterContext:
    """Everything the data path shares: built once at start, read on every request."""

    def __init__(self, manifest: Manifest, environment: str, data_dir: Path, control_socket: Path | None = None) -> None:
        self.manifest = manifest
        self.control_socket = control_socket or data_dir / "run" / "control.sock"
        self.recorder = RequestRecorder(os.getpid())
        self.link = ControlLink(self.recorder, self.control_socket)
        self.hold_seconds = manifest.runtime.hold_request_s
        self.access_log = AccessLog()
        self.warnings = WarningRate()
        token = os.environ.get("GANGER_METRICS_TOKEN", "")
        self.metrics_token = token.encode() if token else None
        self.route_labels = {w.name: w.prefix if w.is_staff else f"{w.host}.*" for w in manifest.units}
        auth = auth_config(manifest, environment, data_dir)
        self.sessions = auth.sessions
        self.secret = auth.secret
        self.environment = environment
        self.table = RouteTable(manifest)
        self.targets = Targets(manifest)
        self.pool = UpstreamPool(manifest.router.upstream_connect_timeout_s)
        self.router_name = manifest.router.name.encode()
        self.descriptions = {w.name: w.description.encode("ascii", "replace") for w in manifest.units}
        self.connections: set[ClientConnection] = set()
        self.started = time.monotonic()
        self.draining = False
        self._drained: asyncio.Event | None = None

    def connection_closed(self) -> None:
        if self.draining and not self.connections and self._drained is not None:
            self._drained.set()

    async def drain(self, timeout: float) -> None:
        """Stop keep-alive, close idle connections, let in-flight exchanges finish, then cut the rest."""
        self.draining = True
        self._drained = asyncio.Event()
        # A connection accepted a moment ago looks idle while its first request is still on the way;
        # closing it then would reset the client. A short grace serves those (with Connection: close).
        await asyncio.sleep(FRESH_GRACE_SECONDS)
        for connection in list(self.connections):
            if connection.idle:
                connection.close()
        if self.connections:
            try:
                await asyncio.wait_for(self._drained.wait(), timeout)
            except TimeoutError:
                for connection in list(self.connections):
                    connection.abort()
        self.pool.close_all()
        self.access_log.flush()


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def adopt_backlog(listener: socket.socket, kept: socket.socket,
                        factory: Callable[[], asyncio.Protocol]) -> None:
    """Serve the connections already queued on the listening socket we stop listening on, then close it.

    With SO_REUSEPORT each router process has its own accept queue, and closing it resets whatever
    the kernel queued there. `kept` (a dup taken before the server closed its own descriptor) keeps
    the queue alive until the server's descriptor is gone; then the last accept and the close are
    one synchronous step, microseconds apart. During a router redeploy the new process is already
    listening on the port, so new connections go there."""
    loop = asyncio.get_running_loop()
    for _ in range(200):
        if listener.fileno() == -1:
            break
        await asyncio.sleep(0.001)
    adopted: list[socket.socket] = []
    while True:
        try:
            connection, _ = kept.accept()
        except OSError:  # BlockingIOError: the queue is empty
            break
        adopted.append(connection)
    kept.close()
    for connection in adopted:
        with contextlib.suppress(OSError):
            await loop.connect_accepted_socket(factory, connection)


async def report_canaries(ctx: RouterContext) -> None:
    """Each canaried worker's answers per generation, every second, for the supervisor to compare.

    Nothing is sent (and no connection kept) unless a canary is running."""
    writer: asyncio.StreamWriter | None = None
    while True:
        await asyncio.sleep(CANARY_REPORT_SECONDS)
        tallies = ctx.targets.take_tallies()
        if not tallies:
            continue
        try:
            if writer is None or writer.is_closing():
                _, writer = await asyncio.open_unix_connection(str(ctx.control_socket))
            writer.write(msgspec.json.encode({"op": "canary-report", "pid": os.getpid(), "workers": tallies}) + b"\n")
            await writer.drain()
        except OSError:
            writer = None


async def follow_runtime(ctx: RouterContext, control_socket: Path) -> None:
    """Keep the router's replica table in step with the supervisor, reconnecting if it restarts."""
    while True:
        try:
            async for state in subscribe(control_socket):
                for address in ctx.targets.update(state):
                    ctx.pool.drop_address(address)
                ctx.targets.release_waiters()
        except (OSError, ValueError):
            pass
        await asyncio.sleep(0.2)


async def serve(manifest: Manifest, host: str, port: int, control_socket: Path | None, environment: str,
                data_dir: Path, ready_fd: int | None = None, reuse_port: bool = True) -> None:
    configure()
    loop = asyncio.get_running_loop()
    ctx = RouterContext(manifest, environment, data_dir, control_socket)
    follower = loop.create_task(follow_runtime(ctx, control_socket)) if control_socket else None
    reporter = loop.create_task(ctx.link.run())
    canaries = loop.create_task(report_canaries(ctx)) if control_socket else None
    takeover = os.environ.pop(TAKEOVER_ENV, "")
    inherited = inherit(takeover) if takeover else None
    sock = inherited or listening_socket(host, port, reuse_port=reuse_port)
    server = await loop.create_server(lambda: ClientConnection(ctx), sock=sock, backlog=2048)
    offer = Offer(sock, handoff_path(control_socket.parent, os.getpid())) if control_socket else None
    offering = loop.create_task(offer.run()) if offer else None
    stop = asyncio.Event()
    for signame in ("SIGTERM", "SIGINT"):
        loop.add_signal_handler(getattr(signal, signame), stop.set)
    event(log, logging.INFO, "router listening", host=host, port=port, pid=os.getpid(), routes=ctx.table.total_routes,
          socket="taken over" if inherited else "bound")
    if ready_fd is not None:
        os.write(ready_fd, b"ready\n")
        os.close(ready_fd)
    await stop.wait()
    # Shutdown order: stop accepting (the next router holds the same socket, or else we serve what
    # the kernel already queued for us), let in-flight requests finish, close the rest.
    if offering is not None:
        offering.cancel()
    if offer is not None and offer.handed:
        server.close()
    else:
        kept = sock.dup()
        server.close()
        await adopt_backlog(sock, kept, lambda: ClientConnection(ctx))
    await ctx.drain(DRAIN_SECONDS)
    reporter.cancel()
    if canaries is not None:
        canaries.cancel()
    if follower is not None:
        follower.cancel()
    event(log, logging.INFO, "router stopped", pid=os.getpid())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ganger-router", description="Run one router process.")
    parser.add_argument("--ready-fd", type=int, default=None)
    args = parser.parse_args(argv)
    settings = from_environment()
    manifest = load_manifest(settings.manifest_path, check_modules=False)
    environment = settings.environment or manifest.platform.environment
    uvloop.run(serve(manifest, settings.host, settings.port, settings.control_socket, environment,
                     settings.data_dir, args.ready_fd))


if __name__ == "__main__":
    sys.exit(main())
