"""Push a large body through a proxy in each direction and watch the proxy's memory while it does.

A proxy that buffers bodies grows by the body's size; one that streams with flow control stays
flat. The client here sends and reads 1 MiB at a time, so it never holds the body either.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from dataclasses import dataclass

from .apps import CHUNK
from .procs import RssSampler, rss_bytes

MB = 1024 * 1024


@dataclass(frozen=True)
class StreamResult:
    direction: str
    megabytes: int
    seconds: float
    rss_before: int
    rss_peak: int
    rss_after: int
    ok: bool

    @property
    def mb_per_s(self) -> float:
        return self.megabytes / self.seconds if self.seconds else 0.0

    @property
    def growth(self) -> int:
        return self.rss_peak - self.rss_before


def _chunks(count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield CHUNK


def _upload(port: int, host: str, megabytes: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/upload", body=_chunks(megabytes),
                           headers={"Host": host, "Content-Length": str(megabytes * MB)})
        response = connection.getresponse()
        return response.status == 200 and int(response.read()) == megabytes * MB
    finally:
        connection.close()


def _download(port: int, host: str, megabytes: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", f"/download?mb={megabytes}", headers={"Host": host})
        response = connection.getresponse()
        received = 0
        while chunk := response.read(MB):
            received += len(chunk)
        return response.status == 200 and received == megabytes * MB
    finally:
        connection.close()


def stream(direction: str, port: int, host: str, megabytes: int, pids: list[int]) -> StreamResult:
    """Move `megabytes` up ("upload") or down ("download") through the proxy at `port`."""
    transfer = _upload if direction == "upload" else _download
    before = rss_bytes(pids)
    started = time.perf_counter()
    with RssSampler(pids, interval=0.01) as sampler:
        try:
            ok = transfer(port, host, megabytes)
        except (OSError, http.client.HTTPException, ValueError):
            ok = False
    seconds = time.perf_counter() - started
    time.sleep(0.2)
    return StreamResult(direction, megabytes, seconds, before, sampler.peak, rss_bytes(pids), ok)
