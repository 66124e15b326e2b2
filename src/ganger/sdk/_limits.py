"""Each worker's budgets, enforced inside the worker: CPU time per request and memory.

CPU: every step of a request's coroutine runs under a profiling timer (ITIMER_PROF, which
counts CPU time, not waiting) armed with what is left of the request's budget. A handler that
spins past it is interrupted by SIGPROF, the request is answered 503, and the worker goes on
serving. Waiting on the database or the network costs no CPU, so it costs no budget.

Memory: a runaway allocation fails once the worker has grown by its budget (RLIMIT_DATA, set
when the replica starts); the request is answered 503 and the worker asks to be replaced.

Either way the answer carries `x-ganger-limit`, which the router counts and passes to the
runtime, which replaces a replica that hit its memory limit or keeps hitting its CPU limit.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Coroutine, Generator
from typing import Any

import msgspec
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ganger.worker")
LIMIT_HEADER = b"x-ganger-limit"
MEMORY_MESSAGE = "The worker exceeded its memory limit."


_MAIN_THREAD = threading.main_thread().ident


class CpuLimitExceeded(BaseException):
    """Raised inside a request whose handler used up its CPU budget.

    A BaseException, so that an app's `except Exception` cannot swallow it."""


class _Clock:
    """The one request step running right now (the event loop runs one at a time)."""

    running: _Metered | None = None


def _on_sigprof(signum: int, frame: object) -> None:
    metered = _Clock.running
    # A late signal from an earlier step must not hit the step running now: its timer is still armed.
    if metered is not None and not metered.exceeded and signal.getitimer(signal.ITIMER_PROF)[0] == 0:
        metered.exceeded = True
        raise CpuLimitExceeded


class _Metered:
    """Drives one request's coroutine step by step, charging each step's CPU to the request."""

    __slots__ = ("coroutine", "budget", "used", "exceeded")

    def __init__(self, coroutine: Coroutine[Any, Any, None], budget: float) -> None:
        self.coroutine = coroutine
        self.budget = budget
        self.used = 0.0
        self.exceeded = False

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine = self.coroutine
        value: Any = None
        error: BaseException | None = None
        while True:
            remaining = self.budget - self.used
            _Clock.running = self
            signal.setitimer(signal.ITIMER_PROF, max(remaining, 0.0005))
            try:
                yielded = coroutine.send(value) if error is None else coroutine.throw(error)
            except StopIteration:
                return
            finally:
                left, _ = signal.setitimer(signal.ITIMER_PROF, 0)
                _Clock.running = None
                self.used += max(remaining, 0.0005) - left if left else max(remaining, 0.0005)
            try:
                value, error = (yield yielded), None
            except BaseException as thrown:  # noqa: BLE001 - passed on to the request's coroutine
                value, error = None, thrown


def limit_response(message: str, kind: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of the 503 a worker gives when one of its limits stopped a request."""
    return _json(503, message, kind)


def _json(status: int, message: str, kind: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = msgspec.json.encode({"error": "Service Unavailable", "status": status, "message": message})
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"), (b"retry-after", b"1"),
            (LIMIT_HEADER, f"{kind}; pid={os.getpid()}".encode())], body


class RequestBudgets:
    """ASGI middleware: the CPU budget per request, and honest 503s when a limit is hit."""

    def __init__(self, app: ASGIApp, worker: str, cpu_ms: int) -> None:
        self.app = app
        self.worker = worker
        self.budget = cpu_ms / 1000
        signal.signal(signal.SIGPROF, _on_sigprof)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Signals are delivered to the main thread only: an app served from another thread (an
        # in-process test client) cannot be interrupted there, so it runs without the CPU timer.
        if scope["type"] != "http" or threading.get_ident() != _MAIN_THREAD:
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        metered = _Metered(self.app(scope, receive, tracked_send), self.budget)
        try:
            await metered
        except CpuLimitExceeded:
            route = getattr(scope.get("route"), "path", None)
            log.warning("cpu limit exceeded", extra={"fields": {
                "worker": self.worker, "route": route, "cpu_ms": round(metered.used * 1000, 1),
                "budget_ms": round(self.budget * 1000)}})
            await self._refuse(send, started, "The worker exceeded its CPU limit for one request.", "cpu")
        except MemoryError:
            log.error("memory limit exceeded", extra={"fields": {"worker": self.worker}})
            if not started:  # Starlette's error handler may have answered already (see WorkerApp)
                await self._refuse(send, started, MEMORY_MESSAGE, "memory")

    @staticmethod
    async def _refuse(send: Send, started: bool, message: str, kind: str) -> None:
        if started:
            raise RuntimeError("limit hit after the response started; closing the connection")
        headers, body = _json(503, message, kind)
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
