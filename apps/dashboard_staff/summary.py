"""The last hour per application, minute by minute, from the runtime's history documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ganger.sdk import LATENCY_BUCKETS, MinuteDocument, bucket_quantiles, merge_buckets

MINUTES = 60
QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
_QS = tuple(QUANTILES.values())
STAGES = ("router", "worker")
MB = 1024 * 1024


@dataclass
class AppHour:
    """One application's last hour: per-minute series (oldest first) and totals for the hour."""

    worker: str
    title: str
    kind: str
    requests: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    error_rate: list[float | None] = field(default_factory=list)  # percent, None: no requests that minute
    latency_ms: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)  # stage → quantile → series
    memory_mb: list[float | None] = field(default_factory=list)
    cold_starts: list[int] = field(default_factory=list)
    hour_latency_ms: dict[str, dict[str, float | None]] = field(default_factory=dict)

    @property
    def total_requests(self) -> int:
        return sum(self.requests)

    @property
    def total_errors(self) -> int:
        return sum(self.errors)

    @property
    def hour_error_rate(self) -> float | None:
        return 100 * self.total_errors / self.total_requests if self.total_requests else None

    @property
    def requests_per_minute(self) -> float:
        return self.total_requests / MINUTES

    @property
    def memory_now_mb(self) -> float | None:
        return next((m for m in reversed(self.memory_mb) if m is not None), None)

    @property
    def total_cold_starts(self) -> int:
        return sum(self.cold_starts)


def minute_slots(now: float) -> list[int]:
    """The starts of the last hour's minutes, oldest first, ending with the current minute."""
    current = int(now // 60 * 60)
    return [current - 60 * (MINUTES - 1 - i) for i in range(MINUTES)]


def _quantiles_ms(counts: Sequence[int], qs: Sequence[float]) -> list[float | None]:
    return [None if v is None else round(v * 1000, 3) for v in bucket_quantiles(counts, qs, LATENCY_BUCKETS)]


def summarise(worker: str, title: str, kind: str, documents: Sequence[MinuteDocument], now: float) -> AppHour:
    by_minute = {doc.minute: doc for doc in documents}
    hour = AppHour(worker=worker, title=title, kind=kind,
                   latency_ms={stage: {name: [] for name in QUANTILES} for stage in STAGES})
    hour_buckets: dict[str, list[list[int]]] = {stage: [] for stage in STAGES}
    for minute in minute_slots(now):
        doc = by_minute.get(minute)
        requests = doc.requests if doc else 0
        hour.requests.append(requests)
        hour.errors.append(doc.errors if doc else 0)
        hour.error_rate.append(round(100 * doc.errors / requests, 2) if doc and requests else None)
        hour.memory_mb.append(round(doc.memory_bytes / MB, 1) if doc and doc.memory_bytes else None)
        hour.cold_starts.append(doc.cold_starts if doc else 0)
        for stage in STAGES:
            counts = doc.buckets.get(stage) if doc else None
            if counts:
                hour_buckets[stage].append(counts)
            values = _quantiles_ms(counts, _QS) if counts else [None] * len(_QS)
            for name, value in zip(QUANTILES, values, strict=True):
                hour.latency_ms[stage][name].append(value)
    size = len(LATENCY_BUCKETS) + 1
    hour.hour_latency_ms = {
        stage: dict(zip(QUANTILES, _quantiles_ms(merge_buckets(hour_buckets[stage], size), _QS), strict=True))
        for stage in STAGES
    }
    return hour


def platform_latency_ms(history: dict[str, list[MinuteDocument]], stage: str, q: float, now: float) -> float | None:
    """One quantile of a stage over every worker's requests in the last hour."""
    oldest = minute_slots(now)[0]
    series = [doc.buckets[stage] for docs in history.values() for doc in docs
              if doc.minute >= oldest and doc.buckets.get(stage)]
    return _quantiles_ms(merge_buckets(series, len(LATENCY_BUCKETS) + 1), (q,))[0]
