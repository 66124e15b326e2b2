"""Imports of another app's code, found by reading source: catches imports done lazily inside functions.

The runtime probe only sees what an app imports at start; an `import apps.other` inside a
request handler would slip past it, so every .py file the app ships is read as well.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

APPS = "apps"
_IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True, slots=True)
class CrossImport:
    """`module` is another app's code; `where` is `file:line`, or how the probe saw it."""

    module: str
    where: str


def app_package(module: str) -> str | None:
    """`apps.inventory_staff.views` → `apps.inventory_staff`; None for code outside `apps`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == APPS and len(parts) > 1 else None


def foreign_apps(modules: Iterable[str], own_package: str) -> list[str]:
    """The other apps' packages among `modules`, each once, in order of first appearance."""
    found = (app_package(module) for module in modules)
    return list(dict.fromkeys(other for other in found if other is not None and other != own_package))


def static_cross_imports(files: Iterable[Path], *, package: str, package_dir: Path, root: Path) -> list[CrossImport]:
    """Each other app's package imported by the package's own .py files, once per line that names it."""
    found: dict[tuple[str, str], CrossImport] = {}
    for path in files:
        if path.suffix != ".py":
            continue
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            continue
        context = _package_context(path, package, package_dir)
        where = _shown(path, root)
        for line, module in _imported_modules(tree, context):
            other = app_package(module)
            if other is not None and other != package:
                found.setdefault((other, f"{where}:{line}"), CrossImport(other, f"{where}:{line}"))
    return list(found.values())


def _package_context(path: Path, package: str, package_dir: Path) -> str:
    """The package a relative import in `path` is resolved against."""
    parents = path.relative_to(package_dir).parent.parts
    return ".".join((package, *parents))


def _imported_modules(tree: ast.AST, context: str) -> Iterable[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, context)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_import_call(node) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, first.value


def _resolve(module: str | None, level: int, context: str) -> str:
    if level == 0:
        return module or ""
    parts = context.split(".")
    anchor = parts[: max(len(parts) - (level - 1), 0)]
    return ".".join([*anchor, module] if module else anchor)


def _is_import_call(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in _IMPORT_FUNCTIONS


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
