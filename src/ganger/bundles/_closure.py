"""A unit's import closure: what `sys.modules` holds after a fresh interpreter imports its entry.

Imports are measured by running them, not by reading source, because a module's closure depends
on what its dependencies import at run time (optional back-ends, platform checks).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import GangerError

SHARED_BASE: tuple[str, ...] = (
    "ganger.sdk",
    "ganger.runtime.replica",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.httptools_impl",
)
"""What every worker process has loaded before its app's first request.

The last two are the event loop and HTTP parser the replica configures uvicorn with; uvicorn
imports them lazily when it starts serving, so importing the replica module alone misses them.
"""

_PROBE_SOURCE = (Path(__file__).with_name("_probe.py")).read_text(encoding="utf-8")
_PROBE_TIMEOUT_S = 120.0


class ProbeError(GangerError):
    """A unit's entry module could not be imported, so its closure is unknown."""


@dataclass(frozen=True, slots=True)
class Closure:
    """Module name → the file it was loaded from (None for built-in and namespace modules)."""

    modules: Mapping[str, str | None]

    def files(self, names: Iterable[str] | None = None) -> set[Path]:
        chosen = self.modules if names is None else names
        return {Path(file) for name in chosen if (file := self.modules.get(name))}

    def added_to(self, base: Closure) -> list[str]:
        return sorted(name for name in self.modules if name not in base.modules)


def probe(modules: Sequence[str], *, root: Path, env: Mapping[str, str] | None = None) -> Closure:
    """Import `modules` in order in a new interpreter whose working folder and first path entry is `root`."""
    environment = {**os.environ, **(env or {})}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE_SOURCE, str(root), *modules],
            cwd=root, env=environment, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(f"importing {modules[-1]} took longer than {_PROBE_TIMEOUT_S:.0f} s") from exc
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise ProbeError(f"importing {modules[-1]} failed: {lines[-1] if lines else f'exit {done.returncode}'}")
    return Closure(json.loads(done.stdout))
