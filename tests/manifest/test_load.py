"""The manifest is the single source of truth, and a bad one fails at start naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganger.errors import ManifestError
from ganger.manifest import load_manifest
from tests.support.platform import ROOT

GOOD = (ROOT / "platform.toml").read_text()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "platform.toml"
    path.write_text(text)
    (tmp_path / "apps").symlink_to(ROOT / "apps")
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_real_manifest_declares_the_twenty_workers_of_the_seed() -> None:
    manifest = load_manifest(ROOT / "platform.toml")
    assert len(manifest.staff_workers) == 16
    assert len(manifest.patient_workers) == 4
    assert manifest.worker("ganger-inventory-staff").prefix == "/inventory"
    assert manifest.worker("ganger-handouts-patient").host == "handouts"
    assert all(w.auth_required for w in manifest.staff_workers)
    assert not any(w.auth_required for w in manifest.patient_workers)


def test_budgets_come_from_the_worker_kind_unless_overridden(tmp_path: Path) -> None:
    text = GOOD.replace('entry = "apps.l10_staff:app"', 'entry = "apps.l10_staff:app"\nbudgets = { cpu_ms = 80 }')
    manifest = load_manifest(write(tmp_path, text))
    assert manifest.worker("ganger-l10-staff").budgets.cpu_ms == 80
    assert manifest.worker("ganger-l10-staff").budgets.bundle_kb == 500
    assert manifest.worker("ganger-meds-patient").budgets.bundle_kb == 300


def test_unknown_key_fails_naming_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('prefix = "/meds"', 'prefix = "/meds"\nprefixx = "/oops"')
    with pytest.raises(ManifestError, match="unknown key 'prefixx'") as caught:
        load_manifest(write(tmp_path, text))
    assert caught.value.line == line_of(text, "prefixx")


def test_unknown_budget_key_fails_naming_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("cpu_ms = 50\nconcurrency", "cpu_msec = 50\nconcurrency", 1)
    with pytest.raises(ManifestError, match="cpu_msec") as caught:
        load_manifest(write(tmp_path, text))
    assert caught.value.line == line_of(text, "cpu_msec")


def test_duplicate_prefix_fails_naming_the_second_worker(tmp_path: Path) -> None:
    text = GOOD.replace('prefix = "/batch"', 'prefix = "/Inventory/"')
    with pytest.raises(ManifestError, match="already used by ganger-inventory-staff") as caught:
        load_manifest(write(tmp_path, text))
    assert caught.value.line == line_of(text, '"/Inventory/"')


def test_missing_worker_module_fails_naming_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('entry = "apps.phones_staff:app"', 'entry = "apps.no_such_app:app"')
    with pytest.raises(ManifestError, match="'apps.no_such_app' cannot be found") as caught:
        load_manifest(write(tmp_path, text))
    assert caught.value.line == line_of(text, "no_such_app")


def test_wrong_type_fails_naming_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('replicas', 'replicas', 1).replace('prefix = "/l10"', 'prefix = "/l10"\nmin_replicas = "two"')
    with pytest.raises(ManifestError, match="Expected `int`") as caught:
        load_manifest(write(tmp_path, text))
    assert caught.value.line == line_of(text, 'min_replicas = "two"')


def test_prefix_with_dot_segments_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="prefix"):
        load_manifest(write(tmp_path, GOOD.replace('prefix = "/reps"', 'prefix = "/a/../reps"')))


def test_staff_portal_needs_a_root_worker(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no staff worker has prefix '/'"):
        load_manifest(write(tmp_path, GOOD.replace('kind = "staff"\nprefix = "/"\n', 'kind = "staff"\nprefix = "/home"\n')))


def test_the_sign_in_prefix_is_reserved(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="reserved for staff sign-in"):
        load_manifest(write(tmp_path, GOOD.replace('prefix = "/showcase"', 'prefix = "/auth"')))


def test_always_warm_must_name_a_worker(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="ganger-nobody"):
        load_manifest(write(tmp_path, GOOD.replace('"ganger-handouts-patient"]', '"ganger-nobody"]')))
