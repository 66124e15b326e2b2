from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.data.fixtures import Database, database, postgres_database, postgres_url, staff_client  # noqa: F401 (fixtures)


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:  # noqa: F811
    """The inventory worker in-process, started (so migrated) on a fresh database."""
    from apps.inventory_staff import app

    with staff_client(app) as running:
        yield running


GAUZE = {"name": "Gauze pads 4x4", "sku": "GZ-44", "barcode": "0123456789012", "unit": "box",
         "category": "Wound care", "location": "Supply room", "par_level": 5, "reorder_quantity": 20}
