"""The router's data path: one asyncio protocol per client connection, httptools on both sides.

A request flows: client bytes → httptools callbacks → `Exchange.start` (canonical path, route,
redirects, health) → a pooled `UpstreamConnection` gets a rebuilt request head and the body as
it arrives → the worker's response head is rewritten with the routing and timing headers →
body bytes are passed on as they come. No coroutine per request unless a new upstream
connection must be opened; flow control pauses whichever side is ahead.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
from collections import deque
from urllib.parse import quote
from typing import TYPE_CHECKING

import httptools

from ..errors import PathError
from ..identity import sign
from ..logs import event
from ..control import request as control_request
from ..sessions import REFRESH_SECONDS, cookie_value, without_cookie
from . import responses, strict
from .observe import trace_context
from .paths import canonical_path, split_target
from .routing import Match, host_name
from .targets import Target
from .upstream import UpstreamConnection

if TYPE_CHECKING:
    from .server import RouterContext

log = logging.getLogger("ganger.router")
audit = logging.getLogger("ganger.audit")

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"trailers", b"transfer-encoding",
     b"upgrade", b"proxy-authenticate", b"proxy-authorization"}
)
# The forwarded request's framing is the router's own: the worker is told the length the router parsed,
# so no header the client can drop (for example by naming it in Connection) makes them disagree.
REQUEST_REBUILT = HOP_BY_HOP | {b"content-length"}
# Headers only the router may set: a client sending them is ignored (in any case or with "_").
ROUTER_OWNED_PREFIXES = (b"x-ganger-", b"x-forwarded-", b"x-user-")
ROUTER_OWNED = frozenset({b"forwarded", b"x-real-ip", b"x-request-id", b"traceparent"})
RESPONSE_DROPPED = frozenset({b"server", b"x-powered-by", b"server-timing"})
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE", b"TRACE"})
MAX_PENDING_BODY = 256 * 1024


def _router_owned(name: bytes) -> bool:
    name = name.replace(b"_", b"-")
    return name in ROUTER_OWNED or name.startswith(ROUTER_OWNED_PREFIXES)


class Exchange:
    """One request and its response, from the first request byte to the last response byte."""

    __slots__ = (
        "client", "method", "url", "headers", "t_start", "t_sent", "router_ns", "keep_alive", "upgrade",
        "http11", "match", "target", "address", "upstream", "request_chunked", "request_complete",
        "pending", "pending_bytes", "body_sent", "response_started", "response_chunked", "response_done",
        "local", "retried", "head", "request_id", "connect_task", "path", "set_cookie", "status", "t_head",
        "recorded", "declared_length", "accept", "hold_timer", "sticky",
    )

    def __init__(self, client: ClientConnection) -> None:
        self.client = client
        self.method = b""
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.t_start = time.perf_counter_ns()
        self.t_sent = 0
        self.router_ns = 0
        self.keep_alive = True
        self.upgrade = False
        self.http11 = True
        self.match: Match | None = None
        self.target: Target | None = None
        self.address: str | None = None
        self.upstream: UpstreamConnection | None = None
        self.request_chunked = False
        self.request_complete = False
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self.body_sent = False
        self.response_started = False
        self.response_chunked = False
        self.response_done = False
        self.local = False
        self.retried = False
        self.head = b""
        self.request_id = ""
        self.connect_task: asyncio.Task[None] | None = None
        self.path = ""
        self.set_cookie = b""
        self.status = 0
        self.t_head = 0
        self.recorded = False
        self.accept: bytes | None = None
        self.hold_timer: asyncio.TimerHandle | None = None
        self.declared_length = 0
        self.sticky = b""  # what keeps a user on one generation during a canary: their email, else their address

    # -- request side --------------------------------------------------------------------------------
    def send_upstream(self, data: bytes) -> None:
        if self.local:
            return
        if self.upstream is not None:
            self.upstream.write(data)
            self.body_sent = True
        else:
            self.pending.append(data)
            self.pending_bytes += len(data)
            if self.pending_bytes > MAX_PENDING_BODY:
                self.client.pause_reading("pending")

    def on_request_body(self, body: bytes) -> None:
        if self.request_chunked:
            self.send_upstream(b"%x\r\n%b\r\n" % (len(body), body))
        else:
            self.send_upstream(body)

    def on_request_complete(self) -> None:
        self.request_complete = True
        if self.request_chunked:
            self.send_upstream(b"0\r\n\r\n")
        if self.response_done:
            self.client.finish(self)

    # -- response side (called by UpstreamConnection) ---------------------------------------------------
    def on_response_head(
        self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], keep_alive: bool, upgrade: bool
    ) -> None:
        ctx = self.client.ctx
        now = time.perf_counter_ns()
        self.status = status
        self.t_head = now
        if self.target is not None:
            self.target.succeeded()
        worker_ms = (now - self.t_sent) / 1e6
        router_ms = self.router_ns / 1e6
        total_ms = (now - self.t_start) / 1e6
        has_length = False
        upstream_timing = b""
        out = [b"HTTP/1.1 %d %s\r\n" % (status, reason or b"-")]
        for name, value in headers:
            lowered = name.lower()
            if lowered in HOP_BY_HOP or lowered in RESPONSE_DROPPED:
                if lowered == b"server-timing":
                    upstream_timing += b", " + value
                continue
            if lowered == b"content-length":
                has_length = True
            elif lowered == b"x-ganger-limit":  # between the worker and the runtime only
                if self.target is not None:
                    limit = value.decode("latin-1")
                    ctx.recorder.limit_hit(self.target.name, ctx.route_labels[self.target.name],
                                           limit.partition(";")[0])
                    ctx.link.limit_hit(self.target.name, limit)
                continue
            out.append(b"%s: %s\r\n" % (name, value))
        assert self.match is not None
        bodyless = self.method == b"HEAD" or status < 200 or status in (204, 304)
        if upgrade:
            upgrade_to = next((v for n, v in headers if n.lower() == b"upgrade"), b"websocket")
            out.append(b"connection: upgrade\r\nupgrade: %s\r\n" % upgrade_to)
        elif not has_length and not bodyless:
            if self.http11:
                self.response_chunked = True
                out.append(b"transfer-encoding: chunked\r\n")
            else:
                self.keep_alive = False
        if not upgrade:
            out.append(b"connection: keep-alive\r\n" if self.keep_alive else b"connection: close\r\n")
        out.append(
            b"x-ganger-router-time: %.2fms\r\nx-ganger-route-target: %s\r\nx-request-id: %s\r\n"
            b"server-timing: router;dur=%.3f, worker;dur=%.3f, total;dur=%.3f%s\r\n\r\n"
            % (router_ms, ctx.descriptions[self.match.route.worker.name], self.request_id.encode(),
               router_ms, worker_ms, total_ms, upstream_timing)
        )
        if self.set_cookie:
            out.insert(-1, self.set_cookie)
        self.response_started = True
        self.client.write(b"".join(out))
        if upgrade:
            self.client.upgraded = True
        slow = ctx.manifest.router.slow_stage_ms
        if total_ms > slow:  # the seed's stages: route resolution, proxy request, total request
            for stage, ms in (("route resolution", router_ms), ("proxy request", worker_ms), ("total request", total_ms)):
                if ms > slow and (suppressed := ctx.warnings.allow(stage, self.match.route.worker.name)) is not None:
                    event(log, logging.WARNING, "slow stage", stage=stage, ms=round(ms, 2),
                          worker=self.match.route.worker.name, request_id=self.request_id, suppressed=suppressed)
        if total_ms > ctx.manifest.router.slow_request_ms:
            event(log, logging.WARNING, "performance threshold exceeded", routerTime=round(router_ms, 2),
                  workerTime=round(worker_ms, 2), totalTime=round(total_ms, 2),
                  worker=self.match.route.worker.name, request_id=self.request_id)

    def on_response_body(self, data: bytes) -> None:
        if self.response_chunked:
            self.client.write(b"%x\r\n%b\r\n" % (len(data), data))
        else:
            self.client.write(data)

    def on_response_complete(self) -> None:
        if self.response_chunked:
            self.client.write(b"0\r\n\r\n")
        self.response_done = True
        upstream, self.upstream = self.upstream, None
        self._release_target()
        if upstream is not None:
            if self.request_complete:
                self.client.ctx.pool.release(upstream)
            else:
                upstream.close()  # the worker answered before reading the whole body
        if self.request_complete:
            self.client.finish(self)
        else:
            self.keep_alive = False
            self.client.finish(self)

    def on_upstream_lost(self) -> None:
        upstream, self.upstream = self.upstream, None
        self._release_target()
        if self.client.upgraded:
            self.client.close()
            return
        if self.response_started:
            # The client must not mistake a cut-off response for a complete one.
            self.record()
            self.client.abort()
            return
        # Not retried: once the request was written the worker may have received it. (A pooled
        # connection the worker closed while idle is dropped from the pool when it closes, and the
        # pool gives up idle connections long before workers do, so this is not a stale-socket case.)
        if self.target is not None:
            self._failed()
        self.local_error(502, "The application closed the connection before answering.", retry_after=2)

    def on_upgraded_data(self, data: bytes) -> None:
        self.client.write(data)

    def cork_client(self) -> None:
        self.client.cork()

    def uncork_client(self) -> None:
        self.client.uncork()

    def pause_client(self) -> None:
        self.client.pause_reading("upstream")

    def resume_client(self) -> None:
        self.client.resume_reading("upstream")

    # -- dispatch ----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Decide what this request is for; answer it here or send it to a worker."""
        ctx = self.client.ctx
        try:
            raw_path, query, authority = split_target(self.url)
            self.path = canonical_path(raw_path)
        except PathError as exc:
            self.local_error(400, str(exc), as_json=True)
            return
        host_header = authority.encode("latin-1") if authority else None
        accept = None
        cookies = b""
        traceparent = None
        authorization = None
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == b"host" and host_header is None:
                host_header = value
            elif lowered == b"accept":
                accept = value
            elif lowered == b"cookie":
                cookies = value if not cookies else cookies + b"; " + value
            elif lowered == b"traceparent":
                traceparent = value
            elif lowered == b"authorization":
                authorization = value
        if self.path == "/health" and self.method in (b"GET", b"HEAD"):
            session = ctx.sessions.decode(cookie_value(cookies) or "") if cookies else None
            admin = session is not None and "admin" in session.user.roles
            document = responses.health_document(ctx.manifest, ctx.targets, ctx.environment, ctx.started, admin)
            self._local(responses.health(document, keep_alive=self.keep_alive, head_only=self.method == b"HEAD"))
            return
        host = host_name(host_header)
        if self.path == "/metrics" and self.method in (b"GET", b"HEAD") and host in ctx.table.staff_hosts:
            self._metrics(authorization, cookies)
            return
        match = ctx.table.resolve(host, self.path)
        if match is None:
            self.local_error(404, "No application is served at this address.", accept=accept)
            return
        self.match = match
        worker = match.route.worker
        if self.declared_length > strict.body_limit(worker.budgets.max_body_mb):
            self._refuse_body()
            return
        if match.bare_prefix and worker.redirect_bare_prefix and not self.upgrade:
            location = self.path + "/" + (("?" + query.decode("latin-1")) if query else "")
            self._local(responses.redirect(location, keep_alive=self.keep_alive))
            return
        identity: list[tuple[bytes, bytes]] = []
        if worker.auth_required:
            session = ctx.sessions.decode(cookie_value(cookies) or "") if cookies else None
            if session is None:
                self._sign_in_required(query, accept)
                return
            if worker.roles and not session.user.roles.intersection(worker.roles):
                event(audit, logging.WARNING, "role denied", email=session.user.email, worker=worker.name,
                      required=list(worker.roles))
                self.local_error(403, "Your account does not have the role this application requires.",
                                 accept=accept, worker=worker.name)
                return
            identity = sign(ctx.secret, session.user, self.method, self.path.encode("ascii"))
            self.sticky = session.user.email.encode()
            if time.time() - session.seen_at > REFRESH_SECONDS:
                fresh = ctx.sessions.encode(session.user, issued_at=session.issued_at)
                self.set_cookie = b"set-cookie: %s\r\n" % ctx.sessions.set_cookie(fresh).encode()
        self.target = ctx.targets.by_name[worker.name]
        random = os.urandom(24).hex()  # one call: our span id (also the request id) and a trace id if we start one
        self.request_id = random[:16]
        identity.append((b"traceparent", trace_context(traceparent, self.request_id, random[16:])))
        self.head = self._build_head(query, host_header or b"", match.matched_prefix, identity)
        self.router_ns = time.perf_counter_ns() - self.t_start
        self.dispatch(None, accept=accept)

    def dispatch(self, exclude: str | None, accept: bytes | None = None) -> None:
        assert self.target is not None and self.match is not None
        address = self.target.choose(exclude, self.sticky or self.client.peer) or (exclude if self.retried else None)
        worker = self.match.route.worker
        ctx = self.client.ctx
        if exclude is None and not self.retried and self.target.total_in_flight >= worker.budgets.concurrency:
            ctx.recorder.shed(worker.name, ctx.route_labels[worker.name])
            self.local_error(503, "The application is at its limit of requests in flight; try again in a moment.",
                             retry_after=1, accept=accept, worker=worker.name)
            return
        if not self.target.circuit_allows(time.monotonic()):
            self.local_error(503, "The application is failing; requests to it are paused for a few seconds.",
                             retry_after=max(1, round(self.target.open_until - time.monotonic())), accept=accept,
                             worker=worker.name)
            return
        if address is None and not self.target.static and self.target.phase != "stopped" and not self.retried:
            self._hold(accept)
            return
        if address is None:
            phase = self.target.phase
            message = (
                "The application is starting; no replica is ready yet."
                if phase in ("starting", "degraded")
                else "The application is not running at the moment."
            )
            self.local_error(503, message, retry_after=2, accept=accept, worker=self.target.name)
            return
        self.address = address
        self.target.acquire(address)
        self.client.ctx.recorder.started(self.target.name)
        connection = self.client.ctx.pool.take_idle(address)
        if connection is not None:
            self._attach(connection)
        else:
            self.connect_task = asyncio.get_running_loop().create_task(self._connect(address, accept))

    def _hold(self, accept: bytes | None) -> None:
        """No replica is ready (scaled to zero, or starting): wait a bounded time for one."""
        assert self.target is not None
        ctx = self.client.ctx
        self.accept = accept
        ctx.link.demand(self.target.name)
        self.target.hold(self._resume)
        self.hold_timer = asyncio.get_running_loop().call_later(ctx.hold_seconds, self._hold_expired)

    def _resume(self) -> None:
        if self.hold_timer is None:
            return  # already answered
        self.hold_timer.cancel()
        self.hold_timer = None
        if not self.client.closed:
            self.dispatch(None, self.accept)

    def _hold_expired(self) -> None:
        self.hold_timer = None
        if not self.client.closed:
            self.local_error(503, "The application is starting; it did not become ready in time.", retry_after=2,
                             accept=self.accept, worker=self.target.name if self.target else None)

    async def _connect(self, address: str, accept: bytes | None) -> None:
        try:
            connection = await self.client.ctx.pool.connect(address)
        except (OSError, TimeoutError):
            self.connect_task = None
            self._release_target()
            self._failed()
            if self.client.closed:
                return
            if self._may_retry() and self.target is not None and self.target.choose(exclude=address):
                self.retried = True
                self.dispatch(address, accept)
                return
            self.local_error(503, "The application is not answering at the moment.", retry_after=2,
                             accept=accept, worker=self.target.name if self.target else None)
            return
        self.connect_task = None
        if self.client.closed:
            self._release_target()
            self.client.ctx.pool.release(connection)
            return
        self._attach(connection)

    def _attach(self, connection: UpstreamConnection) -> None:
        self.upstream = connection
        connection.begin(self, head_only=self.method == b"HEAD")
        connection.write(self.head)
        if self.pending:
            connection.write(b"".join(self.pending))
            self.body_sent = True
            self.pending.clear()
            self.pending_bytes = 0
            self.client.resume_reading("pending")
        self.t_sent = time.perf_counter_ns()

    def awaiting_response_for(self) -> float:
        """Seconds the worker has had the whole request without answering (0: not waiting)."""
        if self.upstream is None or not self.request_complete or self.response_started or self.upgrade:
            return 0.0
        return (time.perf_counter_ns() - self.t_sent) / 1e9

    def upstream_timed_out(self) -> None:
        if self.response_started or self.upstream is None:
            return
        upstream, self.upstream = self.upstream, None
        upstream.close()  # detached first: its loss is this timeout, not a second failure
        self._release_target()
        self._failed()
        self.local_error(504, "The application did not answer in time.",
                         worker=self.target.name if self.target else None)

    def _failed(self) -> None:
        """A transport failure (refused, dropped, timed out): counts toward opening the circuit."""
        assert self.target is not None
        router = self.client.ctx.manifest.router
        if self.target.failed(time.monotonic(), router.circuit_failures, router.circuit_open_s):
            event(log, logging.WARNING, "circuit open", worker=self.target.name, failures=self.target.failures,
                  seconds=router.circuit_open_s)

    def _may_retry(self) -> bool:
        return not self.retried and not self.body_sent and self.method in IDEMPOTENT and not self.upgrade

    def _release_target(self) -> None:
        if self.target is not None and self.address is not None:
            self.target.release(self.address, self.status, self.t_start)
            self.client.ctx.recorder.ended(self.target.name)
            self.address = None

    def record(self) -> None:
        """Count this exchange and write its access line, once, when it ends."""
        if self.recorded or not self.status:
            return
        self.recorded = True
        ctx = self.client.ctx
        end = self.t_head or time.perf_counter_ns()
        total_ms = (end - self.t_start) / 1e6
        worker_ms = (end - self.t_sent) / 1e6 if self.t_sent else None
        router_ms = self.router_ns / 1e6 if self.router_ns else total_ms
        worker = self.match.route.worker if self.match else None
        route = ctx.route_labels[worker.name] if worker else None
        if worker is not None and route is not None:
            ctx.recorder.observe(worker.name, route, self.status, router_ms / 1e3, (worker_ms or 0.0) / 1e3,
                                 total_ms / 1e3)
        ctx.access_log.write(self.method, route, worker.name if worker else None, self.status, router_ms, worker_ms,
                             total_ms, self.request_id)

    def _metrics(self, authorization: bytes | None, cookies: bytes) -> None:
        """The platform's Prometheus text: for admins, or Prometheus with the configured bearer token."""
        ctx = self.client.ctx
        token = ctx.metrics_token
        allowed = bool(token and authorization and hmac.compare_digest(authorization, b"Bearer " + token))
        if not allowed:
            session = ctx.sessions.decode(cookie_value(cookies) or "") if cookies else None
            if session is None:
                self._local(responses.error(401, "Sign in as an admin, or send the metrics bearer token.",
                                            as_json=True, keep_alive=self.keep_alive))
                return
            if "admin" not in session.user.roles:
                self.local_error(403, "Metrics are for admins.", as_json=True)
                return
        self.local = True
        asyncio.get_running_loop().create_task(self._send_metrics())

    async def _send_metrics(self) -> None:
        try:
            reply = await control_request(self.client.ctx.control_socket, {"op": "metrics"})
            body = str(reply["text"]).encode()  # type: ignore[index]
        except (OSError, TimeoutError, KeyError, TypeError):
            self._local(responses.error(503, "The runtime is not answering; metrics are unavailable.", as_json=True,
                                        keep_alive=self.keep_alive, retry_after=2))
            return
        self._local(responses.metrics(body, keep_alive=self.keep_alive, head_only=self.method == b"HEAD"))

    def _refuse_body(self) -> None:
        """Too long to accept: answer before reading it and close, so the worker sees none of it."""
        self.keep_alive = False
        self.local_error(413, "The request body is larger than this application accepts.", as_json=True)
        self.client.close()

    def _sign_in_required(self, query: bytes, accept: bytes | None) -> None:
        """Signed out: browsers go to the sign-in page and come back; API callers get 401."""
        prefix = self.match.matched_prefix if self.match else ""
        if self.upgrade or self.method not in (b"GET", b"HEAD") or responses.wants_json(self.path, prefix, accept):
            self._local(responses.error(401, "Sign in required.", as_json=True, keep_alive=self.keep_alive,
                                        head_only=self.method == b"HEAD",
                                        extra_headers=b"www-authenticate: Session realm=\"ganger\"\r\n"))
            return
        target = self.path + ("?" + query.decode("latin-1") if query else "")
        self._local(responses.redirect("/auth/login?next=" + quote(target, safe="/"), keep_alive=self.keep_alive,
                                       status=302))

    def _build_head(self, query: bytes, host: bytes, prefix: str, identity: list[tuple[bytes, bytes]]) -> bytes:
        ctx = self.client.ctx
        worker = self.match.route.worker if self.match else None
        assert worker is not None
        target = self.path.encode("ascii") + (b"?" + query if query else b"")
        lines = [b"%s %s HTTP/1.1\r\n" % (self.method, target)]
        connection_named: set[bytes] = set()
        for name, value in self.headers:
            if name.lower() == b"connection":
                connection_named.update(t.strip().lower() for t in value.split(b","))
        for name, value in self.headers:
            lowered = name.lower()
            if lowered in REQUEST_REBUILT or lowered in connection_named or _router_owned(lowered):
                continue
            if lowered == b"cookie":
                value = without_cookie(value)
                if not value:
                    continue
            lines.append(b"%s: %s\r\n" % (name, value))
        for name, value in identity:
            lines.append(b"%s: %s\r\n" % (name, value))
        if self.request_chunked:
            lines.append(b"transfer-encoding: chunked\r\n")
        elif self.declared_length > 0:
            lines.append(b"content-length: %d\r\n" % self.declared_length)
        if self.upgrade:
            upgrade_to = next((v for n, v in self.headers if n.lower() == b"upgrade"), b"websocket")
            lines.append(b"connection: upgrade\r\nupgrade: %s\r\n" % upgrade_to)
        lines.append(
            b"x-ganger-router: %s\r\nx-ganger-route: %s\r\nx-ganger-target: %s\r\n"
            b"x-forwarded-for: %s\r\nx-forwarded-proto: http\r\nx-forwarded-host: %s\r\n"
            b"x-forwarded-prefix: %s\r\nx-request-id: %s\r\n\r\n"
            % (ctx.router_name, worker.prefix.encode(), worker.name.encode(), self.client.peer,
               host, prefix.encode("ascii"), self.request_id.encode())
        )
        return b"".join(lines)

    # -- answers the router gives itself --------------------------------------------------------------------
    def local_error(
        self,
        status: int,
        message: str,
        *,
        as_json: bool | None = None,
        retry_after: int | None = None,
        accept: bytes | None = None,
        worker: str | None = None,
    ) -> None:
        if as_json is None:
            prefix = self.match.matched_prefix if self.match else ""
            as_json = responses.wants_json(self.path, prefix, accept)
        if status >= 500:
            event(log, logging.WARNING, "worker unavailable", status=status, worker=worker, request_id=self.request_id)
        self._local(
            responses.error(status, message, as_json=as_json, keep_alive=self.keep_alive, retry_after=retry_after,
                            head_only=self.method == b"HEAD", worker=worker)
        )

    def _local(self, data: bytes) -> None:
        self.local = True
        self.status = int(data[9:12])  # every answer of ours starts "HTTP/1.1 NNN"
        self.t_head = time.perf_counter_ns()
        self.pending.clear()
        self.response_started = True
        self.response_done = True
        self.client.write(data)
        if self.request_complete:
            self.client.finish(self)


