"""The runtime starts every replica as its own process and stops them all, in order, leaving none behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import psutil

from tests.support.platform import ROOT, replica_pids, start_platform, worker_pids

ECHO_MANIFEST = ROOT / "tests" / "support" / "echo_platform.toml"


def test_every_replica_is_its_own_process(tmp_path: Path) -> None:
    platform = start_platform(tmp_path, manifest=ECHO_MANIFEST)
    try:
        names = ["echo-root", "echo-staff", "echo-other", "echo-patient", "ganger-auth"]
        pids = [pid for name in names for pid in worker_pids(platform, name)]
        # echo-staff runs two replicas; echo-gone is external (not started here)
        assert len(set(pids)) == 6
        assert all(psutil.pid_exists(pid) and pid != platform.process.pid for pid in pids)
        assert len(replica_pids(platform, "ganger.router.server")) == 1
    finally:
        platform.stop()


def test_sigterm_lets_in_flight_requests_finish_and_leaves_no_process(tmp_path: Path) -> None:
    platform = start_platform(tmp_path, manifest=ECHO_MANIFEST)
    children = psutil.Process(platform.process.pid).children(recursive=True)
    session = platform.sign_in()
    answers: list[int] = []
    slow = threading.Thread(
        target=lambda: answers.append(platform.request("GET", "/echo/slow?s=1.5", session=session).status)
    )
    slow.start()
    threading.Event().wait(0.4)
    assert platform.stop() == 0
    slow.join()
    assert answers == [200]
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert alive == []
    assert not list((tmp_path / "run").glob("*.sock"))
    assert any("Stopped." in line for line in platform.output)


def test_dev_sign_in_is_refused_in_production(tmp_path: Path) -> None:
    environment = dict(os.environ, GANGER_DATA_DIR=str(tmp_path), GANGER_ENVIRONMENT="production",
                       GANGER_MANIFEST=str(ECHO_MANIFEST), GANGER_AUTH="dev")
    result = subprocess.run([sys.executable, "-m", "ganger.cli.main", "up"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "dev sign-in is refused in production" in result.stderr


def test_state_command_lists_replicas_of_the_running_platform(tmp_path: Path) -> None:
    platform = start_platform(tmp_path, manifest=ECHO_MANIFEST)
    try:
        environment = dict(os.environ, GANGER_DATA_DIR=str(tmp_path), GANGER_MANIFEST=str(ECHO_MANIFEST))
        result = subprocess.run([sys.executable, "-m", "ganger.cli.main", "state"], cwd=ROOT, env=environment,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0
        assert "echo-staff" in result.stdout and "ready" in result.stdout
        health = json.loads(platform.request("GET", "/health").body)
        assert health["environment"] == "test"
    finally:
        platform.stop()


def test_platform_refuses_to_start_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        environment = dict(os.environ, GANGER_DATA_DIR=str(tmp_path), GANGER_MANIFEST=str(ECHO_MANIFEST),
                           GANGER_PORT=str(port))
        result = subprocess.run([sys.executable, "-m", "ganger.cli.main", "up"], cwd=ROOT, env=environment,
                                capture_output=True, text=True, timeout=90)
    assert result.returncode == 1
    assert "could not listen" in result.stderr
