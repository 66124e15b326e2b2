"""A store refuses to open on a PostgreSQL that would lose acknowledged writes (fsync or
synchronous_commit off), unless a throwaway database opts out, which is logged at error level."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ganger.data import DataConfigError, Store
from ganger.data._durability import problems

MIGRATIONS = Path(__file__).resolve().parents[2] / "apps" / "inventory_staff" / "migrations"


@pytest.mark.parametrize(("settings", "unsafe"), [
    ({"fsync": "on", "synchronous_commit": "on"}, []),
    ({"fsync": "on", "synchronous_commit": "remote_apply"}, []),
    ({"fsync": "on", "synchronous_commit": "local"}, []),
    ({"fsync": "off", "synchronous_commit": "on"}, ["fsync"]),
    ({"fsync": "on", "synchronous_commit": "off"}, ["synchronous_commit"]),
    ({"fsync": "off", "synchronous_commit": "off"}, ["fsync", "synchronous_commit"]),
])
def test_unsafe_settings_are_named(settings: dict[str, str], unsafe: list[str]) -> None:
    assert [p.split(" ", 1)[0] for p in problems(settings)] == unsafe


@pytest.fixture
def unsafe_role_url(postgres_url: str) -> Iterator[str]:
    """A login role whose sessions default to synchronous_commit=off, on this session's database."""
    role = f"ganger_unsafe_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    url = sa.make_url(postgres_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'ALTER ROLE "{role}" SET synchronous_commit = off')
        connection.exec_driver_sql(f'GRANT CREATE ON DATABASE "{url.database}" TO "{role}"')
    try:
        yield url.set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql('DROP SCHEMA IF EXISTS inventory CASCADE')
            connection.exec_driver_sql(f'REVOKE CREATE ON DATABASE "{url.database}" FROM "{role}"')
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


def test_store_refuses_synchronous_commit_off(unsafe_role_url: str, tmp_path: Path) -> None:
    store = Store("inventory", migrations=MIGRATIONS)
    with pytest.raises(DataConfigError, match="synchronous_commit is 'off'") as refused:
        store.open(data_dir=tmp_path, environ={"DATABASE_URL": unsafe_role_url})
    assert unsafe_role_url.split("@")[0] not in str(refused.value)
    assert not store.is_open


def test_a_throwaway_database_may_opt_out_loudly(unsafe_role_url: str, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    store = Store("inventory", migrations=MIGRATIONS)
    platform_logger = logging.getLogger("ganger")
    propagated, platform_logger.propagate = platform_logger.propagate, True  # caplog listens at the root
    try:
        with caplog.at_level(logging.ERROR, logger="ganger.data"):
            store.open(data_dir=tmp_path, environ={"DATABASE_URL": unsafe_role_url, "GANGER_ALLOW_UNSAFE_POSTGRES": "1"})
    finally:
        platform_logger.propagate = propagated
    try:
        assert store.is_open
        assert [r.getMessage() for r in caplog.records] == ["unsafe postgresql durability allowed"]
    finally:
        store.close()


def test_the_test_server_is_safe(postgres_url: str, tmp_path: Path) -> None:
    store = Store("inventory", migrations=MIGRATIONS)
    store.open(data_dir=tmp_path, environ={"DATABASE_URL": postgres_url})
    try:
        with store.read() as connection:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    finally:
        store.close()
        from .fixtures import drop_schemas

        drop_schemas(postgres_url)