class ClientConnection(asyncio.Protocol):
    """One client's connection to the router: parses requests, runs them one at a time."""

    def __init__(self, ctx: RouterContext) -> None:
        self.ctx = ctx
        self.transport: asyncio.Transport | None = None
        self.limits = strict.limits(ctx.manifest)
        self.parser = strict.request_parser(self)
        self.peer = b"unknown"
        self.building: Exchange | None = None
        self.active: Exchange | None = None
        self.queue: deque[Exchange] = deque()
        self.closed = False
        self.upgraded = False
        self.upgrading = False
        self._paused_for: set[str] = set()
        self.idle_since = 0.0  # between requests on a kept-alive connection since then (0: not idle)
        self._corked = 0
        self._out: list[bytes] = []
        self._deadline: asyncio.TimerHandle | None = None  # see _watch
        self.head_started_at = 0.0  # a request head is awaited since then (0: none is)
        self.head_bytes = 0  # bytes of the request head so far; -1 while reading a body
        self.body_bytes = 0
        self.body_limit = self.limits.max_body
        self.body_seen_at = 0.0

    # -- asyncio callbacks ------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.peer = str(peer[0]).encode()
        elif peer:
            self.peer = b"unix"
        self.ctx.connections.add(self)
        self.idle_since = time.monotonic()
        self.head_started_at = time.monotonic()
        self._deadline = asyncio.get_running_loop().call_later(self.limits.watch_interval, self._watch)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.ctx.connections.discard(self)
        self.idle_since = 0.0
        self._cancel_deadline()
        for exchange in [self.active, *self.queue]:
            if exchange is None:
                continue
            if exchange.connect_task is not None:
                exchange.connect_task.cancel()
            if exchange.hold_timer is not None:
                exchange.hold_timer.cancel()
                exchange.hold_timer = None
            upstream, exchange.upstream = exchange.upstream, None
            if upstream is not None:
                upstream.close()  # the worker sees the client's disconnect
            exchange._release_target()
        self.active = None
        self.queue.clear()
        self.ctx.connection_closed()

    def data_received(self, data: bytes) -> None:
        self.idle_since = 0.0
        if not self.head_started_at and self.active is None and self.building is None:
            self.head_started_at = time.monotonic()  # even bare CRLFs, which begin no message, start the clock
        if self.upgraded or self.upgrading:
            if self.active is not None:
                self.active.send_upstream(data)
            return
        if self.head_bytes >= 0:
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self.upgrading = True
            rest = data[upgrade.args[0] :]
            if rest and self.active is not None:
                self.active.send_upstream(rest)
        except httptools.HttpParserError as exc:
            self._bad_request(exc)
        else:
            if self.head_bytes > self.limits.max_head:
                self._bad_request(strict.Refusal(431, "the request headers are too large"))

    def pause_writing(self) -> None:
        if self.active is not None and self.active.upstream is not None and self.active.upstream.transport:
            self.active.upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.active is not None and self.active.upstream is not None and self.active.upstream.transport:
            self.active.upstream.transport.resume_reading()

    # -- httptools callbacks ----------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.building = Exchange(self)
        self.head_started_at = time.monotonic()

    def on_url(self, url: bytes) -> None:
        assert self.building is not None
        self.building.url += url
        if len(self.building.url) > self.limits.max_request_line:
            raise strict.Refusal(414, "the request target is too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.building is not None
        self.building.headers.append((name, value))

    def on_headers_complete(self) -> None:
        exchange = self.building
        assert exchange is not None
        exchange.method = self.parser.get_method()
        exchange.keep_alive = self.parser.should_keep_alive() and not self.ctx.draining
        exchange.upgrade = self.parser.should_upgrade()
        version = self.parser.get_http_version()
        exchange.http11 = version == "1.1"
        length = strict.check_head(exchange.headers, version, self.limits.max_header)
        if length > self.limits.max_body:
            raise strict.Refusal(413, "the request body is larger than the router accepts")
        exchange.request_chunked = length == strict.CHUNKED
        exchange.declared_length = length
        self.head_bytes = -1
        self.body_bytes = 0
        self.head_started_at = 0.0
        self.body_seen_at = time.monotonic()
        if self.active is None:
            self.active = exchange
            exchange.start()
            if exchange.match is not None:
                self.body_limit = strict.body_limit(exchange.match.route.worker.budgets.max_body_mb)
        else:
            self.queue.append(exchange)
            self.pause_reading("pipeline")

    def on_body(self, body: bytes) -> None:
        if self.building is not None:
            self.body_bytes += len(body)
            if self.body_bytes > self.body_limit:
                raise strict.Refusal(413, "the request body is larger than this application accepts")
            self.body_seen_at = time.monotonic()
            self.building.on_request_body(body)

    def on_message_complete(self) -> None:
        exchange, self.building = self.building, None
        self.head_bytes = 0
        self.body_limit = self.limits.max_body
        if exchange is None:
            return
        if exchange is self.active:
            exchange.on_request_complete()
        else:  # pipelined: its turn comes when the active exchange finishes
            exchange.request_complete = True
            if exchange.request_chunked:
                exchange.send_upstream(b"0\r\n\r\n")

    # -- used by exchanges ----------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if self._corked:
            self._out.append(data)
        elif self.transport is not None and not self.closed:
            self.transport.write(data)

    def cork(self) -> None:
        """Hold writes until `uncork`: a worker's head and body read together leave in one send."""
        self._corked += 1

    def uncork(self) -> None:
        self._corked -= 1
        if not self._corked and self._out:
            data, self._out = b"".join(self._out), []
            if self.transport is not None and not self.closed:
                self.transport.write(data)

    def finish(self, exchange: Exchange) -> None:
        if exchange is not self.active:
            return
        exchange.record()
        self.active = None
        if not exchange.keep_alive or self.ctx.draining or self.upgraded or self.upgrading:
            self.close()
            return
        if self.queue:
            following = self.queue.popleft()
            if not self.queue:
                self.resume_reading("pipeline")
            self.active = following
            following.start()
            if following.request_complete and following.response_done:
                self.finish(following)
            return
        self.idle_since = time.monotonic()

    def close(self) -> None:
        if self._out and self.transport is not None and not self.closed:
            self.transport.write(b"".join(self._out))  # what was held back still goes before the close
        self._out = []
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        self._out = []
        if self.transport is not None:
            self.transport.abort()

    def pause_reading(self, reason: str) -> None:
        if not self._paused_for and self.transport is not None and not self.closed:
            self.transport.pause_reading()
        self._paused_for.add(reason)

    def resume_reading(self, reason: str) -> None:
        if reason in self._paused_for:
            self._paused_for.discard(reason)
            if not self._paused_for and self.transport is not None and not self.closed:
                self.transport.resume_reading()

    @property
    def idle(self) -> bool:
        return self.active is None and self.building is None

    # -- internals --------------------------------------------------------------------------------------------
    def _bad_request(self, exc: Exception) -> None:
        if self.active is not None and self.active.response_started:
            self.abort()
            return
        refusal = exc if isinstance(exc, strict.Refusal) else exc.__context__
        if isinstance(refusal, strict.Refusal):
            body = responses.error(refusal.status, f"The request was refused: {refusal}", as_json=True,
                                   keep_alive=False)
        else:
            body = responses.error(400, f"The request could not be parsed: {exc}", as_json=True, keep_alive=False)
        self.write(body)
        self.close()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _watch(self) -> None:
        """One lazy timer per connection enforces every deadline (none is set per request).

        A request head must arrive whole within header_timeout however it trickles in (slowloris);
        a body must not stall for body_idle_timeout, unless the router itself is holding it back;
        a kept-alive connection may idle for keep_alive_idle; a worker that has the whole request
        must start answering within upstream_timeout_s (504 otherwise).
        """
        self._deadline = None
        if self.closed:
            return
        now = time.monotonic()
        limits = self.limits
        wait = limits.watch_interval
        if self.head_started_at:
            wait = self.head_started_at + limits.header_timeout - now
            if wait <= 0:
                if self.building is None:
                    self.close()  # connected and silent
                else:
                    self._timed_out("the request headers did not arrive in time")
                return
        elif self.building is not None:
            if self._paused_for:
                self.body_seen_at = now
            wait = self.body_seen_at + limits.body_idle_timeout - now
            if wait <= 0:
                self._timed_out("the request body stopped arriving")
                return
        elif self.idle:
            if self.idle_since:
                wait = self.idle_since + limits.keep_alive_idle - now
                if wait <= 0:
                    self.close()
                    return
        elif self.active is not None and (waited := self.active.awaiting_response_for()):
            left = self.ctx.manifest.router.upstream_timeout_s - waited
            if left <= 0:
                self.active.upstream_timed_out()
                if self.closed:
                    return
            else:
                wait = left
        self._deadline = asyncio.get_running_loop().call_later(min(wait, limits.watch_interval), self._watch)

    def _timed_out(self, reason: str) -> None:
        active = self.active
        if active is not None and (active.response_started or active is not self.building):
            # An answer is under way or owed to an earlier request: a 408 now would pass for it.
            if active.response_done:
                self.close()
            else:
                self.abort()
            return
        self.write(responses.error(408, f"The request was refused: {reason}", as_json=True, keep_alive=False))
        self.close()
