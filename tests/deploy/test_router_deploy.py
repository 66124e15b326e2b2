"""The router redeployed under load: a new process takes the port before the old one drains; no request fails."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.deploy_platform import Load, ganger
from tests.support.platform import RunningPlatform, replica_pids, worker_pids

LOAD_TARGETS = [("localhost", "/alpha/api/version"), ("localhost", "/beta/api/version"), ("pat.localhost", "/api/version")]


def test_router_redeploy_under_load_loses_no_request(running: RunningPlatform, manifest: Path, session: str) -> None:
    routers = replica_pids(running)
    workers = {name: worker_pids(running, name) for name in ("dep-alpha", "dep-beta", "dep-pat")}
    with Load(running, LOAD_TARGETS, session, threads_per_target=3) as load:
        for _ in range(3):
            result = ganger(running, manifest, "deploy", "router", "--force")
            assert result.returncode == 0, result.stdout + result.stderr
            time.sleep(0.3)
    assert load.failures == []
    assert load.ok > 100
    now = replica_pids(running)
    assert now and not set(now) & set(routers)
    assert {name: worker_pids(running, name) for name in workers} == workers
    assert "router:" in result.stdout
    assert sum('"socket":"taken over"' in line for line in running.output) >= 3  # one accept queue throughout
