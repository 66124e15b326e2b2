from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.platform import RunningPlatform, start_platform


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    """The real platform from platform.toml: a router and 20 worker processes on a free port."""
    running = start_platform(Path(tmp_path_factory.mktemp("platform-data")))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def staff_session(platform: RunningPlatform) -> str:
    """A dev sign-in session of an ordinary member of staff."""
    return platform.sign_in("dev@gangerdermatology.com")


@pytest.fixture(scope="session")
def admin_session(platform: RunningPlatform) -> str:
    return platform.sign_in("admin@gangerdermatology.com", admin=True)
