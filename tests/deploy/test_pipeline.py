"""`ganger deploy --all`: the seed's order, platform health verified, and a failed stage rolls the whole
set back to the last verified versions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from ganger.control import fetch_state
from ganger.versioning import tree_version
from tests.support.deploy_platform import WORKERS, ganger, write_app
from tests.support.platform import RunningPlatform


def versions(platform: RunningPlatform) -> dict[str, str]:
    state = asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock"))
    return {name: w.version for name, w in state.workers.items() if name in WORKERS}


def last_run(platform: RunningPlatform) -> dict[str, object]:
    lines = (platform.data_dir / "releases" / "pipeline.jsonl").read_text().splitlines()
    return json.loads(lines[-1])


def test_all_deploys_patient_then_staff_then_router_then_verifies_health(running: RunningPlatform,
                                                                        manifest: Path) -> None:
    write_app(manifest.parent, "dep-pat", "v2")
    write_app(manifest.parent, "dep-beta", "v2")
    result = ganger(running, manifest, "deploy", "--all")
    assert result.returncode == 0, result.stdout + result.stderr
    run = last_run(running)
    stages = [stage for stage, _ in run["order"]]  # type: ignore[union-attr]
    assert stages == ["patient"] + ["staff"] * 3 + ["router"]
    assert [w for s, w in run["order"] if s == "patient"] == ["dep-pat"]  # type: ignore[union-attr]
    assert set(w for s, w in run["order"] if s == "staff") == {"dep-root", "dep-alpha", "dep-beta"}  # type: ignore[union-attr]
    lines = result.stdout.splitlines()
    index = {key: next(i for i, line in enumerate(lines) if key in line)
             for key in ("[patient] dep-pat: started", "[staff] dep-beta: started", "[router] router: started",
                         "[health] platform: done")}
    assert list(index.values()) == sorted(index.values())
    current = versions(running)
    assert current["dep-pat"] == tree_version(manifest.parent / "apps" / "dep_pat")
    verified = json.loads((running.data_dir / "releases" / "verified.json").read_text())
    assert {k: v for k, v in verified["versions"].items() if k in WORKERS} == current


def test_a_failed_stage_rolls_the_set_back_to_the_last_verified(running: RunningPlatform, manifest: Path,
                                                               session: str) -> None:
    verified = versions(running)
    write_app(manifest.parent, "dep-pat", "v3")
    write_app(manifest.parent, "dep-beta", "v3", failing_health=True)
    result = ganger(running, manifest, "deploy", "--all")
    assert result.returncode == 1
    assert "stage staff failed" in result.stderr and "dep-beta" in result.stderr
    assert "[restore] dep-pat: done" in result.stdout
    assert "[router]" not in result.stdout  # stopped at the first failed stage
    assert versions(running) == verified
    answer = running.request("GET", "/api/version", host="pat.localhost")
    assert json.loads(answer.body)["mark"] == "v2"
    run = last_run(running)
    assert run["ok"] is False and run["failed_stage"] == "staff"
