"""Fixtures for tests that touch data: a database on each backend, and a staff client for an app.

Every data test runs on SQLite (always) and on PostgreSQL when one is reachable: a database made
for this test session, dropped at its end. `GANGER_REQUIRE_POSTGRES=1` (CI) turns "unreachable"
into a failure instead of a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from ganger.identity import User, load_secret, sign

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_SERVER = os.environ.get("GANGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STAFF = User(email="dev@gangerdermatology.com", name="Dev Staff", roles=frozenset({"staff"}))


@dataclass(frozen=True)
class Database:
    backend: str
    data_dir: Path
    url: str | None  # DATABASE_URL, or None for SQLite files under data_dir


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this session (its URL), or None when no server answers."""
    import sqlalchemy as sa

    server = sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"ganger_test_{uuid.uuid4().hex[:12]}"
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        server.dispose()
        reason = f"PostgreSQL is not reachable at 127.0.0.1:5432 ({type(exc.orig).__name__})"
        if os.environ.get("GANGER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}, and GANGER_REQUIRE_POSTGRES=1 requires it", pytrace=False)
        yield None
        return
    try:
        yield sa.make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_database: str | None) -> str:
    """The session's PostgreSQL database, for tests that need one: the one place that skips them when
    no server answers (with GANGER_REQUIRE_POSTGRES=1, `postgres_database` has already failed instead)."""
    if postgres_database is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432; set GANGER_REQUIRE_POSTGRES=1 to fail instead")
    return postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The environment a worker would see: GANGER_DATA_DIR in a temp dir, DATABASE_URL on PostgreSQL."""
    monkeypatch.setenv("GANGER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GANGER_MANIFEST", str(ROOT / "platform.toml"))
    if request.param == "sqlite":
        monkeypatch.delenv("DATABASE_URL", raising=False)
        yield Database("sqlite", tmp_path, None)
        return
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        yield Database("postgresql", tmp_path, url)
    finally:
        drop_schemas(url)


def drop_schemas(url: str) -> None:
    """Each test starts from an empty database: every store's schema goes."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            schemas = connection.scalars(sa.text(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                "AND nspname NOT IN ('public', 'information_schema')"
            )).all()
            for schema in schemas:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        engine.dispose()


def _verifying_secret(app: Any) -> bytes:
    """The secret the app checks signatures with (found on its identity middleware), else the data dir's."""
    node = getattr(app, "_asgi", None)
    while node is not None:
        secret = getattr(node, "secret", None)
        if isinstance(secret, bytes):
            return secret
        node = getattr(node, "app", None)
    return load_secret(Path(os.environ.get("GANGER_DATA_DIR", "var")).resolve())


def staff_client(app: Any, user: User | None = STAFF) -> TestClient:
    """A TestClient whose requests carry the router's signed identity for `user` (as through the router)."""
    client = TestClient(app, base_url="http://localhost")
    if user is not None:
        secret = _verifying_secret(app)

        def add_identity(request: httpx.Request) -> None:
            path = request.url.raw_path.split(b"?", 1)[0]
            for name, value in sign(secret, user, request.method.encode(), path):
                request.headers[name.decode()] = value.decode()

        client.event_hooks = {"request": [add_identity], "response": []}
    return client
