"""A canary's verdict: the new generation's answers against the stable one's, over the same window.

The routers count each generation's answers (`Target.tally`) and send them every second; this adds
them up and decides. The rule is simple enough to print beside the figures:

- too few canary answers to judge → roll back (a canary that saw no traffic proved nothing);
- canary error rate above the stable one by more than `MAX_EXTRA_ERROR_RATE` → roll back;
- canary mean latency above `LATENCY_FACTOR` × stable + `LATENCY_SLACK_S` → roll back;
- otherwise promote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..monitoring import BUCKETS
from ..monitoring.percentiles import bucket_quantile

MIN_REQUESTS = 20
MAX_EXTRA_ERROR_RATE = 0.01
LATENCY_FACTOR = 1.5
LATENCY_SLACK_S = 0.010


@dataclass
class Generation:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))

    def add(self, tally: Sequence[float]) -> None:
        self.requests += int(tally[0])
        self.errors += int(tally[1])
        self.seconds += float(tally[2])
        for index, count in enumerate(tally[3:3 + len(self.buckets)]):
            self.buckets[index] += int(count)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def mean_s(self) -> float:
        return self.seconds / self.requests if self.requests else 0.0

    def figures(self) -> dict[str, float | int]:
        p95 = bucket_quantile(self.buckets, 0.95)
        return {"requests": self.requests, "errors": self.errors, "error_rate": round(self.error_rate, 4),
                "mean_ms": round(self.mean_s * 1000, 2), "p95_ms": round((p95 or 0.0) * 1000, 2)}


@dataclass
class Comparison:
    stable: Generation = field(default_factory=Generation)
    canary: Generation = field(default_factory=Generation)

    def add(self, tallies: dict[str, Sequence[float]]) -> None:
        for name, tally in tallies.items():
            if name == "canary":
                self.canary.add(tally)
            elif name == "stable":
                self.stable.add(tally)

    def verdict(self) -> tuple[bool, str]:
        """(promote?, why) — the why is shown to whoever deployed and logged."""
        canary, stable = self.canary, self.stable
        if canary.requests < MIN_REQUESTS:
            return False, f"too little traffic to judge: {canary.requests} canary requests (< {MIN_REQUESTS})"
        if canary.error_rate > stable.error_rate + MAX_EXTRA_ERROR_RATE:
            return False, (f"error rate {canary.error_rate:.2%} on the canary vs {stable.error_rate:.2%} "
                           f"on the stable generation")
        if stable.requests >= MIN_REQUESTS and canary.mean_s > stable.mean_s * LATENCY_FACTOR + LATENCY_SLACK_S:
            return False, (f"mean latency {canary.mean_s * 1000:.1f} ms on the canary vs "
                           f"{stable.mean_s * 1000:.1f} ms on the stable generation")
        return True, (f"error rate {canary.error_rate:.2%} (stable {stable.error_rate:.2%}), mean latency "
                      f"{canary.mean_s * 1000:.1f} ms (stable {stable.mean_s * 1000:.1f} ms)")

    def figures(self) -> dict[str, dict[str, float | int]]:
        return {"stable": self.stable.figures(), "canary": self.canary.figures()}
