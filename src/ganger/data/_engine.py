"""Engines with the platform's settings: durable SQLite (WAL, FULL sync), PostgreSQL per schema.

SQLite: `journal_mode=WAL` lets readers run beside the one writer; `synchronous=FULL` fsyncs the
WAL at every commit, so an acknowledged write survives not only kill -9 of the worker (NORMAL
would too) but also a power cut or kernel crash right after it (NORMAL may lose the last
commits then). It costs one fsync per commit, which the practice's write rates (hundreds an
hour) never notice. `busy_timeout` makes a second writer wait instead of failing. Write
transactions start with `BEGIN IMMEDIATE`, so a read-then-write transaction takes the write lock
before it reads and can never fail half-way on a lock upgrade.

Both: `hide_parameters=True`, because SQLAlchemy otherwise puts a failed statement's bound values
(patient names, notes) into the exception's text, and an unhandled error's text reaches the log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

from ._location import Location

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "ganger_write"  # execution option: this transaction writes, so BEGIN IMMEDIATE

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def create_store_engine(location: Location) -> Engine:
    if location.is_sqlite:
        assert location.url.database is not None
        Path(location.url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(location.url, pool_size=8, max_overflow=8, pool_timeout=30, hide_parameters=True)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    options = f"-c search_path={location.schema}"
    return create_engine(
        location.url, pool_size=5, max_overflow=10, pool_pre_ping=True, hide_parameters=True,
        connect_args={"options": options, "application_name": "ganger"},
    )


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _begin_sqlite)
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
