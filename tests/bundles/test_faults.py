"""Faults planted in a temporary copy of the tree fail the analyser, naming the worker and the reason."""

from __future__ import annotations

import os
from pathlib import Path

from .conftest import Run, run_bundles


def _plant_blob(tree_copy: Path, app: str, worker: str, kb: int, folder: str = "") -> Run:
    """Random bytes do not compress, so `kb` KB of them weigh `kb` KB in the bundle."""
    where = tree_copy / "apps" / app / folder
    where.mkdir(parents=True, exist_ok=True)
    (where / "blob.bin").write_bytes(os.urandom(kb * 1024))
    return run_bundles(tree_copy / "platform.toml", worker)


def _prepend_to_kiosk_admin(tree_copy: Path, source: str) -> Run:
    init = tree_copy / "apps" / "kiosk_admin" / "__init__.py"
    init.write_text(source + init.read_text())
    return run_bundles(tree_copy / "platform.toml", "ganger-kiosk-admin")


def _assert_fails_with(run: Run, *messages: str) -> None:
    assert run.returncode == 1, run.stderr
    for message in messages:
        assert message in run.stderr


def test_over_budget_asset_fails_naming_the_worker(tree_copy: Path) -> None:
    run = _plant_blob(tree_copy, "inventory_staff", "ganger-inventory-staff", 520)
    _assert_fails_with(run, "ganger-inventory-staff: bundle is", "over its budget of 500 KB")


def test_patient_budget_is_smaller_than_staff(tree_copy: Path) -> None:
    run = _plant_blob(tree_copy, "handouts_patient", "ganger-handouts-patient", 320)
    _assert_fails_with(run, "ganger-handouts-patient: bundle is", "over its budget of 300 KB")


def test_files_under_tests_do_not_count(tree_copy: Path) -> None:
    run = _plant_blob(tree_copy, "inventory_staff", "ganger-inventory-staff", 520, folder="tests")
    assert run.returncode == 0, run.stderr


def test_cross_app_import_at_start_fails_naming_both_apps(tree_copy: Path) -> None:
    run = _prepend_to_kiosk_admin(tree_copy, "import apps.inventory_staff\n")
    _assert_fails_with(run, "ganger-kiosk-admin: imports another app's code: apps.inventory_staff")


def test_cross_app_import_hidden_from_the_source_scan_is_caught_at_start(tree_copy: Path) -> None:
    run = _prepend_to_kiosk_admin(tree_copy, "import importlib\nimportlib.import_module('apps.' + 'reps_admin')\n")
    _assert_fails_with(
        run, "ganger-kiosk-admin: imports another app's code: apps.reps_admin (loaded when it starts)"
    )


def test_lazy_cross_app_import_is_found_in_source(tree_copy: Path) -> None:
    (tree_copy / "apps" / "kiosk_admin" / "later.py").write_text(
        "def handler():\n    from .. import meds_staff\n    return meds_staff\n"
    )
    run = run_bundles(tree_copy / "platform.toml", "ganger-kiosk-admin")
    _assert_fails_with(
        run, "ganger-kiosk-admin: imports another app's code: apps.meds_staff (apps/kiosk_admin/later.py:2)"
    )


def test_import_failure_fails_naming_the_worker(tree_copy: Path) -> None:
    run = _prepend_to_kiosk_admin(tree_copy, "import no_such_module_anywhere\n")
    _assert_fails_with(run, "ganger-kiosk-admin: importing apps.kiosk_admin failed")
