"""The runtime reading each worker replica's own metrics over its Unix socket.

Only the runtime may read them: a request is answered only when it carries a fresh HMAC of the
platform secret in `x-ganger-runtime` and did not come through the router (which always adds
`x-ganger-router`). Users reach workers only through the router, and the router never holds a
token, so `/__ganger/metrics` stays internal on staff and patient workers alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

METRICS_PATH = "/__ganger/metrics"
RUNTIME_HEADER = b"x-ganger-runtime"
ROUTER_HEADER = b"x-ganger-router"
MAX_SKEW_SECONDS = 30
_PURPOSE = b"ganger-runtime-metrics\n"


def runtime_token(secret: bytes, now: float | None = None) -> bytes:
    """`<unix time>.<hmac>`: what the runtime sends; useless for anything but reading metrics."""
    stamp = str(int(now if now is not None else time.time())).encode()
    return stamp + b"." + hmac.new(secret, _PURPOSE + stamp, hashlib.sha256).hexdigest().encode()


def runtime_request_allowed(secret: bytes, headers: Iterable[tuple[bytes, bytes]], now: float | None = None) -> bool:
    """True only for the runtime's own fresh token on a request the router did not forward."""
    token = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == ROUTER_HEADER:
            return False
        if lowered == RUNTIME_HEADER:
            if token is not None:
                return False
            token = value
    if token is None:
        return False
    stamp, _, _mac = token.partition(b".")
    if not stamp.isdigit():
        return False
    if abs((now if now is not None else time.time()) - int(stamp)) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(token, runtime_token(secret, int(stamp)))


async def fetch_worker_metrics(address: str, secret: bytes, timeout: float = 2.0) -> str:
    """One replica's Prometheus text, read over its Unix socket (`unix:/path`)."""
    if not address.startswith("unix:"):
        raise OSError(f"worker metrics are read over Unix sockets only, not {address.partition(':')[0]}")
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_unix_connection(address.removeprefix("unix:"))
        try:
            writer.write(b"GET %s HTTP/1.1\r\nhost: runtime\r\n%s: %s\r\nconnection: close\r\n\r\n"
                         % (METRICS_PATH.encode(), RUNTIME_HEADER, runtime_token(secret)))
            await writer.drain()
            data = await reader.read()
        finally:
            writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status_line + b" " or b"content-type: text/plain" not in head.lower():
        raise OSError(f"worker metrics answered {status_line.decode('latin-1')!r}, not Prometheus text")
    return body.decode()  # the SDK answers with a content-length, never chunked


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def merge_worker_texts(texts: dict[tuple[str, int], str]) -> str:
    """Every replica's text as one exposition, each sample labelled with its `worker` and `replica`.

    Families are grouped by name across replicas, since a Prometheus text may name each only once.
    """
    merged: dict[str, Metric] = {}
    for (worker, replica), text in sorted(texts.items()):
        try:
            families = list(text_string_to_metric_families(text))
        except (ValueError, IndexError, KeyError, TypeError):
            continue  # one replica answering nonsense must not hide the others
        for family in families:
            target = merged.get(family.name)
            if target is None:
                target = merged[family.name] = Metric(family.name, family.documentation, family.type, family.unit)
            for sample in family.samples:
                labels = {"worker": worker, "replica": str(replica), **sample.labels}
                target.add_sample(sample.name, labels, sample.value, sample.timestamp, sample.exemplar)
    if not merged:
        return ""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(list(merged.values())))
    return generate_latest(registry).decode()
