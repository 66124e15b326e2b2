"""`ganger backup` while writes go on through a running platform, and `ganger restore` into a fresh
data dir: everything acknowledged before the backup began is there, and the copies check ok."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ganger.data import backup
from tests.data.manifests import manifest_with
from tests.support.platform import ROOT, RunningPlatform, start_platform

WORKERS = ("ganger-staff-management", "ganger-inventory-staff", "ganger-handouts-staff")
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def ganger(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"GANGER_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "ganger.cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def post(platform: RunningPlatform, session: str, path: str, body: dict[str, object]) -> dict[str, object]:
    response = platform.request("POST", path, body=json.dumps(body).encode(), session=session, headers=JSON)
    assert response.status == 201, response.body[:300]
    return json.loads(response.body)


def test_backup_under_writes_then_restore_into_a_fresh_data_dir(tmp_path: Path) -> None:
    manifest = manifest_with(tmp_path, WORKERS)
    platform = start_platform(tmp_path / "data", manifest=manifest, env={"DATABASE_URL": ""})
    try:
        session = platform.sign_in()
        supply = post(platform, session, "/inventory/api/supplies",
                      {"name": "Gauze", "sku": "GZ-1", "unit": "box", "location": "Room 1"})
        post(platform, session, "/handouts/api/handouts", {"title": "Aftercare", "category": "Wound care", "body": "Rest."})
        acknowledged: list[tuple[float, int]] = []  # (when acknowledged, movement id)
        stop = threading.Event()

        def write() -> None:
            while not stop.is_set():
                answer = post(platform, session, "/inventory/api/movements",
                              {"supply_id": supply["id"], "kind": "receive", "quantity": 1})
                acknowledged.append((time.monotonic(), int(answer["movement"]["id"])))  # type: ignore[index]

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        time.sleep(0.5)
        began = time.monotonic()
        made = ganger(platform.data_dir, "backup", "--to", str(tmp_path / "backups"))
        time.sleep(0.3)
        stop.set()
        writer.join(10)
        assert made.returncode == 0, made.stderr
        refused = ganger(platform.data_dir, "restore", str(next((tmp_path / "backups").iterdir())))
        assert refused.returncode == 1
        assert "platform is running" in refused.stderr
    finally:
        platform.stop()

    (folder,) = (tmp_path / "backups").iterdir()
    document = json.loads((folder / "manifest.json").read_text())
    assert {s["store"]: s["integrity"] for s in document["stores"]} == {"inventory": "ok", "handouts": "ok"}
    assert sorted(p.name for p in folder.iterdir()) == ["handouts.sqlite3", "inventory.sqlite3", "manifest.json"]

    fresh = tmp_path / "fresh"
    restored = ganger(fresh, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(fresh / "db" / "inventory.sqlite3") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {r[0] for r in connection.execute("SELECT id FROM movements")}
        on_hand = connection.execute("SELECT quantity FROM stock WHERE supply_id = ?", (supply["id"],)).fetchone()[0]
    before = [movement for moment, movement in acknowledged if moment < began]
    assert before and set(before) <= ids, "a write acknowledged before the backup began is missing"
    assert on_hand == len(ids)
    assert len(ids) < len(acknowledged), "writes went on while the backup ran"

    again = start_platform(fresh, manifest=manifest, env={"DATABASE_URL": ""})
    try:
        session = again.sign_in()
        found = again.request("GET", f"/inventory/api/supplies/{supply['id']}", session=session,
                              headers={"Accept": "application/json"})
        assert json.loads(found.body)["onHand"] == len(ids)
        listed = again.request("GET", "/handouts/api/handouts", session=session, headers={"Accept": "application/json"})
        assert json.loads(listed.body)["total"] == 1
    finally:
        again.stop()


def test_restore_refuses_a_damaged_backup_and_keeps_what_it_replaces(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "db").mkdir(parents=True)
    with sqlite3.connect(data / "db" / "inventory.sqlite3") as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
    made = backup.back_up(data, tmp_path / "backups")
    assert made.ok and made.stores[0].rows == {"t": 1}
    with sqlite3.connect(data / "db" / "inventory.sqlite3") as connection:
        connection.execute("INSERT INTO t VALUES (2)")

    _, kept = backup.restore(made.folder, data, data / "run" / "control.sock")
    assert kept is not None and (kept / "inventory.sqlite3").exists()
    with sqlite3.connect(data / "db" / "inventory.sqlite3") as connection:
        assert connection.execute("SELECT COUNT(*) FROM t").fetchone() == (1,)

    copy = made.folder / "inventory.sqlite3"
    copy.write_bytes(copy.read_bytes()[:-100] + b"\0" * 100)
    with pytest.raises(backup.BackupError, match="differs from the manifest"):
        backup.restore(made.folder, data, data / "run" / "control.sock")
    with pytest.raises(backup.BackupError, match="not a backup"):
        backup.restore(tmp_path, data, data / "run" / "control.sock")


def test_on_postgresql_without_pg_dump_backup_names_it_without_the_url(tmp_path: Path) -> None:
    env = dict(os.environ, GANGER_DATA_DIR=str(tmp_path), DATABASE_URL="postgresql://ganger:s3cret@db.example/app",
               PATH=str(tmp_path))  # no pg_dump here
    result = subprocess.run([sys.executable, "-m", "ganger.cli.main", "backup"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "pg_dump --format=custom" in result.stderr and '"$DATABASE_URL"' in result.stderr
    assert "s3cret" not in result.stderr + result.stdout


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_on_postgresql_pg_dump_backs_up_and_pg_restore_restores(postgres_url: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from ganger.data import Store
    from tests.data.fixtures import drop_schemas

    store = Store("inventory", migrations=ROOT / "apps" / "inventory_staff" / "migrations")
    store.open(data_dir=tmp_path, environ={"DATABASE_URL": postgres_url})
    supplies = sa.text("INSERT INTO supplies (name, sku, unit, location, created_at, updated_at) "
                       "VALUES (:name, :name, 'box', 'Room 1', now(), now())")
    try:
        with store.write() as connection:
            connection.execute(supplies, [{"name": f"S-{n}"} for n in range(50)])
        env = dict(os.environ, GANGER_DATA_DIR=str(tmp_path), DATABASE_URL=postgres_url)
        made = subprocess.run([sys.executable, "-m", "ganger.cli.main", "backup", "--to", str(tmp_path / "b")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        (folder,) = (tmp_path / "b").iterdir()
        assert json.loads((folder / "manifest.json").read_text())["schemas"] == ["inventory"]
        with store.write() as connection:
            connection.exec_driver_sql("DELETE FROM supplies WHERE sku < 'S-3'")
            connection.execute(supplies, {"name": "after-backup"})
        restored = subprocess.run([sys.executable, "-m", "ganger.cli.main", "restore", str(folder)],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert restored.returncode == 0, restored.stderr
        with store.read() as connection:
            skus = set(connection.exec_driver_sql("SELECT sku FROM supplies").scalars())
        assert skus == {f"S-{n}" for n in range(50)}
    finally:
        store.close()
        drop_schemas(postgres_url)
