from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.platform import ROOT, RunningPlatform, start_platform

ECHO_MANIFEST = ROOT / "tests" / "support" / "echo_platform.toml"


@pytest.fixture(scope="session")
def echo_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    """A running platform whose workers echo what the router forwarded to them."""
    running = start_platform(Path(tmp_path_factory.mktemp("echo-data")), manifest=ECHO_MANIFEST)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def echo_session(echo_platform: RunningPlatform) -> str:
    return echo_platform.sign_in("echo@gangerdermatology.com")
