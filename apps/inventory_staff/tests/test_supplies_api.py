"""Supplies: create, read, change, list with filters and pages, look up by scanned code."""

from __future__ import annotations

from starlette.testclient import TestClient

from .conftest import GAUZE


def create(client: TestClient, **changes: object) -> dict:
    response = client.post("/api/supplies", json=GAUZE | changes)
    assert response.status_code == 201, response.text
    return response.json()


def test_created_supply_is_returned_with_nothing_on_hand(client: TestClient) -> None:
    supply = create(client)
    assert supply["name"] == "Gauze pads 4x4"
    assert supply["parLevel"] == 5
    assert supply["onHand"] == 0
    assert client.get(f"/api/supplies/{supply['id']}").json()["sku"] == "GZ-44"


def test_supply_detail_includes_stock_and_recent_movements(client: TestClient) -> None:
    supply = create(client)
    client.post("/api/movements", json={"supply_id": supply["id"], "kind": "receive", "quantity": 3, "location": "Room 2"})
    detail = client.get(f"/api/supplies/{supply['id']}").json()
    assert detail["stock"][0]["location"] == "Room 2"
    assert detail["stock"][0]["quantity"] == 3
    assert detail["recentMovements"][0]["kind"] == "receive"


def test_unknown_supply_is_404_json(client: TestClient) -> None:
    response = client.get("/api/supplies/999")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_duplicate_sku_is_409_naming_sku(client: TestClient) -> None:
    create(client)
    response = client.post("/api/supplies", json=GAUZE | {"barcode": "999"})
    assert response.status_code == 409
    assert response.json()["field"] == "sku"


def test_duplicate_barcode_is_409_naming_barcode(client: TestClient) -> None:
    create(client)
    response = client.post("/api/supplies", json=GAUZE | {"sku": "OTHER"})
    assert response.status_code == 409
    assert response.json()["field"] == "barcode"


def test_patch_changes_only_the_given_fields(client: TestClient) -> None:
    supply = create(client)
    changed = client.patch(f"/api/supplies/{supply['id']}", json={"par_level": 9, "barcode": None})
    assert changed.status_code == 200
    assert changed.json()["parLevel"] == 9
    assert changed.json()["barcode"] is None
    assert changed.json()["name"] == GAUZE["name"]


def test_patch_to_a_taken_sku_is_409_and_changes_nothing(client: TestClient) -> None:
    create(client)
    other = create(client, sku="SYR-3", barcode="555", name="Syringe 3ml")
    response = client.patch(f"/api/supplies/{other['id']}", json={"sku": "GZ-44", "par_level": 1})
    assert response.status_code == 409
    assert response.json()["field"] == "sku"
    assert client.get(f"/api/supplies/{other['id']}").json()["parLevel"] == 5


def test_patch_of_unknown_supply_is_404(client: TestClient) -> None:
    assert client.patch("/api/supplies/999", json={"par_level": 1}).status_code == 404


def test_list_filters_by_search_text_and_category(client: TestClient) -> None:
    create(client)
    create(client, sku="SYR-3", barcode="555", name="Syringe 3ml", category="Injection")
    assert [s["sku"] for s in client.get("/api/supplies", params={"q": "syr"}).json()["items"]] == ["SYR-3"]
    assert [s["sku"] for s in client.get("/api/supplies", params={"category": "Wound care"}).json()["items"]] == ["GZ-44"]


def test_search_text_is_literal_not_a_pattern(client: TestClient) -> None:
    create(client)
    assert client.get("/api/supplies", params={"q": "%"}).json()["total"] == 0


def test_list_pages_with_limit_and_offset(client: TestClient) -> None:
    for number in range(5):
        create(client, sku=f"S-{number}", barcode=f"B{number}", name=f"Supply {number}")
    page = client.get("/api/supplies", params={"limit": 2, "offset": 2}).json()
    assert [s["name"] for s in page["items"]] == ["Supply 2", "Supply 3"]
    assert page["total"] == 5
    assert page["nextOffset"] == 4
    assert client.get("/api/supplies", params={"limit": 2, "offset": 4}).json()["nextOffset"] is None


def test_lookup_finds_a_supply_by_barcode_then_by_sku(client: TestClient) -> None:
    create(client)
    assert client.get("/api/lookup", params={"code": "0123456789012"}).json()["sku"] == "GZ-44"
    assert client.get("/api/lookup", params={"code": "GZ-44"}).json()["barcode"] == "0123456789012"


def test_lookup_of_unknown_code_is_404_naming_code(client: TestClient) -> None:
    response = client.get("/api/lookup", params={"code": "404404"})
    assert response.status_code == 404
    assert response.json()["field"] == "code"


def test_label_is_a_code128_svg(client: TestClient) -> None:
    supply = create(client)
    response = client.get(f"/api/supplies/{supply['id']}/label.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in response.content
    assert b"0123456789012" in response.content


def test_label_without_barcode_carries_the_sku(client: TestClient) -> None:
    supply = create(client, barcode=None)
    assert b"GZ-44" in client.get(f"/api/supplies/{supply['id']}/label.svg").content
