"""Quantiles from histogram bucket counts, the way Prometheus's histogram_quantile estimates them."""

from __future__ import annotations

from collections.abc import Sequence

from .recorder import BUCKETS


def bucket_quantile(counts: Sequence[int], q: float, edges: Sequence[float] = BUCKETS) -> float | None:
    """The q-quantile (0 < q ≤ 1) of observations counted per bucket, in seconds; None if none.

    `counts` has one entry per edge (observations ≤ that edge and above the previous one) plus
    one for those above the last edge. Within a bucket, observations are taken as evenly spread
    between its edges (the first bucket starts at 0); a quantile that falls above the last edge
    is reported as the last edge, since nothing better is known.
    """
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")
    if len(counts) != len(edges) + 1:
        raise ValueError(f"expected {len(edges) + 1} bucket counts, got {len(counts)}")
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    below = 0
    for index, count in enumerate(counts):
        if count and below + count >= rank:
            if index == len(edges):
                return edges[-1]
            lower = edges[index - 1] if index else 0.0
            return lower + (edges[index] - lower) * (rank - below) / count
        below += count
    return edges[-1]


def merge_buckets(series: Sequence[Sequence[int]], size: int = len(BUCKETS) + 1) -> list[int]:
    """Bucket counts summed element-wise (minutes into an hour, replicas into a worker)."""
    merged = [0] * size
    for counts in series:
        for index, count in enumerate(counts):
            merged[index] += count
    return merged
