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
    return bucket_quantiles(counts, (q,), edges)[0]


def bucket_quantiles(counts: Sequence[int], qs: Sequence[float], edges: Sequence[float] = BUCKETS) -> list[float | None]:
    """Several quantiles (ascending) of the same counts in one pass; see `bucket_quantile`."""
    if any(not 0 < q <= 1 for q in qs) or list(qs) != sorted(qs):
        raise ValueError("quantiles must be ascending, each in (0, 1]")
    if len(counts) != len(edges) + 1:
        raise ValueError(f"expected {len(edges) + 1} bucket counts, got {len(counts)}")
    total = sum(counts)
    if total == 0:
        return [None] * len(qs)
    found: list[float | None] = []
    wanted = iter(qs)
    q = next(wanted)
    below = 0
    for index, count in enumerate(counts):
        while count and below + count >= q * total:
            if index == len(edges):
                found.append(edges[-1])
            else:
                lower = edges[index - 1] if index else 0.0
                found.append(lower + (edges[index] - lower) * (q * total - below) / count)
            q = next(wanted, None)  # type: ignore[arg-type]
            if q is None:
                return found
        below += count
    return found + [edges[-1]] * (len(qs) - len(found))


def merge_buckets(series: Sequence[Sequence[int]], size: int = len(BUCKETS) + 1) -> list[int]:
    """Bucket counts summed element-wise (minutes into an hour, replicas into a worker)."""
    merged = [0] * size
    for counts in series:
        for index, count in enumerate(counts):
            merged[index] += count
    return merged
