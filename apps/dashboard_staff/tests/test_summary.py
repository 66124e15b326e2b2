"""An application's last hour from the runtime's minute documents: counts, rates, gaps, percentiles."""

from __future__ import annotations

import pytest

from apps.dashboard_staff.summary import MINUTES, minute_slots, platform_latency_ms, summarise
from ganger.sdk import LATENCY_BUCKETS, MinuteDocument

NOW = 1_800_000_030.0  # 30 s into a minute
CURRENT = 1_800_000_000


def doc(minute: int, requests: int = 0, errors: int = 0, bucket: int | None = None, memory: int = 0,
        cold: int = 0) -> MinuteDocument:
    counts = [0] * (len(LATENCY_BUCKETS) + 1)
    if bucket is not None:
        counts[bucket] = requests
    buckets = {"router": counts, "worker": counts, "total": counts} if requests else {}
    return MinuteDocument(minute=minute, requests=requests, errors=errors, shed=0, buckets=buckets,
                          memory_bytes=memory, cold_starts=cold)


def test_the_hour_has_sixty_minutes_ending_with_the_current_one() -> None:
    slots = minute_slots(NOW)
    assert len(slots) == MINUTES and slots[-1] == CURRENT and slots[0] == CURRENT - 59 * 60


def test_requests_and_errors_land_in_their_minute() -> None:
    hour = summarise("w", "W", "staff", [doc(CURRENT, requests=10, errors=1, bucket=2),
                                         doc(CURRENT - 120, requests=5, bucket=2)], NOW)
    assert hour.requests[-1] == 10 and hour.requests[-3] == 5 and hour.total_requests == 15
    assert hour.error_rate[-1] == 10.0 and hour.error_rate[-3] == 0.0
    assert hour.hour_error_rate == pytest.approx(100 / 15)


def test_minutes_without_requests_are_gaps_not_zeros() -> None:
    hour = summarise("w", "W", "staff", [doc(CURRENT, requests=3, bucket=1)], NOW)
    assert hour.error_rate[-2] is None
    assert hour.latency_ms["worker"]["p50"][-2] is None


def test_documents_older_than_the_hour_are_left_out() -> None:
    hour = summarise("w", "W", "staff", [doc(CURRENT - 3600, requests=7, bucket=1)], NOW)
    assert hour.total_requests == 0


def test_latency_percentiles_are_interpolated_within_the_bucket_in_ms() -> None:
    # every request in the bucket (1 ms, 2.5 ms]: the median is its middle
    hour = summarise("w", "W", "staff", [doc(CURRENT, requests=4, bucket=2)], NOW)
    assert hour.hour_latency_ms["router"]["p50"] == pytest.approx(1.75)
    assert hour.latency_ms["worker"]["p99"][-1] == pytest.approx(1 + 1.5 * 0.99)


def test_memory_now_is_the_latest_sample_in_mb() -> None:
    hour = summarise("w", "W", "staff", [doc(CURRENT - 60, memory=40 * 1024 * 1024),
                                         doc(CURRENT, memory=42 * 1024 * 1024)], NOW)
    assert hour.memory_now_mb == 42.0


def test_cold_starts_are_summed_over_the_hour() -> None:
    hour = summarise("w", "W", "staff", [doc(CURRENT - 600, cold=2), doc(CURRENT, cold=1)], NOW)
    assert hour.total_cold_starts == 3


def test_platform_latency_merges_every_workers_buckets() -> None:
    history = {"a": [doc(CURRENT, requests=1, bucket=0)], "b": [doc(CURRENT, requests=1, bucket=3)]}
    assert platform_latency_ms(history, "router", 1.0, NOW) == pytest.approx(5.0)
    assert platform_latency_ms({}, "router", 0.5, NOW) is None
