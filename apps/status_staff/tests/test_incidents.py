"""The runtime's incident history as the status page lists it."""

from __future__ import annotations

from apps.status_staff.incidents import incident_rows, state_changes
from ganger.sdk import Incident

HISTORY = {
    "a": [Incident(at=30.0, kind="restarted", replica=0, pid=12), Incident(at=20.0, kind="phase", phase="down"),
          Incident(at=10.0, kind="exited", replica=0, pid=11, exit_code=-9)],
    "b": [Incident(at=25.0, kind="start-failed", replica=1, exit_code=1), Incident(at=5.0, kind="phase", phase="ready")],
}


def test_incidents_of_all_workers_are_merged_newest_first() -> None:
    assert [(i["worker"], i["kind"]) for i in incident_rows(HISTORY)] == [
        ("a", "restarted"), ("b", "start-failed"), ("a", "exited")]


def test_incident_keeps_its_exit_code_and_a_readable_utc_time() -> None:
    exited = incident_rows(HISTORY)[-1]
    assert exited["exitCode"] == -9 and exited["pid"] == 11
    assert exited["when"] == "1970-01-01 00:00:10 UTC"


def test_phase_changes_are_listed_apart_from_incidents() -> None:
    assert [(c["worker"], c["phase"]) for c in state_changes(HISTORY)] == [("a", "down"), ("b", "ready")]


def test_lists_are_cut_to_the_limit() -> None:
    assert len(incident_rows(HISTORY, limit=2)) == 2
