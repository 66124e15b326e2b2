"""The analyser's findings: per unit (each worker, the router) and for the platform as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._files import COMPRESSION, Size
from ._imports import CrossImport

KB = 1024
PLATFORM_BUDGET_KB = 10 * 1024


@dataclass(frozen=True, slots=True)
class UnitReport:
    """One deployable unit's bundle: its own files plus the third-party code only it loads."""

    name: str
    kind: str
    module: str
    budget_kb: int
    own: Size
    third_party: Size = Size()
    third_party_packages: tuple[tuple[str, Size], ...] = ()
    closure_modules: int = 0
    closure_raw: int = 0
    cross_app: tuple[CrossImport, ...] = ()
    error: str | None = None

    @property
    def bundle(self) -> Size:
        return self.own + self.third_party

    @property
    def over_budget(self) -> bool:
        return self.bundle.compressed > self.budget_kb * KB

    @property
    def problems(self) -> list[str]:
        found: list[str] = []
        if self.error:
            found.append(f"{self.name}: {self.error}")
        if self.over_budget:
            found.append(f"{self.name}: bundle is {self.bundle.compressed / KB:,.1f} KB compressed, "
                         f"over its budget of {self.budget_kb:,} KB")
        found += [f"{self.name}: imports another app's code: {c.module} ({c.where})" for c in self.cross_app]
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "module": self.module,
            "budget_kb": self.budget_kb,
            "own": _size(self.own),
            "third_party": {
                **_size(self.third_party),
                "packages": {name: _size(size) for name, size in self.third_party_packages},
            },
            "bundle": _size(self.bundle),
            "closure": {"modules": self.closure_modules, "raw": self.closure_raw},
            "cross_app_imports": [{"module": c.module, "where": c.where} for c in self.cross_app],
            "error": self.error,
            "problems": self.problems,
            "ok": not self.problems,
        }


@dataclass(frozen=True, slots=True)
class BundleReport:
    """`complete` is False when only some units were analysed: the total then covers only those."""

    units: tuple[UnitReport, ...]
    base_modules: int
    base_raw: int
    complete: bool
    platform_budget_kb: int = PLATFORM_BUDGET_KB
    compression: str = COMPRESSION

    @property
    def total_compressed(self) -> int:
        return sum(unit.bundle.compressed for unit in self.units)

    @property
    def problems(self) -> list[str]:
        found = [problem for unit in self.units for problem in unit.problems]
        if self.total_compressed > self.platform_budget_kb * KB:
            found.append(f"platform: bundles total {self.total_compressed / KB:,.1f} KB compressed, "
                         f"over the platform budget of {self.platform_budget_kb:,} KB")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "compression": self.compression,
            "kb": KB,
            "base": {"modules": self.base_modules, "raw": self.base_raw},
            "units": [unit.to_dict() for unit in self.units],
            "total": {"compressed": self.total_compressed, "budget_kb": self.platform_budget_kb,
                      "complete": self.complete},
            "problems": self.problems,
            "ok": self.ok,
        }


def _size(size: Size) -> dict[str, int]:
    return {"files": size.files, "raw": size.raw, "compressed": size.compressed}
