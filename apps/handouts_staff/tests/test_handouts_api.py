"""The handout library: create, read, change (new versions), list with filters, preview."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from .conftest import SUNSCREEN


def create(client: TestClient, **changes: object) -> dict:
    response = client.post("/api/handouts", json=SUNSCREEN | changes)
    assert response.status_code == 201, response.text
    return response.json()


def test_created_handout_is_a_draft_at_version_1(client: TestClient) -> None:
    handout = create(client)
    assert (handout["status"], handout["currentVersion"], handout["views"]) == ("draft", 1, 0)
    assert handout["updatedBy"] == "dev@gangerdermatology.com"
    assert handout["patientUrl"] is None


def test_body_is_rendered_to_html(client: TestClient) -> None:
    html = create(client)["html"]
    assert "<h1>Sunscreen</h1>" in html
    assert "<strong>SPF 30</strong>" in html


def test_changed_body_is_a_new_version_and_old_versions_stay(client: TestClient) -> None:
    handout_id = create(client)["id"]
    changed = client.patch(f"/api/handouts/{handout_id}", json={"body": "Updated advice."}).json()
    assert changed["currentVersion"] == 2
    assert [v["version"] for v in changed["versions"]] == [2, 1]
    assert client.get(f"/api/handouts/{handout_id}/versions/1").json()["body"] == SUNSCREEN["body"]


def test_unchanged_body_or_metadata_change_keeps_the_version(client: TestClient) -> None:
    handout_id = create(client)["id"]
    changed = client.patch(f"/api/handouts/{handout_id}", json={"title": "Sun care", "body": SUNSCREEN["body"]}).json()
    assert (changed["title"], changed["currentVersion"]) == ("Sun care", 1)


def test_unknown_handout_and_version_are_404(client: TestClient) -> None:
    assert client.get("/api/handouts/9").status_code == 404
    assert client.patch("/api/handouts/9", json={"title": "x"}).status_code == 404
    create(client)
    assert client.get("/api/handouts/1/versions/5").status_code == 404


def test_list_filters_by_title_category_and_status(client: TestClient) -> None:
    create(client)
    create(client, title="Acne basics", category="Acne")
    client.post("/api/handouts/2/publish")
    assert [h["title"] for h in client.get("/api/handouts", params={"q": "acne"}).json()["items"]] == ["Acne basics"]
    assert client.get("/api/handouts", params={"category": "Wound care"}).json()["total"] == 1
    assert [h["id"] for h in client.get("/api/handouts", params={"status": "published"}).json()["items"]] == [2]


def test_list_pages_with_limit_and_offset(client: TestClient) -> None:
    for number in range(3):
        create(client, title=f"Handout {number}")
    page = client.get("/api/handouts", params={"limit": 2}).json()
    assert (len(page["items"]), page["total"], page["nextOffset"]) == (2, 3, 2)


def test_preview_renders_without_saving(client: TestClient) -> None:
    response = client.post("/api/preview", json={"body": "*hi*"})
    assert response.json()["html"].strip() == "<p><em>hi</em></p>"
    assert client.get("/api/handouts").json()["total"] == 0


@pytest.mark.parametrize(("body", "field"), [
    ({k: v for k, v in SUNSCREEN.items() if k != "title"}, "title"),
    (SUNSCREEN | {"title": " "}, "title"),
    (SUNSCREEN | {"category": ""}, "category"),
    (SUNSCREEN | {"language": "English"}, "language"),
    (SUNSCREEN | {"body": ""}, "body"),
    (SUNSCREEN | {"body": "x" * 100_001}, "body"),
    (SUNSCREEN | {"status": "published"}, "status"),
], ids=["missing-title", "blank-title", "empty-category", "bad-language", "empty-body", "huge-body", "unknown-field"])
def test_bad_handout_body_is_422_naming_the_field_and_writes_nothing(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/handouts", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert client.get("/api/handouts").json()["total"] == 0


def test_bad_change_is_422_and_changes_nothing(client: TestClient) -> None:
    create(client)
    response = client.patch("/api/handouts/1", json={"title": "New", "language": "??"})
    assert response.status_code == 422
    assert response.json()["field"] == "language"
    assert client.get("/api/handouts/1").json()["title"] == SUNSCREEN["title"]


def test_bad_list_parameter_is_422_naming_it(client: TestClient) -> None:
    response = client.get("/api/handouts", params={"status": "archived"})
    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_non_json_body_is_415(client: TestClient) -> None:
    assert client.post("/api/handouts", content=b"title=x", headers={"Content-Type": "text/plain"}).status_code == 415
