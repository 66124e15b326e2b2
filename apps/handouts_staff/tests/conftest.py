from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.data.fixtures import Database, database, postgres_database, postgres_url, staff_client  # noqa: F401 (fixtures)


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:  # noqa: F811
    """The handouts staff worker in-process, started (so migrated) on a fresh database."""
    from apps.handouts_staff import app

    with staff_client(app) as running:
        yield running


SUNSCREEN = {"title": "Sunscreen after Mohs surgery", "category": "Wound care", "language": "en",
             "body": "# Sunscreen\n\nApply **SPF 30** daily.\n\n- Reapply every 2 hours\n"}
