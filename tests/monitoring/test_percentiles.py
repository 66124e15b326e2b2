"""Quantiles estimated from bucket counts, interpolated within the bucket like Prometheus does."""

from __future__ import annotations

import pytest

from ganger.monitoring.percentiles import bucket_quantile, bucket_quantiles, merge_buckets

EDGES = (0.001, 0.01, 0.1)


def test_no_observations_have_no_quantile() -> None:
    assert bucket_quantile([0, 0, 0, 0], 0.5, EDGES) is None


def test_median_of_one_full_bucket_is_its_middle() -> None:
    assert bucket_quantile([0, 10, 0, 0], 0.5, EDGES) == pytest.approx(0.0055)


def test_first_bucket_interpolates_from_zero() -> None:
    assert bucket_quantile([4, 0, 0, 0], 0.25, EDGES) == pytest.approx(0.00025)


def test_quantile_lands_in_the_bucket_that_holds_its_rank() -> None:
    # 90 fast, 10 slow: p50 is among the fast, p95 halfway through the slow bucket.
    counts = [90, 0, 10, 0]
    assert bucket_quantile(counts, 0.5, EDGES) == pytest.approx(0.001 * 50 / 90)
    assert bucket_quantile(counts, 0.95, EDGES) == pytest.approx(0.01 + 0.09 * 0.5)


def test_p100_is_the_upper_edge_of_the_last_used_bucket() -> None:
    assert bucket_quantile([1, 1, 1, 0], 1.0, EDGES) == pytest.approx(0.1)


def test_quantile_above_the_last_edge_reports_the_last_edge() -> None:
    assert bucket_quantile([0, 0, 1, 9], 0.99, EDGES) == 0.1


def test_wrong_number_of_counts_is_refused() -> None:
    with pytest.raises(ValueError):
        bucket_quantile([1, 2], 0.5, EDGES)


def test_quantile_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError):
        bucket_quantile([1, 0, 0, 0], 0.0, EDGES)


def test_merge_adds_bucket_counts_element_wise() -> None:
    assert merge_buckets([[1, 2, 0], [0, 3, 4]], size=3) == [1, 5, 4]


def test_several_quantiles_in_one_pass_match_one_at_a_time() -> None:
    counts = [3, 0, 7, 2]
    qs = (0.25, 0.5, 0.95, 0.99, 1.0)
    assert bucket_quantiles(counts, qs, EDGES) == [bucket_quantile(counts, q, EDGES) for q in qs]


def test_several_quantiles_must_be_ascending() -> None:
    with pytest.raises(ValueError):
        bucket_quantiles([1, 0, 0, 0], (0.9, 0.5), EDGES)
