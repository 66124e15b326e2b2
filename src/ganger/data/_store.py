"""A store: one app's database (a SQLite file or a PostgreSQL schema) and its lifecycle."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import Connection

from ..settings import from_environment
from . import _durability, _migrate
from ._engine import WRITE_OPTION, create_store_engine
from ._location import Location, locate

T = TypeVar("T")


class Store:
    """A named database with exactly one owner: the app that holds its `migrations` folder.

    The owner passes `migrations` and the platform brings the schema to head when the worker
    starts. Another app may read an owner's store (and do the writes the owner's docs allow)
    by naming the same store without `migrations` and declaring its own table definitions; it
    never imports the owner's code.
    """

    def __init__(self, name: str, *, migrations: Path | None = None) -> None:
        self.name = name
        self.migrations = migrations
        self._engine: Engine | None = None
        self._location: Location | None = None

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"store {self.name!r} is not open (the worker opens it at start)")
        return self._engine

    @property
    def location(self) -> Location:
        if self._location is None:
            raise RuntimeError(f"store {self.name!r} is not open")
        return self._location

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def open(self, data_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        """Connect (DATABASE_URL or the SQLite file) and, if this app owns the store, migrate to head.

        On PostgreSQL, first refuse a server that would lose acknowledged writes (`_durability`)."""
        if self._engine is not None:
            return
        folder = data_dir if data_dir is not None else from_environment(dict(environ) if environ else None).data_dir
        self._location = locate(self.name, folder, environ)
        self._engine = create_store_engine(self._location)
        try:
            if not self._location.is_sqlite:
                _durability.check_postgres(self._engine, self.name, environ)
            if self.migrations is not None:
                self.upgrade()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._location = None

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot for every query inside it."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: all of it commits on normal exit or none of it does."""
        with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as connection, connection.begin():
            yield connection

    async def run_read(self, work: Callable[[Connection], T]) -> T:
        """`work` in a read transaction, on a worker thread so the event loop never waits on the database."""
        return await anyio.to_thread.run_sync(self._in_read, work)

    async def run_write(self, work: Callable[[Connection], T]) -> T:
        """`work` in a write transaction, on a worker thread."""
        return await anyio.to_thread.run_sync(self._in_write, work)

    def _in_read(self, work: Callable[[Connection], T]) -> T:
        with self.read() as connection:
            return work(connection)

    def _in_write(self, work: Callable[[Connection], T]) -> T:
        with self.write() as connection:
            return work(connection)

    def has_table(self, table: str) -> bool:
        with self.engine.connect() as connection:
            return inspect(connection).has_table(table, schema=self.location.schema)

    def upgrade(self, revision: str = "head") -> None:
        _migrate.upgrade(self.engine, self.location, self._owned_migrations(), revision)

    def downgrade(self, revision: str = "base") -> None:
        _migrate.downgrade(self.engine, self.location, self._owned_migrations(), revision)

    def current_revision(self) -> str | None:
        return _migrate.current_revision(self.engine)

    def _owned_migrations(self) -> Path:
        if self.migrations is None:
            raise RuntimeError(f"this app does not own store {self.name!r}; only its owner migrates it")
        return self.migrations
