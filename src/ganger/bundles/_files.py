"""Which files make up a package's own code and assets, and how big they are raw and compressed."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

COMPRESSION = "zlib level 9, each file compressed on its own, sizes summed"
_EXCLUDED_DIRS = frozenset({"tests", "__pycache__"})


@dataclass(frozen=True, slots=True)
class Size:
    files: int = 0
    raw: int = 0
    compressed: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(self.files + other.files, self.raw + other.raw, self.compressed + other.compressed)


def package_files(directory: Path) -> list[Path]:
    """Everything a deploy of this package ships: code, templates, static assets — not its tests or caches."""
    found: list[Path] = []
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if path.is_file() and not _EXCLUDED_DIRS.intersection(relative.parts[:-1]) and path.suffix != ".pyc":
            found.append(path)
    return sorted(found)


class Sizer:
    """Measures each file once per run: the base's files recur in every worker's closure."""

    def __init__(self) -> None:
        self._raw: dict[Path, int] = {}
        self._compressed: dict[Path, int] = {}

    def raw(self, paths: Iterable[Path]) -> int:
        return sum(self._raw_one(path) for path in set(paths))

    def measure(self, paths: Iterable[Path]) -> Size:
        unique = set(paths)
        return Size(len(unique), self.raw(unique), sum(self._compressed_one(path) for path in unique))

    def _raw_one(self, path: Path) -> int:
        if path not in self._raw:
            self._raw[path] = path.stat().st_size if path.is_file() else 0
        return self._raw[path]

    def _compressed_one(self, path: Path) -> int:
        if path not in self._compressed:
            self._compressed[path] = len(zlib.compress(path.read_bytes(), 9)) if path.is_file() else 0
        return self._compressed[path]
