"""A store: where it lives, the SQLite settings that make writes durable, all-or-nothing writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from ganger.data import DataConfigError, Store, locate

from .fixtures import Database

MIGRATIONS = Path(__file__).resolve().parents[2] / "apps" / "inventory_staff" / "migrations"


@pytest.fixture
def store(database: Database):
    opened = Store("inventory", migrations=MIGRATIONS)
    opened.open()
    yield opened
    opened.close()


def test_sqlite_store_is_a_file_under_the_data_dir(tmp_path: Path) -> None:
    location = locate("inventory", tmp_path, environ={})
    assert location.url.database == str(tmp_path / "db" / "inventory.sqlite3")
    assert location.schema is None


def test_database_url_selects_postgresql_with_one_schema_per_store(tmp_path: Path) -> None:
    location = locate("inventory", tmp_path, environ={"DATABASE_URL": "postgres://u:p@db.example:5432/app"})
    assert location.url.drivername == "postgresql+psycopg"
    assert location.schema == "inventory"


def test_database_url_of_another_kind_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(DataConfigError) as raised:
        locate("inventory", tmp_path, environ={"DATABASE_URL": "mysql://user:secret@host/db"})
    assert "secret" not in str(raised.value)


def test_store_name_must_be_a_plain_identifier(tmp_path: Path) -> None:
    with pytest.raises(DataConfigError):
        locate("Inventory; DROP", tmp_path, environ={})


@pytest.mark.parametrize(("pragma", "expected"), [
    ("journal_mode", "wal"), ("foreign_keys", 1), ("synchronous", 2), ("busy_timeout", 10_000),
])
def test_sqlite_connections_are_durable_and_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   pragma: str, expected: object) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    opened = Store("inventory", migrations=MIGRATIONS)
    opened.open(data_dir=tmp_path)
    try:
        with opened.read() as connection:
            assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected
    finally:
        opened.close()


def test_write_that_fails_half_way_leaves_nothing(store: Store) -> None:
    supplies = sa.table("supplies", sa.column("id"), sa.column("name"), sa.column("sku"), sa.column("unit"),
                        sa.column("location"), sa.column("created_at"), sa.column("updated_at"))
    row = {"name": "n", "sku": "s", "unit": "u", "location": "l", "created_at": sa.func.now(), "updated_at": sa.func.now()}
    with pytest.raises(sa.exc.IntegrityError):
        with store.write() as connection:
            connection.execute(sa.insert(supplies).values(row))
            connection.execute(sa.insert(supplies).values(row))  # same SKU: refused
    with store.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(supplies)).scalar() == 0


def test_foreign_keys_are_enforced(store: Store) -> None:
    stock = sa.table("stock", sa.column("supply_id"), sa.column("location"), sa.column("quantity"), sa.column("updated_at"))
    with pytest.raises(sa.exc.IntegrityError):
        with store.write() as connection:
            connection.execute(sa.insert(stock).values(supply_id=42, location="x", quantity=1, updated_at=sa.func.now()))


def test_a_store_this_app_does_not_own_cannot_be_migrated(database: Database) -> None:
    reader = Store("inventory")
    reader.open()
    try:
        with pytest.raises(RuntimeError, match="only its owner migrates"):
            reader.upgrade()
    finally:
        reader.close()


def test_unopened_store_says_so() -> None:
    with pytest.raises(RuntimeError, match="not open"):
        Store("inventory").engine
