"""The zygote: a parent that has imported the shared base once and forks worker replicas from it.

Starting a replica then costs a fork plus the app's own imports, not an interpreter and a
framework. The zygote is deliberately plain: no event loop, no threads (both are unsafe to
fork). It talks to the supervisor over one Unix socket, a JSON object per line:

    in   {"op": "spawn", "id": 7, "worker": "...", "socket": "...", "release": null}
    out  {"event": "spawned", "id": 7, "pid": 1234}
         {"event": "ready", "id": 7}
         {"event": "exit", "id": 7, "code": 0}       (negative: killed by that signal)
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import signal
import socket
import sys

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Zygote:
    def __init__(self, channel: socket.socket) -> None:
        self.channel = channel
        self.selector = selectors.DefaultSelector()
        self.children: dict[int, int] = {}  # pid → spawn id
        self.ready_pipes: dict[int, int] = {}  # read fd → spawn id
        self.buffer = b""
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        os.set_blocking(wake_read, False)
        self.wake_read = wake_read
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when we stop
        self.selector.register(channel, selectors.EVENT_READ, "channel")
        self.selector.register(wake_read, selectors.EVENT_READ, "signal")

    def send(self, message: dict[str, object]) -> None:
        self.channel.sendall(json.dumps(message).encode() + b"\n")

    def serve(self) -> None:
        self.send({"event": "started", "pid": os.getpid()})
        while True:
            for key, _ in self.selector.select():
                if key.data == "channel":
                    data = self.channel.recv(65536)
                    if not data:
                        return  # the supervisor is gone
                    self.buffer += data
                    while b"\n" in self.buffer:
                        line, self.buffer = self.buffer.split(b"\n", 1)
                        self.handle(json.loads(line))
                elif key.data == "signal":
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wake_read, 4096)
                    self.reap()
                else:
                    self.ready_line(key.fd, key.data)

    def handle(self, message: dict[str, object]) -> None:
        if message.get("op") == "spawn":
            self.spawn(int(message["id"]), str(message["worker"]), str(message["socket"]),  # type: ignore[arg-type]
                       message.get("release"))  # type: ignore[arg-type]

    def spawn(self, spawn_id: int, worker: str, socket_path: str, release: str | None) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            self.become_replica(worker, socket_path, write_fd, release, read_fd)
        os.close(write_fd)
        self.children[pid] = spawn_id
        self.ready_pipes[read_fd] = spawn_id
        self.selector.register(read_fd, selectors.EVENT_READ, spawn_id)
        self.send({"event": "spawned", "id": spawn_id, "pid": pid})

    def become_replica(self, worker: str, socket_path: str, ready_fd: int, release: str | None, read_fd: int) -> None:
        code = 1
        try:
            os.close(read_fd)
            self.selector.close()
            self.channel.close()
            signal.set_wakeup_fd(-1)
            for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
                signal.signal(number, signal.SIG_DFL)
            os.setpgid(0, 0)
            _die_with_parent()
            from .replica import serve_replica

            serve_replica(worker, socket_path, ready_fd, release)
            code = 0
        except BaseException:  # noqa: BLE001 - a forked child must never return into the zygote's loop
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def ready_line(self, fd: int, spawn_id: int) -> None:
        data = b""
        with contextlib.suppress(OSError):
            data = os.read(fd, 64)
        if data.startswith(b"ready"):
            self.send({"event": "ready", "id": spawn_id})
        self.selector.unregister(fd)
        os.close(fd)
        self.ready_pipes.pop(fd, None)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            spawn_id = self.children.pop(pid, None)
            if spawn_id is not None:
                self.send({"event": "exit", "id": spawn_id, "code": os.waitstatus_to_exitcode(status)})


def main() -> None:
    channel = socket.socket(fileno=int(sys.argv[1]))
    _die_with_parent()
    from .replica import preload

    preload()
    Zygote(channel).serve()


if __name__ == "__main__":
    main()
