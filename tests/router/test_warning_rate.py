"""Slow-stage warnings are rate-limited per stage and worker, and say how many were held back."""

from __future__ import annotations

import time

from ganger.router.observe import WarningRate


def test_first_warning_passes_and_repeats_within_the_interval_are_held() -> None:
    rate = WarningRate(interval=0.2)
    assert rate.allow("total request", "inventory") == 0
    assert rate.allow("total request", "inventory") is None
    assert rate.allow("total request", "inventory") is None


def test_next_warning_after_the_interval_counts_the_held_ones() -> None:
    rate = WarningRate(interval=0.05)
    rate.allow("total request", "inventory")
    rate.allow("total request", "inventory")
    rate.allow("total request", "inventory")
    time.sleep(0.06)
    assert rate.allow("total request", "inventory") == 2


def test_other_stages_and_workers_are_not_held_back() -> None:
    rate = WarningRate(interval=10)
    rate.allow("total request", "inventory")
    assert rate.allow("proxy request", "inventory") == 0
    assert rate.allow("total request", "handouts") == 0
