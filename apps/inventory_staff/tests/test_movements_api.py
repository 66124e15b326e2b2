"""Movements: receive, use, adjust, count; who and when; never below zero; list with filters."""

from __future__ import annotations

from starlette.testclient import TestClient

from .conftest import GAUZE


def gauze(client: TestClient) -> int:
    return client.post("/api/supplies", json=GAUZE).json()["id"]


def move(client: TestClient, supply_id: int, kind: str, quantity: int, **extra: object):
    return client.post("/api/movements", json={"supply_id": supply_id, "kind": kind, "quantity": quantity} | extra)


def test_receive_adds_to_the_home_location(client: TestClient) -> None:
    supply_id = gauze(client)
    response = move(client, supply_id, "receive", 12)
    assert response.status_code == 201
    body = response.json()
    assert body["movement"]["location"] == "Supply room"
    assert body["movement"]["balance"] == 12
    assert body["supply"]["onHand"] == 12


def test_movement_records_who_and_when(client: TestClient) -> None:
    movement = move(client, gauze(client), "receive", 1).json()["movement"]
    assert movement["actor"] == "dev@gangerdermatology.com"
    assert movement["createdAt"].endswith("+00:00")


def test_use_subtracts_and_records_a_negative_delta(client: TestClient) -> None:
    supply_id = gauze(client)
    move(client, supply_id, "receive", 10)
    movement = move(client, supply_id, "use", 4).json()["movement"]
    assert (movement["delta"], movement["balance"]) == (-4, 6)


def test_use_beyond_stock_is_409_and_writes_nothing(client: TestClient) -> None:
    supply_id = gauze(client)
    move(client, supply_id, "receive", 2)
    response = move(client, supply_id, "use", 3)
    assert response.status_code == 409
    assert response.json()["field"] == "quantity"
    assert client.get(f"/api/supplies/{supply_id}").json()["onHand"] == 2
    assert client.get("/api/movements", params={"supply_id": supply_id}).json()["total"] == 1


def test_adjust_applies_a_signed_correction(client: TestClient) -> None:
    supply_id = gauze(client)
    move(client, supply_id, "receive", 10)
    assert move(client, supply_id, "adjust", -3, note="expired").json()["movement"]["balance"] == 7


def test_adjust_by_zero_is_422_naming_quantity(client: TestClient) -> None:
    response = move(client, gauze(client), "adjust", 0)
    assert response.status_code == 422
    assert response.json()["field"] == "quantity"


def test_count_sets_the_level_and_records_the_difference(client: TestClient) -> None:
    supply_id = gauze(client)
    move(client, supply_id, "receive", 10)
    movement = move(client, supply_id, "count", 7).json()["movement"]
    assert (movement["quantity"], movement["delta"], movement["balance"]) == (7, -3, 7)


def test_stock_is_kept_per_location(client: TestClient) -> None:
    supply_id = gauze(client)
    move(client, supply_id, "receive", 5, location="Room 1")
    move(client, supply_id, "receive", 3, location="Room 2")
    detail = client.get(f"/api/supplies/{supply_id}").json()
    assert {s["location"]: s["quantity"] for s in detail["stock"]} == {"Room 1": 5, "Room 2": 3}
    assert detail["onHand"] == 8


def test_movement_by_scanned_barcode(client: TestClient) -> None:
    gauze(client)
    response = client.post("/api/movements", json={"barcode": GAUZE["barcode"], "kind": "receive", "quantity": 2})
    assert response.status_code == 201
    assert response.json()["supply"]["onHand"] == 2


def test_unknown_barcode_is_422_naming_barcode(client: TestClient) -> None:
    response = client.post("/api/movements", json={"barcode": "nope", "kind": "receive", "quantity": 2})
    assert response.status_code == 422
    assert response.json()["field"] == "barcode"


def test_unknown_supply_id_is_422_naming_supply_id(client: TestClient) -> None:
    response = move(client, 999, "receive", 1)
    assert response.status_code == 422
    assert response.json()["field"] == "supply_id"


def test_both_supply_id_and_barcode_is_422(client: TestClient) -> None:
    response = client.post("/api/movements", json={"supply_id": gauze(client), "barcode": "x", "kind": "use", "quantity": 1})
    assert response.status_code == 422
    assert response.json()["field"] == "supply_id"


def test_movements_list_newest_first_and_filters_by_kind(client: TestClient) -> None:
    supply_id = gauze(client)
    move(client, supply_id, "receive", 5)
    move(client, supply_id, "use", 1)
    listing = client.get("/api/movements").json()
    assert [m["kind"] for m in listing["items"]] == ["use", "receive"]
    assert [m["kind"] for m in client.get("/api/movements", params={"kind": "receive"}).json()["items"]] == ["receive"]


def test_low_stock_lists_supplies_at_or_below_par(client: TestClient) -> None:
    supply_id = gauze(client)  # par 5
    move(client, supply_id, "receive", 5)
    assert [s["id"] for s in client.get("/api/low-stock").json()["items"]] == [supply_id]
    move(client, supply_id, "receive", 1)
    assert client.get("/api/low-stock").json()["items"] == []


def test_supply_without_par_level_is_never_low(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE | {"par_level": 0})
    assert client.get("/api/low-stock").json()["total"] == 0


def test_supplies_list_filters_low_only(client: TestClient) -> None:
    gauze(client)
    client.post("/api/supplies", json=GAUZE | {"sku": "X", "barcode": "X1", "par_level": 0})
    assert [s["sku"] for s in client.get("/api/supplies", params={"low": "true"}).json()["items"]] == ["GZ-44"]
