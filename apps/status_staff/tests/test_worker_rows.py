"""Each worker's row on the status page: its state, why it has its replicas, and the limits it hit."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from ganger.sdk import PlatformState, ReplicaState, WorkerState

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def status_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GANGER_MANIFEST", str(ROOT / "platform.toml"))
    monkeypatch.setenv("GANGER_DATA_DIR", str(tmp_path))
    return importlib.import_module("apps.status_staff.app")


def test_row_shows_scaling_reason_and_limits_hit(status_app) -> None:  # type: ignore[no-untyped-def]
    replica = ReplicaState(index=0, phase="ready", address="unix:/x", pid=42, ready_at=1.0, rss_bytes=50 * 2**20)
    inventory = WorkerState(name="ganger-inventory-staff", phase="ready", version="abc", replicas=[replica],
                            reason="load", cpu_limit_hits=3, memory_limit_hits=1, recycles=2, shed=7)
    state = PlatformState(started_at=0.0, environment="test", workers={"ganger-inventory-staff": inventory})
    row = next(r for r in status_app._rows(state) if r["worker"] == "ganger-inventory-staff")
    assert row["scaling"] == "load"
    assert row["limits"] == {"cpu": 3, "memory": 1, "recycles": 2, "shed": 7}
    assert row["memoryMb"] == 50.0


def test_worker_the_runtime_does_not_report_has_no_limits(status_app) -> None:  # type: ignore[no-untyped-def]
    state = PlatformState(started_at=0.0, environment="test", workers={})
    row = next(r for r in status_app._rows(state) if r["worker"] == "ganger-l10-staff")
    assert row["state"] == "unknown" and row["limits"] is None


def test_warm_up_lists_the_schedule_in_order_and_the_forecast_busiest_first(status_app) -> None:  # type: ignore[no-untyped-def]
    from ganger.control.state import WarmWindow

    state = PlatformState(
        started_at=0.0, environment="test", workers={}, now="2026-12-01T07:21:00-05:00",
        warm_windows=[WarmWindow("ganger-l10-staff", "warm-up: afternoon-peak", "2026-12-01T12:50-05:00",
                                 "2026-12-01T14:00-05:00"),
                      WarmWindow("ganger-inventory-staff", "warm-up: morning-staff-arrival",
                                 "2026-12-01T07:20-05:00", "2026-12-01T08:30-05:00")],
        forecast={"ganger-phones-staff": 4.5, "ganger-batch-staff": 12.0},
    )
    warmup = status_app._warmup(state)
    assert [w["worker"] for w in warmup["windows"]] == ["ganger-inventory-staff", "ganger-l10-staff"]
    assert warmup["forecast"] == [("ganger-batch-staff", 12.0), ("ganger-phones-staff", 4.5)]
    assert warmup["now"] == "2026-12-01T07:21:00-05:00"
