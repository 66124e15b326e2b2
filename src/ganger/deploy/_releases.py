"""Releases: immutable, content-addressed snapshots of one worker's code, kept in the data dir.

    <data>/releases/<worker>/<version>/apps/__init__.py
                                       apps/<package>/…      (no tests, no __pycache__)
                                       release.json          (worker, version, module, time, who)
    <data>/releases/<worker>/history.jsonl                   (every deploy and rollback, in order)

The version is the content hash of the package (`ganger.versioning.tree_version`), the same one a
running worker reports, so "which code is this" has one answer everywhere. A release folder is
written beside its final name and renamed into place, so it is either complete or absent.
"""

from __future__ import annotations

import getpass
import importlib.util
import os
import shutil
import time
from pathlib import Path

import msgspec

from ..errors import GangerError
from ..manifest import Manifest
from ..versioning import tree_version

ROUTER = "router"
_IGNORED = shutil.ignore_patterns("tests", "__pycache__", "*.pyc", ".pytest_cache")


class ReleaseError(GangerError):
    """A release cannot be made or found."""


class Release(msgspec.Struct, frozen=True):
    worker: str
    version: str
    module: str
    created_at: float
    by: str
    path: str = ""  # the folder put first on the replica's sys.path


class HistoryEntry(msgspec.Struct, frozen=True):
    at: float
    worker: str
    action: str  # "deploy", "rollback", "canary"
    version: str
    previous: str
    by: str
    ok: bool
    error: str = ""


def releases_dir(data_dir: Path) -> Path:
    return data_dir / "releases"


def deployer(by: str | None = None) -> str:
    if by:
        return by
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def package_source(manifest: Manifest, worker: str) -> tuple[str, Path]:
    """The worker's module and its package folder (apps live beside the manifest); the router's is `ganger`."""
    if worker == ROUTER:
        spec = importlib.util.find_spec("ganger")
        assert spec is not None and spec.submodule_search_locations
        return "ganger", Path(next(iter(spec.submodule_search_locations)))
    try:
        entry = manifest.worker(worker)
    except KeyError as exc:
        raise ReleaseError(f"no worker named {worker!r} in {manifest.path}") from exc
    if entry.upstream:
        raise ReleaseError(f"{worker} is an external worker ({entry.upstream}); it is not deployed from here")
    folder = manifest.path.parent.joinpath(*entry.module.split("."))
    if not (folder / "__init__.py").is_file():
        raise ReleaseError(f"{worker}: {entry.module} is not a package beside the manifest; only packages are released")
    return entry.module, folder


def create_release(manifest: Manifest, data_dir: Path, worker: str, by: str | None = None) -> Release:
    """Snapshot the worker's package as it is now; the same content gives the same (existing) release."""
    module, source = package_source(manifest, worker)
    version = tree_version(source)
    folder = releases_dir(data_dir) / worker / version
    if (folder / "release.json").is_file():
        return load_release(data_dir, worker, version)
    staging = folder.with_name(f".{version}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    parts = module.split(".")
    parent = staging
    for depth, part in enumerate(parts[:-1]):
        parent = parent / part
        parent.mkdir(parents=True, exist_ok=True)
        original = source.parents[len(parts) - 2 - depth] / "__init__.py"
        if original.is_file() and module != "ganger":
            shutil.copyfile(original, parent / "__init__.py")
        else:
            (parent / "__init__.py").touch()
    shutil.copytree(source, parent / parts[-1], ignore=_IGNORED)
    if tree_version(parent / parts[-1]) != version:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReleaseError(f"{worker}: the package changed while it was being copied; try again")
    release = Release(worker=worker, version=version, module=module, created_at=time.time(), by=deployer(by))
    (staging / "release.json").write_bytes(msgspec.json.encode(release))
    for path in staging.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
    try:
        staging.rename(folder)
    except OSError:  # made by someone else meanwhile: theirs is identical
        shutil.rmtree(staging, ignore_errors=True)
    return load_release(data_dir, worker, version)


def load_release(data_dir: Path, worker: str, version: str) -> Release:
    folder = releases_dir(data_dir) / worker / version
    try:
        release = msgspec.json.decode((folder / "release.json").read_bytes(), type=Release)
    except (FileNotFoundError, msgspec.DecodeError) as exc:
        raise ReleaseError(f"{worker} has no release {version} in {releases_dir(data_dir)}") from exc
    return msgspec.structs.replace(release, path=str(folder))


def list_releases(data_dir: Path, worker: str) -> list[Release]:
    """Every release of the worker, oldest first."""
    folder = releases_dir(data_dir) / worker
    found = []
    for child in folder.iterdir() if folder.is_dir() else []:
        if (child / "release.json").is_file():
            found.append(load_release(data_dir, worker, child.name))
    return sorted(found, key=lambda r: r.created_at)


def record(data_dir: Path, entry: HistoryEntry) -> None:
    path = releases_dir(data_dir) / entry.worker / "history.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as stream:
        stream.write(msgspec.json.encode(entry) + b"\n")


def history(data_dir: Path, worker: str) -> list[HistoryEntry]:
    path = releases_dir(data_dir) / worker / "history.jsonl"
    if not path.is_file():
        return []
    decoder = msgspec.json.Decoder(HistoryEntry)
    return [decoder.decode(line) for line in path.read_bytes().splitlines() if line.strip()]


def previous_version(data_dir: Path, worker: str, running: str) -> str | None:
    """The version that ran before `running`: the last successful switch's `previous`, else the release
    made before it."""
    for entry in reversed(history(data_dir, worker)):
        if entry.ok and entry.version == running and entry.previous and entry.previous != running:
            return entry.previous
    versions = [r.version for r in list_releases(data_dir, worker)]
    if running in versions and versions.index(running) > 0:
        return versions[versions.index(running) - 1]
    return None
