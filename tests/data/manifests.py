"""Trimmed copies of platform.toml for tests that need only a few workers (but sign-in and all else)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from tests.support.platform import ROOT


def manifest_with(folder: Path, workers: Iterable[str], replicas: Mapping[str, int] | None = None) -> Path:
    """platform.toml keeping every non-worker section, only `workers`, with fixed replica counts if given."""
    wanted, counts = set(workers), dict(replicas or {})
    source = (ROOT / "platform.toml").read_text()
    head, *sections = re.split(r"(?m)^(?=\[)", source)
    kept = [head]
    for section in sections:
        name = section.split("]", 1)[0].lstrip("[")
        if name.startswith("workers."):
            worker = name.removeprefix("workers.")
            if worker not in wanted:
                continue
            if worker in counts:
                section = section.rstrip() + f"\nmin_replicas = {counts[worker]}\nmax_replicas = {counts[worker]}\n\n"
        if name == "warmup":
            warm = [w for w in re.findall(r'"([^"]+)"', section.split("always_warm", 1)[1].split("]", 1)[0]) if w in wanted]
            section = re.sub(r"(?m)^always_warm = \[[^\]]*\]", f"always_warm = {warm!r}".replace("'", '"'), section)
        kept.append(section)
    path = folder / "platform.toml"
    path.write_text("".join(kept))
    return path
