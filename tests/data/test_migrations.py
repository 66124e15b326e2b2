"""Every app's migrations go up and down cleanly, match the tables its code queries, and never race."""

from __future__ import annotations

import importlib
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ganger.data import Store

from .fixtures import Database

OWNED_STORES = [
    ("apps.inventory_staff.store", "apps.inventory_staff.tables"),
    ("apps.handouts_staff.store", "apps.handouts_staff.tables"),
]


def fresh(module: str) -> Store:
    owned = importlib.import_module(module).store
    return Store(owned.name, migrations=owned.migrations)


def table_names(store: Store) -> set[str]:
    with store.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names(schema=store.location.schema)) - {"alembic_version"}


@pytest.fixture(params=OWNED_STORES, ids=[m[0].split(".")[1] for m in OWNED_STORES])
def owned(request: pytest.FixtureRequest, database: Database):
    store_module, tables_module = request.param
    store = fresh(store_module)
    store.open()
    yield store, importlib.import_module(tables_module).metadata
    store.close()


def test_upgrade_to_head_creates_every_table(owned) -> None:
    store, metadata = owned
    assert table_names(store) == set(metadata.tables)
    assert store.current_revision() is not None


def test_migrated_schema_matches_the_tables_the_code_queries(owned) -> None:
    store, metadata = owned
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_schemas": False})
        differences = [d for d in compare_metadata(context, metadata) if d[0] not in ("add_constraint", "remove_constraint")]
    assert differences == []


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(owned) -> None:
    store, metadata = owned
    store.downgrade("base")
    assert table_names(store) == set()
    assert store.current_revision() is None
    store.upgrade("head")
    assert table_names(store) == set(metadata.tables)


def test_replicas_starting_together_migrate_once_without_error(database: Database) -> None:
    stores = [fresh(OWNED_STORES[0][0]) for _ in range(4)]
    errors: list[BaseException] = []

    def start(store: Store) -> None:
        try:
            store.open()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert {s.current_revision() for s in stores} == {stores[0].current_revision()}
    finally:
        for store in stores:
            store.close()


def test_a_new_revision_is_applied_at_the_next_start(database: Database, tmp_path) -> None:
    import shutil

    migrations = tmp_path / "migrations"
    shutil.copytree(importlib.import_module(OWNED_STORES[0][0]).store.migrations, migrations)
    first = Store("inventory", migrations=migrations)
    first.open()
    first.close()
    (migrations / "versions" / "0002_notes.py").write_text(
        'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0002"\ndown_revision = "0001"\n\n\n'
        'def upgrade() -> None:\n    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))\n\n\n'
        'def downgrade() -> None:\n    op.drop_table("notes")\n'
    )
    second = Store("inventory", migrations=migrations)
    second.open()
    try:
        assert second.current_revision() == "0002"
        assert "notes" in table_names(second)
    finally:
        second.close()


def test_a_store_at_head_opens_without_importing_alembic(database: Database) -> None:
    import subprocess
    import sys

    first = fresh(OWNED_STORES[0][0])
    first.open()  # migrated once, as by the first start
    first.close()
    probe = ("import sys; from apps.inventory_staff.store import store; store.open(); "
             "print('alembic' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"
