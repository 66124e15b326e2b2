"""The warm-up planner: the manifest's schedule, the seed's scaling profiles, and learned demand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ganger.manifest import load_manifest
from ganger.runtime.warmup import DemandHistory, WarmupPlanner
from tests.support.platform import ROOT

CLINIC = ZoneInfo("America/Detroit")
MANIFEST = load_manifest(ROOT / "platform.toml", check_modules=False)


def planner(tmp_path: Path) -> WarmupPlanner:
    return WarmupPlanner(MANIFEST, DemandHistory(tmp_path / "demand.json"))


def test_always_warm_workers_are_warmed_before_the_morning_trigger(tmp_path: Path) -> None:
    wanted = planner(tmp_path).wanted(datetime(2026, 12, 1, 7, 21, tzinfo=CLINIC))
    for worker in ("ganger-staff-management", "ganger-inventory-staff", "ganger-handouts-patient"):
        assert wanted[worker] == "warm-up: morning-staff-arrival"


def test_nothing_is_warmed_long_before_a_trigger(tmp_path: Path) -> None:
    assert planner(tmp_path).wanted(datetime(2026, 12, 1, 5, 0, tzinfo=CLINIC)) == {}


def test_a_workers_profile_peak_puts_it_in_the_trigger_that_overlaps_it(tmp_path: Path) -> None:
    # L10's profile peaks 14:00-16:00: the 13:00 afternoon trigger (held for an hour) overlaps it.
    wanted = planner(tmp_path).wanted(datetime(2026, 12, 1, 13, 5, tzinfo=CLINIC))
    assert wanted["ganger-l10-staff"] == "warm-up: afternoon-peak"
    assert "ganger-compliance-staff" not in wanted  # its profile is monthly, no hour of the day


def test_learned_demand_warms_a_worker_before_its_busy_hour(tmp_path: Path) -> None:
    history = DemandHistory(tmp_path / "demand.json")
    tuesday_ten = datetime(2026, 12, 1, 10, 0, tzinfo=CLINIC)
    history.record("ganger-phones-staff", 40, tuesday_ten)
    history.close_hour()
    plan = WarmupPlanner(MANIFEST, history)
    week_later = tuesday_ten + timedelta(days=7)
    assert plan.wanted(week_later - timedelta(minutes=5))["ganger-phones-staff"] == "forecast"
    assert plan.forecast(week_later - timedelta(minutes=5)) == {"ganger-phones-staff": 40.0}
    assert "ganger-phones-staff" not in plan.wanted(week_later - timedelta(minutes=30))


def test_demand_history_is_kept_in_the_data_dir_and_smoothed(tmp_path: Path) -> None:
    path = tmp_path / "demand.json"
    history = DemandHistory(path)
    monday_nine = datetime(2026, 11, 30, 9, 0, tzinfo=CLINIC)
    history.record("ganger-batch-staff", 10, monday_nine)
    history.close_hour()
    history.record("ganger-batch-staff", 20, monday_nine + timedelta(days=7))
    history.close_hour()
    reloaded = DemandHistory(path)
    assert reloaded.expected("ganger-batch-staff", monday_nine) == 13.0  # 0.7 × 10 + 0.3 × 20
