"""The real tree is within every budget, and the report covers every worker in the manifest and the router."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ganger.manifest import load_manifest

from .conftest import ROOT, Run, run_bundles

MANIFEST = load_manifest(ROOT / "platform.toml", check_modules=False)


@pytest.fixture(scope="module")
def real_json() -> tuple[Run, dict[str, Any]]:
    run = run_bundles(ROOT / "platform.toml", "--json")
    return run, json.loads(run.stdout)


def test_real_tree_passes(real_json: tuple[Run, dict[str, Any]]) -> None:
    run, report = real_json
    assert run.returncode == 0, run.stderr
    assert report["ok"] is True
    assert report["problems"] == []


def test_real_tree_reports_every_worker_and_the_router(real_json: tuple[Run, dict[str, Any]]) -> None:
    _, report = real_json
    names = [unit["name"] for unit in report["units"]]
    assert len(MANIFEST.workers) == 20
    assert names == [w.name for w in MANIFEST.workers] + [MANIFEST.router.name]
    assert report["units"][-1]["kind"] == "router"
    assert report["total"]["complete"] is True


def test_json_report_has_sizes_budgets_and_closure_per_unit(real_json: tuple[Run, dict[str, Any]]) -> None:
    _, report = real_json
    assert report["kb"] == 1024
    assert "zlib" in report["compression"]
    assert report["base"]["modules"] > 0
    assert report["total"]["budget_kb"] == 10240
    for unit in report["units"]:
        assert set(unit) >= {"name", "kind", "module", "budget_kb", "own", "third_party", "bundle", "closure",
                             "cross_app_imports", "problems", "ok"}
        assert set(unit["own"]) == set(unit["bundle"]) == {"files", "raw", "compressed"}
        assert unit["bundle"]["compressed"] == unit["own"]["compressed"] + unit["third_party"]["compressed"]
        assert unit["closure"]["modules"] > 0 and unit["closure"]["raw"] > 0
    assert report["total"]["compressed"] == sum(u["bundle"]["compressed"] for u in report["units"])


def test_budgets_come_from_the_manifest(real_json: tuple[Run, dict[str, Any]]) -> None:
    _, report = real_json
    budgets = {w.name: w.budgets.bundle_kb for w in MANIFEST.workers} | {MANIFEST.router.name: 50}
    assert {u["name"]: u["budget_kb"] for u in report["units"]} == budgets


def test_table_names_the_selected_worker_and_the_compression() -> None:
    run = run_bundles(ROOT / "platform.toml", "ganger-status-staff")
    assert run.returncode == 0, run.stderr
    assert "ganger-status-staff" in run.stdout
    assert "zlib -9" in run.stdout
    assert "ganger-inventory-staff" not in run.stdout


def test_unknown_worker_name_is_a_usage_error() -> None:
    run = run_bundles(ROOT / "platform.toml", "ganger-no-such-worker")
    assert run.returncode == 2
    assert "ganger-no-such-worker" in run.stderr
