"""What one bench run measured, kept apart from how it is measured and how it is written up."""

from __future__ import annotations

from dataclasses import dataclass, field

from .streaming import StreamResult


@dataclass
class Row:
    """One path to the worker (direct, or through one proxy) and what it cost."""

    key: str
    label: str
    rps: float
    requests: int
    proxy_cpu_us: float | None = None
    proxy_busy: float | None = None  # share of one core the proxy used during the 32-connection runs
    worker_cpu_us: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    rss_idle: int | None = None
    rss_peak: int | None = None
    failures: int = 0
    baseline: str = "direct"


@dataclass
class Results:
    date: str
    machine: dict[str, str]
    command: str
    pinning: str
    settings: dict[str, float]
    rows: list[Row]
    extra: list[Row] = field(default_factory=list)
    streams: list[StreamResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, key: str) -> Row | None:
        return next((r for r in [*self.rows, *self.extra] if r.key == key), None)
