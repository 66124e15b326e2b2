"""The pieces the analyser is built from, checked in-process: file selection and the source scan."""

from __future__ import annotations

from pathlib import Path

from ganger.bundles import Size, package_files, static_cross_imports


def test_package_files_leave_out_tests_caches_and_bytecode(tmp_path: Path) -> None:
    for name in ("__init__.py", "static/app.css", "tests/test_x.py", "__pycache__/x.cpython-311.pyc", "old.pyc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in package_files(tmp_path)] == ["__init__.py", "static/app.css"]


def test_sizes_add_up_field_by_field() -> None:
    assert Size(1, 10, 5) + Size(2, 20, 7) == Size(3, 30, 12)


def _scan(tmp_path: Path, source: str, name: str = "views.py") -> list[str]:
    package_dir = tmp_path / "apps" / "mine"
    package_dir.mkdir(parents=True, exist_ok=True)
    (package_dir / name).write_text(source)
    found = static_cross_imports(package_files(package_dir), package="apps.mine", package_dir=package_dir,
                                 root=tmp_path)
    return [f"{c.module} {c.where}" for c in found]


def test_scan_finds_absolute_from_and_dynamic_imports_of_other_apps(tmp_path: Path) -> None:
    source = "import apps.other\nfrom apps.third import x\nimport importlib\nimportlib.import_module('apps.fourth')\n"
    assert _scan(tmp_path, source) == ["apps.other apps/mine/views.py:1", "apps.third apps/mine/views.py:2",
                                       "apps.fourth apps/mine/views.py:4"]


def test_scan_resolves_relative_imports_against_the_file(tmp_path: Path) -> None:
    assert _scan(tmp_path, "from .. import other\nfrom . import sibling\n") == ["apps.other apps/mine/views.py:1"]


def test_scan_accepts_own_package_and_the_sdk(tmp_path: Path) -> None:
    assert _scan(tmp_path, "import apps.mine.views\nfrom apps.mine import x\nfrom ganger.sdk import WorkerApp\n") == []
