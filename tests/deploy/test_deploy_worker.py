"""One worker deployed under load: nothing fails, the new code answers, nobody else restarts;
broken releases are never switched to; rollback restores the previous content hash."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ganger.control import fetch_state, request
from ganger.deploy import create_release, list_releases
from ganger.manifest import load_manifest
from ganger.versioning import tree_version
from tests.support.deploy_platform import Load, ganger, write_app
from tests.support.platform import RunningPlatform, worker_pids

LOAD_TARGETS = [("localhost", "/alpha/api/version"), ("localhost", "/beta/api/version"), ("pat.localhost", "/api/version")]


def version(platform: RunningPlatform, worker: str) -> str:
    return asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock")).workers[worker].version


def alpha_dir(manifest: Path) -> Path:
    return manifest.parent / "apps" / "dep_alpha"


def test_deploy_under_load_switches_with_no_failed_request(running: RunningPlatform, manifest: Path,
                                                           session: str) -> None:
    before = version(running, "dep-alpha")
    others = {name: worker_pids(running, name) for name in ("dep-beta", "dep-pat", "dep-root")}
    write_app(manifest.parent, "dep-alpha", "v2")
    with Load(running, LOAD_TARGETS, session) as load:
        result = ganger(running, manifest, "deploy", "dep-alpha")
    assert result.returncode == 0, result.stdout + result.stderr
    assert load.failures == []
    assert load.ok > 50
    assert load.versions_met("/alpha/api/version") == {("v1", "v2")}  # one switch, never back
    assert version(running, "dep-alpha") == tree_version(alpha_dir(manifest)) != before
    assert {name: worker_pids(running, name) for name in others} == others
    assert "dep-alpha:" in result.stdout and "→" in result.stdout
    answer = running.request("GET", "/alpha/api/version", session=session)
    assert b'"v2"' in answer.body


def test_release_with_an_import_error_is_refused_and_the_old_one_keeps_serving(
        running: RunningPlatform, manifest: Path, session: str) -> None:
    serving = version(running, "dep-alpha")
    write_app(manifest.parent, "dep-alpha", "v3", broken_import=True)
    result = ganger(running, manifest, "deploy", "dep-alpha")
    assert result.returncode == 1
    assert "ganger_no_such_module" in result.stdout
    assert version(running, "dep-alpha") == serving
    assert b'"v2"' in running.request("GET", "/alpha/api/version", session=session).body


def test_runtime_never_switches_to_a_release_that_does_not_start(running: RunningPlatform, manifest: Path,
                                                                 session: str) -> None:
    """Straight to the runtime, without the CLI's import check: the replica dies before it is ready."""
    serving = version(running, "dep-alpha")
    write_app(manifest.parent, "dep-alpha", "v3", broken_import=True)
    release = create_release(load_manifest(manifest), running.data_dir, "dep-alpha")
    reply = asyncio.run(request(running.data_dir / "run" / "control.sock",
                                {"op": "deploy", "worker": "dep-alpha", "release_path": release.path,
                                 "version": release.version}, timeout=60))
    assert isinstance(reply, dict) and reply["ok"] is False
    assert "did not start" in reply["error"]
    assert version(running, "dep-alpha") == serving
    assert b'"v2"' in running.request("GET", "/alpha/api/version", session=session).body


def test_release_failing_its_health_check_is_refused(running: RunningPlatform, manifest: Path, session: str) -> None:
    serving = version(running, "dep-alpha")
    pids = worker_pids(running, "dep-alpha")
    write_app(manifest.parent, "dep-alpha", "v4", failing_health=True)
    result = ganger(running, manifest, "deploy", "dep-alpha")
    assert result.returncode == 1
    assert "health check" in result.stdout and "500" in result.stdout
    assert version(running, "dep-alpha") == serving
    assert worker_pids(running, "dep-alpha") == pids
    assert b'"v2"' in running.request("GET", "/alpha/api/version", session=session).body


def test_rollback_restores_the_previous_content_hash(running: RunningPlatform, manifest: Path, session: str) -> None:
    write_app(manifest.parent, "dep-alpha", "v1")
    first = tree_version(alpha_dir(manifest))
    write_app(manifest.parent, "dep-alpha", "v2")
    assert version(running, "dep-alpha") == tree_version(alpha_dir(manifest))
    result = ganger(running, manifest, "rollback", "dep-alpha")
    assert result.returncode == 0, result.stdout + result.stderr
    assert version(running, "dep-alpha") == first
    assert b'"v1"' in running.request("GET", "/alpha/api/version", session=session).body
    to = ganger(running, manifest, "rollback", "dep-alpha", "--to", tree_version(alpha_dir(manifest))[:8])
    assert to.returncode == 0, to.stdout + to.stderr
    assert b'"v2"' in running.request("GET", "/alpha/api/version", session=session).body
    listing = ganger(running, manifest, "releases", "dep-alpha")
    assert listing.returncode == 0
    assert first in listing.stdout and "rollback" in listing.stdout and "deploy-test" in listing.stdout
    assert {r.version for r in list_releases(running.data_dir, "dep-alpha")} >= {first}


def test_health_checks_every_route_the_way_users_meet_it(running: RunningPlatform, manifest: Path) -> None:
    result = ganger(running, manifest, "health")
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ("page signed out", "API signed out", "page signed in", "patient page", "checks passed"):
        assert expected in result.stdout
