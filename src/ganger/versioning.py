"""Content hashes that name what is running: the same files always give the same version."""

from __future__ import annotations

import hashlib
from pathlib import Path

_SKIPPED_DIRS = {"__pycache__", "tests", ".pytest_cache"}


def tree_version(root: Path, length: int = 12) -> str:
    """A short SHA-256 over the relative names and contents of every file under `root`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if _SKIPPED_DIRS.intersection(relative.parts) or path.suffix == ".pyc":
            continue
        digest.update(str(relative).encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:length]
