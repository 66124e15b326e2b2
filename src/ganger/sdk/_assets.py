"""Static assets under content-hashed names, so they can be cached for a year and never go stale."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    logical: str
    hashed: str
    content: bytes
    media_type: str
    etag: str


class AssetStore:
    """Every file of the given folders, read once at start. `url()` gives the hashed name."""

    def __init__(self, folders: dict[str, Path]) -> None:
        self._by_logical: dict[str, Asset] = {}
        self._by_hashed: dict[str, Asset] = {}
        for namespace, folder in folders.items():
            if not folder.is_dir():
                continue
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                logical = namespace + path.relative_to(folder).as_posix()
                content = path.read_bytes()
                digest = hashlib.sha256(content).hexdigest()[:10]
                stem, dot, suffix = logical.rpartition(".")
                hashed = f"{stem}.{digest}.{suffix}" if dot else f"{logical}.{digest}"
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if media_type.startswith("text/") or media_type in ("application/javascript", "image/svg+xml"):
                    media_type += "; charset=utf-8"
                asset = Asset(logical, hashed, content, media_type, f'"{digest}"')
                self._by_logical[logical] = asset
                self._by_hashed[hashed] = asset

    def url(self, logical: str) -> str:
        """The hashed name of `logical` (relative to the static root)."""
        return self._by_logical[logical].hashed

    def has(self, logical: str) -> bool:
        return logical in self._by_logical

    def find(self, name: str) -> tuple[Asset, bool] | None:
        """The asset served at `name` and whether that name is the immutable, hashed one."""
        asset = self._by_hashed.get(name)
        if asset is not None:
            return asset, True
        asset = self._by_logical.get(name)
        return (asset, False) if asset is not None else None

    @property
    def total_bytes(self) -> int:
        return sum(len(a.content) for a in self._by_logical.values())
