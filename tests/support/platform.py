"""Start the real platform (`ganger up`) in a temporary data dir, and talk to it over raw sockets."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningPlatform:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    output: list[str]
    pump: "threading.Thread | None" = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sign_in(self, email: str = "dev@gangerdermatology.com", *, admin: bool = False) -> str:
        """A session cookie from dev sign-in, as a script would get one."""
        form = f"email={email}" + ("&admin=1" if admin else "")
        response = self.request("POST", "/auth/dev-login", body=form.encode(),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status == 303, response
        cookie = response.header("set-cookie") or ""
        return cookie.split(";", 1)[0].partition("=")[2]

    def request(self, method: str, target: str, *, host: str = "localhost", headers: dict[str, str] | None = None,
                body: bytes = b"", timeout: float = 10.0, session: str | None = None) -> Response:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{self.port}", "Connection: close"]
        if session:
            lines.append(f"Cookie: ganger_session={session}")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body:
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        return raw_exchange(self.port, raw, timeout=timeout)

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.pump is not None:
            self.pump.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    header_list: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def parse_response(data: bytes) -> Response:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    header_list = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        header_list.append((name.strip().lower(), value.strip()))
    headers = dict(header_list)
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return Response(status, headers, header_list, body)


def dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)


def read_until_close(sock: socket.socket) -> bytes:
    """Everything the peer sends until it closes (or resets); a socket.timeout means it left it open."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def raw_exchange(port: int, raw: bytes, timeout: float = 10.0) -> Response:
    """Send exact bytes, read until the server closes, parse one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        return parse_response(read_until_close(sock))


def start_platform(data_dir: Path, *, manifest: Path | None = None, env: dict[str, str] | None = None,
                   ready_timeout: float = 90.0) -> RunningPlatform:
    port = free_port()
    environment = dict(os.environ)
    environment.update(GANGER_PORT=str(port), GANGER_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    if manifest is not None:
        environment["GANGER_MANIFEST"] = str(manifest)
    environment.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "ganger.cli.main", "up"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    platform = RunningPlatform(process, port, data_dir, [])
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + ready_timeout
    buffer = b""
    while time.monotonic() < deadline:
        if not selector.select(timeout=0.5):
            if process.poll() is not None:
                break
            continue
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            break
        buffer += chunk
        if b"Platform ready" in buffer or b"not ready" in buffer:
            platform.output = buffer.decode(errors="replace").splitlines()
            _keep_reading(platform)
            return platform
    platform.stop()
    raise RuntimeError("platform did not become ready:\n" + buffer.decode(errors="replace"))


def _keep_reading(platform: RunningPlatform) -> None:
    """Drain the platform's output in the background so its pipe never fills and blocks it."""
    def pump() -> None:
        assert platform.process.stdout is not None
        for line in iter(platform.process.stdout.readline, b""):
            platform.output.append(line.decode(errors="replace").rstrip("\n"))

    platform.pump = threading.Thread(target=pump, daemon=True)
    platform.pump.start()


def replica_pids(platform: RunningPlatform, module: str = "ganger.router.server", worker: str | None = None) -> list[int]:
    """PIDs of the platform's child processes running `module` (optionally for one worker)."""
    import psutil

    found = []
    for child in psutil.Process(platform.process.pid).children(recursive=True):
        try:
            command = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if module in command and (worker is None or worker in command):
            found.append(child.pid)
    return found


def worker_pids(platform: RunningPlatform, worker: str) -> list[int]:
    """PIDs of `worker`'s ready replicas, from the runtime's own state (forked replicas share a command line)."""
    import asyncio

    from ganger.control import fetch_state

    state = asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock"))
    return [r.pid for r in state.workers[worker].replicas if r.pid and r.phase == "ready"]
