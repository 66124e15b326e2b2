"""The status page: budgets, memory, incidents after a replica is killed, integrations, no secrets."""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import pytest

from ganger.identity import load_secret
from tests.monitoring.support import wait_for
from tests.router import test_failures
from tests.support.platform import RunningPlatform

VICTIM = "ganger-socials-staff"


def api(platform: RunningPlatform, session: str, path: str) -> dict[str, Any]:
    response = platform.request("GET", f"/status/api/{path}", session=session)
    assert response.status == 200, response.status
    return json.loads(response.body)


def worker_row(platform: RunningPlatform, session: str, worker: str) -> dict[str, Any]:
    return next(w for w in api(platform, session, "workers")["workers"] if w["worker"] == worker)


def test_status_shows_each_workers_budgets_from_the_manifest(platform: RunningPlatform, admin_session: str) -> None:
    budgets = worker_row(platform, admin_session, "ganger-inventory-staff")["budgets"]
    assert budgets == {"memoryMb": 128, "memoryTargetMb": 64, "cpuMs": 50, "concurrency": 1000, "bundleKb": 500,
                       "coldStartMs": 200}
    patient = worker_row(platform, admin_session, "ganger-handouts-patient")["budgets"]
    assert patient["bundleKb"] == 300


def test_status_shows_current_memory_of_each_worker(platform: RunningPlatform, admin_session: str) -> None:
    assert wait_for(lambda: (worker_row(platform, admin_session, "ganger-inventory-staff")["memoryMb"] or 0) > 5)


def test_status_page_renders_budgets_and_memory(platform: RunningPlatform, admin_session: str) -> None:
    body = platform.request("GET", "/status/", session=admin_session).body.decode()
    assert "128 MB · 50 ms CPU · 1000 conc. · 500 KB · start 200 ms" in body
    assert "/ 64 MB" in body


@pytest.fixture(scope="module")
def killed(platform: RunningPlatform, admin_session: str) -> int:
    """The pid of a replica killed with SIGKILL, once the runtime has brought the worker back."""
    (victim,) = worker_row(platform, admin_session, VICTIM)["pids"]  # as the runtime knows it (zygote or exec)
    os.kill(victim, signal.SIGKILL)
    test_failures.wait_until_ready(platform, VICTIM, replicas=1)
    return victim


def test_killed_replica_is_listed_with_its_exit_code(platform: RunningPlatform, admin_session: str,
                                                     killed: int) -> None:
    mine = [i for i in api(platform, admin_session, "incidents")["incidents"] if i["worker"] == VICTIM]
    exited = next(i for i in mine if i["kind"] == "exited")
    assert exited["pid"] == killed and exited["exitCode"] == -signal.SIGKILL and exited["replica"] == 0


def test_restart_after_the_kill_is_listed_with_the_new_pid(platform: RunningPlatform, admin_session: str,
                                                           killed: int) -> None:
    mine = [i for i in api(platform, admin_session, "incidents")["incidents"] if i["worker"] == VICTIM]
    exited = next(i for i in mine if i["kind"] == "exited")
    restarted = next(i for i in mine if i["kind"] == "restarted")
    assert restarted["at"] > exited["at"] and restarted["pid"] != killed


def test_state_changes_show_the_worker_down_then_ready_again(platform: RunningPlatform, admin_session: str,
                                                             killed: int) -> None:
    phases = [c["phase"] for c in api(platform, admin_session, "incidents")["changes"] if c["worker"] == VICTIM]
    assert phases[0] == "ready" and "down" in phases


def test_status_page_lists_the_incident(platform: RunningPlatform, admin_session: str, killed: int) -> None:
    body = platform.request("GET", "/status/", session=admin_session).body.decode()
    assert f'data-worker="{VICTIM}" data-kind="exited"' in body


def test_database_is_reachable_with_its_latency(platform: RunningPlatform, admin_session: str) -> None:
    databases = api(platform, admin_session, "integrations")["databases"]
    assert databases["platform"]["reachable"] and databases["platform"]["backend"] == "sqlite"
    assert databases["platform"]["latency_ms"] >= 0


def test_sign_in_configuration_is_shown_without_any_secret(platform: RunningPlatform, admin_session: str) -> None:
    sign_in = api(platform, admin_session, "integrations")["signIn"]
    assert sign_in["mode"] == "dev" and sign_in["issuer"].startswith("https://")
    assert sign_in["client_id_set"] is False
    page = platform.request("GET", "/status/", session=admin_session).body
    assert load_secret(platform.data_dir) not in page


def test_disk_space_of_the_data_dir_is_shown(platform: RunningPlatform, admin_session: str) -> None:
    disk = api(platform, admin_session, "integrations")["disk"]
    assert disk["total_bytes"] > disk["free_bytes"] > 0 and 0 < disk["usedPercent"] < 100
