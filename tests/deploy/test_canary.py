"""`ganger deploy WORKER --canary N`: a sticky share of users gets the new release, whose errors and
latency are compared with the stable one's; then it is promoted or rolled back on its own."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ganger.control import WorkerState, fetch_state
from tests.support.deploy_platform import ganger, write_app, write_platform
from tests.support.platform import RunningPlatform, start_platform

USERS = [f"user{n}@gangerdermatology.com" for n in range(30)]
PERCENT = 20


@pytest.fixture(scope="module")
def canary_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_platform(Path(tmp_path_factory.mktemp("canary-code")))


@pytest.fixture(scope="module")
def canary_platform(canary_manifest: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    platform = start_platform(Path(tmp_path_factory.mktemp("canary-data")), manifest=canary_manifest)
    yield platform
    platform.stop()


def in_canary(email: str) -> bool:
    return zlib.crc32(email.encode()) % 100 < PERCENT


class Users:
    """One thread per signed-in user, each remembering the sequence of versions (or errors) it met."""

    def __init__(self, platform: RunningPlatform) -> None:
        self.platform = platform
        self.sessions = {email: platform.sign_in(email) for email in USERS}
        self.seen: dict[str, list[str]] = {email: [] for email in USERS}
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(email,), daemon=True) for email in USERS]

    def run(self, email: str) -> None:
        while not self.stop.is_set():
            try:
                answer = self.platform.request("GET", "/alpha/api/version", session=self.sessions[email])
                mark = json.loads(answer.body)["mark"] if answer.status == 200 else f"error {answer.status}"
            except Exception as exc:  # noqa: BLE001
                mark = f"error {type(exc).__name__}"
            seen = self.seen[email]
            if not seen or seen[-1] != mark:
                seen.append(mark)
            self.stop.wait(0.02)

    def __enter__(self) -> Users:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(10)


def version(platform: RunningPlatform) -> str:
    return worker_state(platform).version


def worker_state(platform: RunningPlatform) -> WorkerState:
    return asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock")).workers["dep-alpha"]


def canary_deploy(platform: RunningPlatform, manifest: Path, users: Users) -> subprocess.CompletedProcess[str]:
    """Run the canary deploy; the users start once routers send the canary its share, so each user's
    first answer already comes from the generation the hash gave them."""
    done: list[subprocess.CompletedProcess[str]] = []
    runner = threading.Thread(target=lambda: done.append(ganger(platform, manifest, "deploy", "dep-alpha", "--canary",
                                                                str(PERCENT), "--canary-seconds", "3")))
    runner.start()
    deadline = time.monotonic() + 30
    while not worker_state(platform).canary and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # the routers follow the published state within milliseconds
    with users:
        runner.join(60)
    return done[0]


def test_canary_sends_a_sticky_share_and_promotes_a_good_release(canary_platform: RunningPlatform,
                                                                  canary_manifest: Path) -> None:
    expected = {email for email in USERS if in_canary(email)}
    assert 0 < len(expected) < len(USERS)
    write_app(canary_manifest.parent, "dep-alpha", "v2")
    users = Users(canary_platform)
    result = canary_deploy(canary_platform, canary_manifest, users)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "promoted" in result.stdout and "error_rate" in result.stdout
    # the canary's users met the new version from their first request on; the others the old one until
    # the promotion, then the new one; nobody ever went back
    assert {email for email, seen in users.seen.items() if seen == ["v2"]} == expected
    assert all(seen == ["v1", "v2"] for email, seen in users.seen.items() if email not in expected)
    state = worker_state(canary_platform)
    assert state.canary == [] and state.canary_percent == 0
    assert any('"canary decision"' in line and '"promoted":true' in line for line in canary_platform.output)


def test_canary_with_errors_is_rolled_back_and_only_its_share_saw_them(canary_platform: RunningPlatform,
                                                                        canary_manifest: Path) -> None:
    expected = {email for email in USERS if in_canary(email)}
    running = version(canary_platform)
    write_app(canary_manifest.parent, "dep-alpha", "v3", erroring=True)
    users = Users(canary_platform)
    result = canary_deploy(canary_platform, canary_manifest, users)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rolled back: error rate" in result.stdout
    assert version(canary_platform) == running
    assert {email for email, seen in users.seen.items() if seen == ["error 500", "v2"]} == expected
    assert all(seen == ["v2"] for email, seen in users.seen.items() if email not in expected)
