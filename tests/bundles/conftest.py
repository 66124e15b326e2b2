"""Run `ganger bundles` as a user would: a subprocess, against the real tree or a temporary copy of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_bundles(manifest: Path, *args: str) -> Run:
    env = {**os.environ, "GANGER_MANIFEST": str(manifest), "GANGER_DATA_DIR": str(manifest.parent / "var")}
    done = subprocess.run([sys.executable, "-m", "ganger.cli.main", "bundles", *args], cwd=manifest.parent, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """platform.toml and apps/ copied to a temporary folder, so tests can plant faults without touching the tree."""
    shutil.copy2(ROOT / "platform.toml", tmp_path / "platform.toml")
    shutil.copytree(ROOT / "apps", tmp_path / "apps", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return tmp_path
