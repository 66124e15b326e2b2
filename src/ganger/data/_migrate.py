"""Each store's Alembic migrations, run by its owner at start under a lock so replicas never race.

SQLite: an exclusive `flock` on `<data_dir>/db/<store>.lock`. PostgreSQL: a session advisory
lock keyed by the schema, which also covers replicas on other machines. The second replica
waits, then finds the schema at head and has nothing to do.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import Connection

from ._engine import WRITE_OPTION
from ._location import Location

_CONNECTION = "ganger.connection"
_SCHEMA = "ganger.schema"


def upgrade(engine: Engine, location: Location, migrations: Path, revision: str = "head") -> None:
    """Bring the store's schema up to `revision` (every migration at start: `head`).

    A store already at head (every start but the first after a deploy) is recognised without
    importing Alembic, which would add ~0.3 s and ~10 MB to the worker's start.
    """
    if revision == "head" and _at_head(engine, location, migrations):
        return
    from alembic import command

    with _locked_connection(engine, location) as connection:
        command.upgrade(_config(migrations, connection, location), revision)


def downgrade(engine: Engine, location: Location, migrations: Path, revision: str = "base") -> None:
    """Take the schema back down to `revision` (tests prove every migration can be undone)."""
    from alembic import command

    with _locked_connection(engine, location) as connection:
        command.downgrade(_config(migrations, connection, location), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


_REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*=\s*(?:["']([^"']+)["']|None)\s*$""", re.MULTILINE)


def _at_head(engine: Engine, location: Location, migrations: Path) -> bool:
    """True only when sure: one linear head in the files, and the database records exactly it."""
    revisions, parents = set(), set()
    for path in (migrations / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if found is None:
            continue
        if down is None:
            return False  # a merge or an unusual file: let Alembic decide
        revisions.add(found.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        return False
    table = f'"{location.schema}".alembic_version' if location.schema else "alembic_version"
    try:
        with engine.connect() as connection:
            recorded = connection.exec_driver_sql(f"SELECT version_num FROM {table}").scalars().all()
    except DBAPIError:
        return False  # no version table yet
    return recorded == list(heads)


def run_environment() -> None:
    """The body of every app's `migrations/env.py`: run on the connection the platform holds.

    Online mode only; there is no ini file and no URL in the app's code.
    """
    from alembic import context

    connection = context.config.attributes.get(_CONNECTION)
    if connection is None:
        raise RuntimeError("run migrations through ganger.data (Store.upgrade), not the alembic command line")
    context.configure(
        connection=connection,
        transactional_ddl=True,
        version_table_schema=context.config.attributes.get(_SCHEMA),
    )
    with context.begin_transaction():
        context.run_migrations()


def _config(migrations: Path, connection: Connection, location: Location):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations).replace("%", "%%"))
    config.attributes[_CONNECTION] = connection
    config.attributes[_SCHEMA] = location.schema
    return config


@contextlib.contextmanager
def _locked_connection(engine: Engine, location: Location) -> Iterator[Connection]:
    if location.is_sqlite:
        assert location.lock_path is not None
        location.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(location.lock_path, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
                    yield connection
                    connection.commit()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    assert location.schema is not None
    key = int.from_bytes(hashlib.sha256(f"ganger-migrate:{location.schema}".encode()).digest()[:8], "big", signed=True)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{location.schema}"')
            connection.commit()
            yield connection
            connection.commit()
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
