"""Releases without a running platform: content-addressed, immutable, complete, and the facade's exports."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

import ganger.deploy
from ganger.deploy import ReleaseError, create_release, list_releases, load_release
from ganger.deploy._releases import HistoryEntry, previous_version, record
from ganger.manifest import load_manifest
from ganger.versioning import tree_version
from tests.support.deploy_platform import write_app, write_platform


def test_a_release_is_the_package_by_content_hash_without_tests_or_caches(tmp_path: Path) -> None:
    manifest = load_manifest(write_platform(tmp_path / "code"))
    package = tmp_path / "code" / "apps" / "dep_alpha"
    (package / "tests").mkdir()
    (package / "tests" / "test_x.py").write_text("")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.pyc").write_bytes(b"")
    release = create_release(manifest, tmp_path / "data", "dep-alpha", by="someone")
    folder = Path(release.path)
    assert release.version == tree_version(package) and folder.name == release.version
    assert (folder / "apps" / "__init__.py").is_file() and (folder / "apps" / "dep_alpha" / "__init__.py").is_file()
    assert not (folder / "apps" / "dep_alpha" / "tests").exists()
    assert not (folder / "apps" / "dep_alpha" / "__pycache__").exists()
    assert not stat.S_IMODE((folder / "apps" / "dep_alpha" / "__init__.py").stat().st_mode) & 0o222  # read-only
    assert release.by == "someone" and load_release(tmp_path / "data", "dep-alpha", release.version) == release
    assert create_release(manifest, tmp_path / "data", "dep-alpha") == release  # same content, same release
    write_app(tmp_path / "code", "dep-alpha", "v2")
    second = create_release(manifest, tmp_path / "data", "dep-alpha")
    assert second.version != release.version
    assert [r.version for r in list_releases(tmp_path / "data", "dep-alpha")] == [release.version, second.version]


def test_previous_version_follows_the_history(tmp_path: Path) -> None:
    data = tmp_path / "data"
    record(data, HistoryEntry(at=1, worker="w", action="deploy", version="b", previous="a", by="x", ok=True))
    record(data, HistoryEntry(at=2, worker="w", action="deploy", version="c", previous="b", by="x", ok=False))
    assert previous_version(data, "w", "b") == "a"
    assert previous_version(data, "w", "c") is None  # a failed deploy never ran


def test_unknown_or_external_workers_have_no_release(tmp_path: Path) -> None:
    manifest = load_manifest(write_platform(tmp_path / "code"))
    with pytest.raises(ReleaseError, match="no worker named"):
        create_release(manifest, tmp_path / "data", "nobody")
    with pytest.raises(ReleaseError):
        load_release(tmp_path / "data", "dep-alpha", "0" * 12)


def test_the_facade_exports_exactly_its_sorted_public_names() -> None:
    assert ganger.deploy.__all__ == sorted(ganger.deploy.__all__, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(ganger.deploy, name) for name in ganger.deploy.__all__)
    public = {n for n in vars(ganger.deploy) if not n.startswith("_") and not isinstance(getattr(ganger.deploy, n), type(ganger))}
    assert public == set(ganger.deploy.__all__)
