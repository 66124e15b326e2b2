"""Responses the router writes itself: honest error pages, redirects and /health.

Browsers get a small self-contained HTML page (no third-party assets); API callers get JSON.
"""

from __future__ import annotations

import html
import time
from datetime import datetime, timezone
from http import HTTPStatus

import msgspec

from ..manifest import Manifest
from .targets import Targets

_json = msgspec.json.Encoder()

_SECURITY_HEADERS = (
    b"x-content-type-options: nosniff\r\n"
    b"referrer-policy: strict-origin-when-cross-origin\r\n"
    b"x-frame-options: DENY\r\n"
    b"cache-control: no-store\r\n"
    b"content-security-policy: default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
    b"base-uri 'none'; form-action 'none'\r\n"
    b"cross-origin-opener-policy: same-origin\r\n"
    b"cross-origin-resource-policy: same-origin\r\n"
)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title} · Ganger Platform</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2733}}
main{{max-width:36rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:12px;
box-shadow:0 1px 4px #0002}}h1{{font-size:1.4rem;margin:0 0 .5rem}}code{{background:#eef;padding:0 .3em}}</style>
</head><body><main><h1>{title}</h1><p>{message}</p>{extra}</main></body></html>"""


def wants_json(path: str, prefix: str, accept: bytes | None) -> bool:
    rest = path[len(prefix) :]
    if rest.startswith("/api/") or rest == "/api":
        return True
    if accept is None:
        return False
    return b"application/json" in accept and b"text/html" not in accept


def error(
    status: int,
    message: str,
    *,
    as_json: bool,
    keep_alive: bool,
    retry_after: int | None = None,
    extra_headers: bytes = b"",
    head_only: bool = False,
    worker: str | None = None,
) -> bytes:
    title = HTTPStatus(status).phrase
    if as_json:
        document: dict[str, object] = {"error": title, "status": status, "message": message}
        if worker:
            document["worker"] = worker
        body = _json.encode(document)
        content_type = b"application/json"
    else:
        detail = f"<p>Application: <code>{html.escape(worker)}</code></p>" if worker else ""
        if retry_after:
            detail += f"<p>Please try again in {retry_after} seconds.</p>"
        body = _PAGE.format(title=html.escape(title), message=html.escape(message), extra=detail).encode()
        content_type = b"text/html; charset=utf-8"
    head = b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n" % (status, title.encode(), content_type, len(body))
    if retry_after is not None:
        head += b"retry-after: %d\r\n" % retry_after
    head += _SECURITY_HEADERS + extra_headers
    head += b"connection: keep-alive\r\n\r\n" if keep_alive else b"connection: close\r\n\r\n"
    return head if head_only else head + body


def redirect(location: str, *, keep_alive: bool, status: int = 308) -> bytes:
    phrase = HTTPStatus(status).phrase.encode()
    return (
        b"HTTP/1.1 %d %s\r\nlocation: %s\r\ncontent-length: 0\r\n%s%s\r\n"
        % (
            status,
            phrase,
            location.encode("latin-1"),
            _SECURITY_HEADERS,
            b"connection: keep-alive\r\n" if keep_alive else b"connection: close\r\n",
        )
    )


def health_document(manifest: Manifest, targets: Targets, environment: str, started: float,
                    detail: bool = False) -> dict[str, object]:
    """The seed's health answer plus each worker's state from the runtime.

    `detail` (signed-in admins only) adds what must not be public: pids, versions, budgets,
    memory and the limits each worker has hit."""
    state = targets.state
    healthy = state is not None

    def describe(names: list[str]) -> dict[str, object]:
        nonlocal healthy
        described: dict[str, object] = {}
        for name in names:
            target = targets.by_name[name]
            worker_state = state.workers.get(name) if state else None
            phase = target.phase if worker_state is None else worker_state.phase
            if phase not in ("ready", "external", "idle"):
                healthy = False
            described[name] = {"state": phase, "readyReplicas": len(target.addresses)}
            if worker_state is not None:
                described[name].update(desired=worker_state.desired, reason=worker_state.reason,
                                       coldStarts=worker_state.cold_starts)
            if detail and worker_state is not None:
                budgets = manifest.worker(name).budgets
                described[name].update(
                    version=worker_state.version,
                    pids=[r.pid for r in worker_state.replicas if r.pid],
                    memoryBytes=[r.rss_bytes for r in worker_state.replicas],
                    budgets={"memoryMb": budgets.memory_mb, "memoryTargetMb": budgets.memory_target_mb,
                             "cpuMsPerRequest": budgets.cpu_ms, "concurrency": budgets.concurrency},
                    cpuLimitHits=worker_state.cpu_limit_hits, memoryLimitHits=worker_state.memory_limit_hits,
                    recycles=worker_state.recycles, restarts=worker_state.restarts, shed=worker_state.shed,
                )
        return described

    workers = describe([w.name for w in manifest.workers])
    services = describe([s.name for s in manifest.services])
    return {
        "status": "healthy" if healthy else "degraded",
        "router": manifest.router.name,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "totalRoutes": len(manifest.workers),
        "environment": environment,
        "uptimeSeconds": round(time.monotonic() - started, 1),
        "workers": workers,
        "services": services,
    }


def metrics(text: bytes, *, keep_alive: bool, head_only: bool) -> bytes:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\ncontent-length: %d\r\n%s%s\r\n" % (
        len(text),
        _SECURITY_HEADERS,
        b"connection: keep-alive\r\n" if keep_alive else b"connection: close\r\n",
    )
    return head if head_only else head + text


def health(document: dict[str, object], *, keep_alive: bool, head_only: bool) -> bytes:
    body = _json.encode(document)
    # Always 200: the router itself is answering; "status" says whether every worker is ready.
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s%s\r\n" % (
        len(body),
        _SECURITY_HEADERS,
        b"connection: keep-alive\r\n" if keep_alive else b"connection: close\r\n",
    )
    return head if head_only else head + body
