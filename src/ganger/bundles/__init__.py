"""`ganger bundles`: each worker's bundle (own code and assets + third-party code only it imports) against its budget.

A worker's bundle is what it adds on top of the shared base every worker has preloaded
(interpreter, framework, platform SDK), measured compressed; importing another app's code is an
error. See docs/bundles.md.
"""

from ._analyse import analyse
from ._closure import SHARED_BASE, Closure, ProbeError, probe
from ._files import COMPRESSION, Size, package_files
from ._imports import CrossImport, static_cross_imports
from ._render import render
from ._report import KB, PLATFORM_BUDGET_KB, BundleReport, UnitReport
from ._units import Unit, UnknownUnitError, select_units

__all__ = [
    "COMPRESSION",
    "KB",
    "PLATFORM_BUDGET_KB",
    "SHARED_BASE",
    "BundleReport",
    "Closure",
    "CrossImport",
    "ProbeError",
    "Size",
    "Unit",
    "UnitReport",
    "UnknownUnitError",
    "analyse",
    "package_files",
    "probe",
    "render",
    "select_units",
    "static_cross_imports",
]
