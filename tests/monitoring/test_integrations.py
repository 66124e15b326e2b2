"""The status page's checks: the database answers SELECT 1, sign-in settings without secrets, disk space."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ganger.manifest import load_manifest
from ganger.monitoring.integrations import check_database, check_databases, disk_usage, sign_in_settings
from tests.support.platform import ROOT

MANIFEST = load_manifest(ROOT / "platform.toml", check_modules=False)


def test_default_sqlite_database_is_reachable_with_its_latency(tmp_path: Path) -> None:
    check = check_database(tmp_path, {})
    assert check.reachable and check.backend == "sqlite"
    assert check.latency_ms is not None and check.latency_ms >= 0


def test_each_apps_sqlite_file_is_checked_too(tmp_path: Path) -> None:
    check_database(tmp_path, {}, "inventory")  # creates db/inventory.sqlite3 as the app would
    assert set(check_databases(tmp_path, {})) == {"platform", "inventory"}


def test_unreachable_database_names_the_error_kind_but_never_the_url(tmp_path: Path) -> None:
    url = "postgresql://ganger:hunter2@127.0.0.1:1/ganger"
    check = check_database(tmp_path, {"DATABASE_URL": url})
    assert not check.reachable and check.backend == "postgresql"
    assert "hunter2" not in msgspec.json.encode(check).decode()


def test_sign_in_settings_say_whether_the_client_is_set_never_its_values() -> None:
    settings = sign_in_settings(MANIFEST, {"GANGER_AUTH": "oidc", "GANGER_OIDC_CLIENT_ID": "client-123",
                                           "GANGER_OIDC_CLIENT_SECRET": "very-secret"})
    assert settings.mode == "oidc" and settings.client_id_set and settings.client_secret_set
    encoded = msgspec.json.encode(settings).decode()
    assert "very-secret" not in encoded and "client-123" not in encoded


def test_sign_in_settings_default_to_the_manifest() -> None:
    settings = sign_in_settings(MANIFEST, {})
    assert settings.mode == MANIFEST.auth.mode and settings.issuer == MANIFEST.auth.issuer.rstrip("/")
    assert not settings.client_id_set


def test_disk_usage_of_the_data_dir_adds_up(tmp_path: Path) -> None:
    usage = disk_usage(tmp_path)
    assert usage.total_bytes > 0 and 0 <= usage.used_fraction <= 1
    assert usage.free_bytes <= usage.total_bytes
