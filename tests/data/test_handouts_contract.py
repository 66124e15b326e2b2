"""The handouts store shared by two workers: what staff publish, patients see, and views reach staff.

The two apps never import each other; this test is the one place that holds both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from apps.handouts_patient import app as patient_app
from apps.handouts_patient.tables import metadata as patient_tables
from apps.handouts_staff import app as staff_app

from .fixtures import Database, staff_client

HANDOUT = {"title": "Eczema care", "category": "Eczema", "language": "en", "body": "Moisturise **twice** a day."}


@pytest.fixture
def both(database: Database) -> Iterator[tuple[TestClient, TestClient]]:
    with staff_client(staff_app) as staff, TestClient(patient_app, base_url="http://handouts.localhost",
                                                      follow_redirects=False) as patient:
        yield staff, patient


def test_patient_tables_match_the_owners_migrated_columns(both: tuple[TestClient, TestClient]) -> None:
    from apps.handouts_staff.store import store

    with store.read() as connection:
        inspector = sa.inspect(connection)
        for table in patient_tables.tables.values():
            owned = {c["name"]: c for c in inspector.get_columns(table.name)}
            for column in table.columns:
                assert column.name in owned, f"{table.name}.{column.name}"
                assert owned[column.name]["type"]._type_affinity is column.type._type_affinity


def test_published_handout_reaches_patients_through_its_qr_code(both: tuple[TestClient, TestClient]) -> None:
    staff, patient = both
    handout = staff.post("/api/handouts", json=HANDOUT).json()
    code = staff.post(f"/api/handouts/{handout['id']}/publish").json()["code"]
    redirect = patient.get(f"/qr/{code}")
    assert redirect.headers["location"] == f"/view/{handout['id']}"
    assert "Moisturise <strong>twice</strong> a day." in patient.get(redirect.headers["location"]).text


def test_patient_views_show_up_as_counts_for_staff(both: tuple[TestClient, TestClient]) -> None:
    staff, patient = both
    handout_id = staff.post("/api/handouts", json=HANDOUT).json()["id"]
    staff.post(f"/api/handouts/{handout_id}/publish")
    for _ in range(3):
        patient.get(f"/view/{handout_id}")
    assert staff.get(f"/api/handouts/{handout_id}").json()["views"] == 3


def test_draft_and_unpublished_handouts_are_not_shown_to_patients(both: tuple[TestClient, TestClient]) -> None:
    staff, patient = both
    draft_id = staff.post("/api/handouts", json=HANDOUT).json()["id"]
    assert patient.get(f"/view/{draft_id}").status_code == 404
    staff.post(f"/api/handouts/{draft_id}/publish")
    staff.post(f"/api/handouts/{draft_id}/unpublish")
    assert patient.get(f"/view/{draft_id}").status_code == 404
    assert "No handouts are published yet." in patient.get("/").text


def test_patients_see_the_published_version_not_later_edits(both: tuple[TestClient, TestClient]) -> None:
    staff, patient = both
    handout_id = staff.post("/api/handouts", json=HANDOUT).json()["id"]
    staff.post(f"/api/handouts/{handout_id}/publish")
    staff.patch(f"/api/handouts/{handout_id}", json={"body": "Draft wording, not ready."})
    assert "twice" in patient.get(f"/view/{handout_id}").text
