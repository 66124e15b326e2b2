"""Handing the listening socket to the next router process, so a redeploy never closes the accept queue.

With SO_REUSEPORT every router process has its own listening socket and queue; a new process
binding the port gets a new queue, and closing the old one resets what the kernel had queued on
it — including handshakes still in progress, which no accept loop can rescue (Linux ≥ 5.14 can
migrate them with `net.ipv4.tcp_migrate_req=1`, a host-wide setting we do not rely on). So each
router offers its listening socket on a private Unix socket (`run/router.<pid>.handoff`, 0600 in a
0700 folder); a router started to replace it (`GANGER_ROUTER_TAKEOVER=<that path>`) receives the
same socket (SCM_RIGHTS), starts accepting, and the old one then only closes its own descriptor:
one queue throughout, nothing reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from pathlib import Path

TAKEOVER_ENV = "GANGER_ROUTER_TAKEOVER"


def handoff_path(run_dir: Path, pid: int) -> Path:
    return run_dir / f"router.{pid}.handoff"


def inherit(path: str, timeout: float = 5.0) -> socket.socket | None:
    """The listening socket offered at `path`, or None (then the caller binds its own)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(timeout)
            client.connect(path)
            _, fds, _, _ = socket.recv_fds(client, 16, 1)
    except OSError:
        return None
    if not fds:
        return None
    sock = socket.socket(fileno=fds[0])
    sock.setblocking(False)
    return sock


class Offer:
    """Offers `listener` to whichever process connects at `path`; `handed` once one took it."""

    def __init__(self, listener: socket.socket, path: Path) -> None:
        self.listener = listener
        self.path = path
        self.handed = False

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(str(self.path))
            os.chmod(self.path, 0o600)
            server.listen(1)
            server.setblocking(False)
            while True:
                connection, _ = await loop.sock_accept(server)
                with connection:
                    connection.setblocking(True)
                    connection.settimeout(2.0)
                    with contextlib.suppress(OSError):
                        socket.send_fds(connection, [b"L"], [self.listener.fileno()])
                        self.handed = True
        finally:
            server.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
