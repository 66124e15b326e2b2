"""`ganger health`: the seed's platform-health test, run against the router the way users meet it.

Every staff application: its page without a session redirects to sign-in (302), its API without a
session answers 401, its page with a (dev) session answers 200 with the staff security headers.
Every patient application: its page answers 200 with the patient headers. And the router's
`/health` says every worker is ready. One check per line; healthy only when all pass.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from ..manifest import Manifest, Worker

STAFF_HEADERS = ("x-frame-options", "x-content-type-options", "referrer-policy", "permissions-policy",
                 "strict-transport-security")
PATIENT_HEADERS = ("x-content-type-options", "referrer-policy")
CHECK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    worker: str
    name: str  # what was checked, e.g. "page signed out"
    target: str  # host + path
    expected: str
    got: str
    ok: bool
    ms: float


@dataclass
class HealthReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def _get(host: str, port: int, method: str, target: str, host_header: str, headers: dict[str, str],
               body: bytes = b"") -> _Answer:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host_header}", "Connection: close", "User-Agent: ganger-health"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            data = await reader.read()
        finally:
            writer.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    status = int(head_lines[0].split(" ", 2)[1]) if head_lines and head_lines[0].startswith("HTTP/") else 0
    parsed = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return _Answer(status, parsed, rest)


class _Checker:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.report = HealthReport()
        self.authority = f"localhost:{port}"

    async def check(self, worker: str, name: str, host_header: str, target: str, expected: str,
                    judge: Callable[[_Answer], str | None], headers: dict[str, str] | None = None) -> _Answer | None:
        began = time.perf_counter()
        answer: _Answer | None = None
        try:
            answer = await _get(self.host, self.port, "GET", target, host_header, headers or {})
            problem = judge(answer)
            got = f"{answer.status}" + (f" ({problem})" if problem else "")
        except (OSError, TimeoutError, ValueError, IndexError) as exc:
            problem, got = "no answer", f"no answer: {type(exc).__name__}"
        self.report.checks.append(Check(worker, name, f"{host_header.split(':')[0]}{target}", expected, got,
                                        problem is None, round((time.perf_counter() - began) * 1000, 1)))
        return answer


def _status(*wanted: int, location: str | None = None,
            headers: tuple[str, ...] = ()) -> Callable[[_Answer], str | None]:
    def judge(answer: _Answer) -> str | None:
        if answer.status not in wanted:
            return f"expected {'/'.join(map(str, wanted))}"
        if location is not None and location not in answer.headers.get("location", ""):
            return f"redirects to {answer.headers.get('location', 'nowhere')}"
        missing = [h for h in headers if h not in answer.headers]
        return f"missing {', '.join(missing)}" if missing else None
    return judge


async def _sign_in(host: str, port: int, email: str) -> str | None:
    form = f"email={email}&admin=1".encode()
    answer = await _get(host, port, "POST", "/auth/dev-login", f"localhost:{port}",
                        {"Content-Type": "application/x-www-form-urlencoded"}, form)
    cookie = answer.headers.get("set-cookie", "")
    return cookie.split(";", 1)[0] if answer.status in (302, 303) and cookie else None


async def check_platform(manifest: Manifest, host: str, port: int, *, email: str = "health@gangerdermatology.com",
                         workers: list[str] | None = None) -> HealthReport:
    """Run every check (in parallel, they are independent) and return the report in manifest order."""
    checker = _Checker(host, port)
    chosen = [w for w in manifest.workers if not w.upstream and (workers is None or w.name in workers)]
    await checker.check("router", "health", checker.authority, "/health", "200, healthy",
                        _router_healthy)
    try:
        cookie = await _sign_in(host, port, email)
    except (OSError, TimeoutError, ValueError, IndexError):
        cookie = None
    checker.report.checks.append(Check("ganger-auth", "dev sign-in", "localhost/auth/dev-login", "303 + session",
                                       "session" if cookie else "refused", cookie is not None, 0.0))
    jobs = []
    for worker in chosen:
        jobs.append(_check_worker(checker, worker, cookie))
    await asyncio.gather(*jobs)
    order = {w.name: i for i, w in enumerate(manifest.workers)}
    checker.report.checks.sort(key=lambda c: order.get(c.worker, -1))
    return checker.report


def _router_healthy(answer: _Answer) -> str | None:
    if answer.status != 200:
        return "expected 200"
    try:
        document = msgspec.json.decode(answer.body)
    except msgspec.DecodeError:
        return "not JSON"
    if document.get("status") != "healthy":
        down = [n for n, w in document.get("workers", {}).items() if w.get("state") not in ("ready", "external", "idle")]
        return "degraded: " + ", ".join(down)
    return None


async def _check_worker(checker: _Checker, worker: Worker, cookie: str | None) -> None:
    if worker.is_staff:
        page = worker.prefix.rstrip("/") + "/"
        api = worker.prefix.rstrip("/") + "/api/"
        await checker.check(worker.name, "page signed out", checker.authority, page, "302 to sign-in",
                            _status(302, location="/auth/login"), {"Accept": "text/html"})
        await checker.check(worker.name, "API signed out", checker.authority, api, "401",
                            _status(401), {"Accept": "application/json"})
        if cookie is not None:
            await checker.check(worker.name, "page signed in", checker.authority, page, "200 + staff headers",
                                _status(200, headers=STAFF_HEADERS), {"Accept": "text/html", "Cookie": cookie})
    else:
        await checker.check(worker.name, "patient page", f"{worker.host}.localhost:{checker.port}", "/",
                            "200 + patient headers", _status(200, headers=PATIENT_HEADERS), {"Accept": "text/html"})
