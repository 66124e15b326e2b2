"""The supervisor's bounded memory of what happened to each worker."""

from __future__ import annotations

from ganger.monitoring.incidents import IncidentLog


def test_incidents_are_listed_newest_first() -> None:
    log = IncidentLog()
    log.record("w", "exited", now=1.0, replica=0, pid=10, exit_code=-9)
    log.record("w", "restarted", now=2.0, replica=0, pid=11)
    assert [i.kind for i in log.document()["w"]] == ["restarted", "exited"]
    assert log.document()["w"][1].exit_code == -9


def test_phase_is_recorded_only_when_it_changes() -> None:
    log = IncidentLog()
    for phase in ("starting", "ready", "ready", "degraded", "ready"):
        log.phase("w", phase)
    assert [i.phase for i in reversed(log.document()["w"])] == ["starting", "ready", "degraded", "ready"]


def test_history_is_bounded_per_worker() -> None:
    log = IncidentLog(kept=3)
    for n in range(10):
        log.record("w", "restarted", now=float(n), replica=0)
    assert [i.at for i in log.document()["w"]] == [9.0, 8.0, 7.0]
