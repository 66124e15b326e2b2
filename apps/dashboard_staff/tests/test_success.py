"""The success-metrics table: each row's target, what was measured, and whether it is met."""

from __future__ import annotations

from typing import Any

from apps.dashboard_staff.success import success_rows
from ganger.manifest import load_manifest
from ganger.sdk import PlatformState, ReplicaState, WorkerState
from tests.support.platform import ROOT

MANIFEST = load_manifest(ROOT / "platform.toml", check_modules=False)
NOW = 1_800_000_030.0


def unit(name: str, kind: str, compressed: int, budget_kb: int) -> dict[str, Any]:
    return {"name": name, "kind": kind, "budget_kb": budget_kb, "bundle": {"compressed": compressed}}


REPORT = {
    "compression": "gzip-9",
    "units": [unit("router", "router", 40_000, 50), unit("ganger-a", "staff", 600_000, 500),
              unit("ganger-b", "staff", 100_000, 500), unit("ganger-p", "patient", 10_000, 300)],
    "total": {"compressed": 750_000, "budget_kb": 10240},
}


def rows(state: PlatformState | None = None, bundles: dict[str, Any] | None = REPORT) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in success_rows(MANIFEST, state, {}, bundles, NOW)}


def test_bundle_rows_say_measuring_until_the_analysis_is_done() -> None:
    assert rows(bundles=None)["bundle-staff"]["measured"] == "measuring…"
    assert rows(bundles=None)["bundle-staff"]["ok"] is None
    assert rows(bundles=None)["bundle-staff"]["target"] == "< 500 KB"


def test_largest_staff_bundle_over_its_budget_fails_and_is_named() -> None:
    staff = rows()["bundle-staff"]
    assert staff["ok"] is False and staff["note"] == "ganger-a" and staff["target"] == "< 500 KB"


def test_router_and_platform_bundles_within_budget_pass() -> None:
    assert rows()["bundle-router"]["ok"] is True and rows()["bundle-platform"]["ok"] is True


def test_without_traffic_latency_rows_say_so_instead_of_inventing_a_value() -> None:
    assert rows()["routing"]["measured"] == "no requests yet" and rows()["routing"]["ok"] is None


def test_memory_and_cold_start_come_from_the_ready_replicas() -> None:
    replica = ReplicaState(index=0, phase="ready", address="unix:/x", started_at=100.0, ready_at=100.15,
                           rss_bytes=40 * 1024 * 1024)
    state = PlatformState(started_at=0.0, environment="test",
                          workers={"ganger-a": WorkerState(name="ganger-a", phase="ready", version="1",
                                                           replicas=[replica])})
    found = rows(state)
    assert found["memory"]["measured"] == "40.0 MB" and found["memory"]["ok"] is True
    assert found["cold-start"]["measured"] == "150 ms" and found["cold-start"]["ok"] is True
