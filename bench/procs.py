"""Start the processes under test pinned to a core, watch their CPU and memory, and always stop them.

Every child gets PR_SET_PDEATHSIG, so even a bench killed with SIGKILL leaves no nginx, router or
worker behind; the normal path stops them with SIGTERM (then SIGKILL) from `Launched.stop`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

_PR_SET_PDEATHSIG = 1


RUNNING: list[Launched] = []


def die_with_parent() -> None:
    """preexec_fn: the kernel sends SIGTERM to the child when the bench goes away, however it ends."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class Pinning:
    """Which core runs the proxy under test and which runs the load generator and the worker."""

    proxy: int | None
    load: int | None

    @classmethod
    def detect(cls) -> Pinning:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            return cls(None, None)
        return cls(proxy=cores[-1], load=cores[0])

    def prefix(self, role: str | None) -> list[str]:
        """`taskset -c N` for a role ("proxy" or "load"), or nothing (no role, or no core to spare)."""
        core = self.proxy if role == "proxy" else self.load if role == "load" else None
        return ["taskset", "-c", str(core)] if core is not None else []

    def describe(self) -> str:
        if self.proxy is None:
            return "not pinned (fewer than 2 cores available)"
        return (f"the proxy under test on core {self.proxy}; wrk and the worker together on core {self.load} "
                f"(with `taskset -c`)")


@dataclass
class Launched:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self in RUNNING:
            RUNNING.remove(self)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch(name: str, argv: list[str], log_dir: Path, *, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> Launched:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   env=env, cwd=cwd, preexec_fn=die_with_parent)
    launched = Launched(name, process, log)
    RUNNING.append(launched)
    return launched


def stop_all() -> None:
    """Stop everything `launch` started, newest first (proxies before the worker they use)."""
    while RUNNING:
        RUNNING.pop().stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree(pid: int) -> list[psutil.Process]:
    """The process and its descendants (nginx's master and worker, granian's workers)."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def cpu_seconds(pids: list[int]) -> float:
    """utime+stime of each process tree, children's included (from /proc/<pid>/stat via psutil)."""
    total = 0.0
    for pid in pids:
        for process in tree(pid):
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system + times.children_user + times.children_system
    return total


def rss_bytes(pids: list[int]) -> int:
    """VmRSS summed over each process tree."""
    total = 0
    for pid in pids:
        for process in tree(pid):
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
    return total


@dataclass
class RssSampler:
    """Samples RSS of some process trees in a thread and keeps the maximum."""

    pids: list[int]
    interval: float = 0.02
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self.peak = rss_bytes(self.pids)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pids))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, rss_bytes(self.pids))
            except psutil.Error:
                pass


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")
