from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from ganger.data import Store
from tests.data.fixtures import ROOT, Database, database, postgres_database, postgres_url  # noqa: F401 (fixtures)

OWNER_MIGRATIONS = ROOT / "apps" / "handouts_staff" / "migrations"


@pytest.fixture
def owner_store(database: Database) -> Iterator[Store]:  # noqa: F811
    """The handouts store as its owner (ganger-handouts-staff) migrates it, reached by path, not import."""
    store = Store("handouts", migrations=OWNER_MIGRATIONS)
    store.open()
    yield store
    store.close()


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:  # noqa: F811
    """The patient worker in-process; no identity, as patients have none."""
    from apps.handouts_patient import app

    with TestClient(app, base_url="http://handouts.localhost", follow_redirects=False) as running:
        yield running


def publish(store: Store, handout_id: int, *, title: str = "Sunscreen after Mohs surgery", category: str = "Wound care",
            code: str = "AbCd-123", language: str = "en", html: str = "<p>Apply <strong>SPF 30</strong>.</p>") -> None:
    """A published handout, as the owner's publishing writes it."""
    moment = datetime.now(UTC)
    with store.write() as connection:
        connection.execute(sa.text(
            "INSERT INTO handouts (id, title, category, language, status, current_version, code, created_at, "
            "created_by, updated_at, updated_by) VALUES (:id, :title, :category, :language, 'published', 1, :code, "
            ":now, 'staff@example.org', :now, 'staff@example.org')"),
            {"id": handout_id, "title": title, "category": category, "language": language, "code": code, "now": moment})
        connection.execute(sa.text(
            "INSERT INTO handout_publications (handout_id, code, version, title, category, language, html, published_at) "
            "VALUES (:id, :code, 1, :title, :category, :language, :html, :now)"),
            {"id": handout_id, "code": code, "title": title, "category": category, "language": language, "html": html,
             "now": moment})
        connection.execute(sa.text("INSERT INTO handout_view_counts (handout_id, views) VALUES (:id, 0)"), {"id": handout_id})


def views(store: Store, handout_id: int) -> int:
    with store.read() as connection:
        return connection.execute(sa.text("SELECT views FROM handout_view_counts WHERE handout_id = :id"),
                                  {"id": handout_id}).scalar_one()
