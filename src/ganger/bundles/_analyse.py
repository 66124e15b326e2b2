"""Measure every unit's bundle against its budget: probe imports in parallel, then size the files."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from ..manifest import Manifest
from ._closure import SHARED_BASE, Closure, ProbeError, probe
from ._files import Size, Sizer, package_files
from ._imports import CrossImport, foreign_apps, static_cross_imports
from ._report import BundleReport, UnitReport
from ._units import Unit, select_units

_LOADED_AT_START = "loaded when it starts"


def analyse(manifest: Manifest, names: Sequence[str] = (), *, parallel: int | None = None) -> BundleReport:
    """Analyse the units named (all when none are): one import probe per unit, `parallel` at a time.

    Raises ProbeError if the shared base itself cannot be imported, since nothing can be
    measured against it; a unit that fails to import is reported as that unit's problem.
    """
    units = select_units(manifest, names)
    root = manifest.path.parent
    env = {"GANGER_MANIFEST": str(manifest.path)}
    with ThreadPoolExecutor(max_workers=parallel or max(2, min(8, os.cpu_count() or 2))) as pool:
        base_future = pool.submit(probe, SHARED_BASE, root=root, env=env)
        futures = [pool.submit(_probe_unit, unit, root, env) for unit in units]
        base = base_future.result()
        probed = [future.result() for future in futures]
    sizer = Sizer()
    return BundleReport(
        units=tuple(_measure(unit, result, base, root, sizer) for unit, result in zip(units, probed, strict=True)),
        base_modules=len(base.modules),
        base_raw=sizer.raw(base.files()),
        complete=len(units) == len(select_units(manifest)),
    )


def _probe_unit(unit: Unit, root: Path, env: dict[str, str]) -> Closure | ProbeError:
    try:
        return probe(unit.imports, root=root, env={**env, **unit.env})
    except ProbeError as exc:
        return exc


def _measure(unit: Unit, probed: Closure | ProbeError, base: Closure, root: Path, sizer: Sizer) -> UnitReport:
    closure = probed if isinstance(probed, Closure) else None
    package_dir, files = _package_files(unit, closure, root)
    cross = [] if package_dir is None else static_cross_imports(files, package=unit.package, package_dir=package_dir,
                                                                root=root)
    report = partial(UnitReport, name=unit.name, kind=unit.kind, module=unit.entry_module, budget_kb=unit.budget_kb)
    if closure is None:
        return report(own=sizer.measure(files), cross_app=tuple(cross), error=str(probed))
    own_modules = [name for name in closure.modules if unit.owns(name)]
    extras = [name for name in closure.added_to(base) if _is_third_party(name, unit) and closure.modules[name]]
    seen = {c.module for c in cross}
    cross += [CrossImport(other, _LOADED_AT_START) for other in foreign_apps(closure.modules, unit.package)
              if other not in seen]
    return report(
        own=sizer.measure([*files, *closure.files(own_modules)]),
        third_party=sizer.measure(closure.files(extras)),
        third_party_packages=_by_package(extras, closure, sizer),
        closure_modules=len(closure.modules),
        closure_raw=sizer.raw(closure.files()),
        cross_app=tuple(cross),
    )


def _package_files(unit: Unit, closure: Closure | None, root: Path) -> tuple[Path | None, list[Path]]:
    """The unit's package folder and its files; where it was loaded from if known, else beside the manifest."""
    loaded = closure.modules.get(unit.package) if closure else None
    if loaded:
        file = Path(loaded)
        return (file.parent, package_files(file.parent)) if file.name == "__init__.py" else (file.parent, [file])
    folder = root.joinpath(*unit.package.split("."))
    return (folder, package_files(folder)) if folder.is_dir() else (None, [])


def _is_third_party(module: str, unit: Unit) -> bool:
    """Added by this unit and shipped with it: not its own code, not the interpreter's standard library."""
    ancestors = {unit.package.rsplit(".", n)[0] for n in range(1, unit.package.count(".") + 1)}
    return not unit.owns(module) and module not in ancestors and module.partition(".")[0] not in sys.stdlib_module_names


def _by_package(modules: list[str], closure: Closure, sizer: Sizer) -> tuple[tuple[str, Size], ...]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for name in modules:
        grouped[name.partition(".")[0]].append(name)
    sized = [(top, sizer.measure(closure.files(names))) for top, names in grouped.items()]
    return tuple(sorted(sized, key=lambda item: -item[1].compressed))

