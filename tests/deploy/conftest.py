"""One running deploy-test platform per module: starting one costs a few seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.deploy_platform import write_platform
from tests.support.platform import RunningPlatform, start_platform


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_platform(Path(tmp_path_factory.mktemp("deploy-code")))


@pytest.fixture(scope="module")
def running(manifest: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    platform = start_platform(Path(tmp_path_factory.mktemp("deploy-data")), manifest=manifest)
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def session(running: RunningPlatform) -> str:
    return running.sign_in()
