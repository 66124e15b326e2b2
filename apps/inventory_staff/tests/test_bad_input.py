"""Bad input to any endpoint: a 4xx JSON error naming the field, and nothing written."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from .conftest import GAUZE


def nothing_written(client: TestClient) -> bool:
    return client.get("/api/supplies").json()["total"] == 0 and client.get("/api/movements").json()["total"] == 0


@pytest.mark.parametrize(("body", "field"), [
    ({k: v for k, v in GAUZE.items() if k != "sku"}, "sku"),
    (GAUZE | {"name": ""}, "name"),
    (GAUZE | {"name": "  padded  "}, "name"),
    (GAUZE | {"name": "x" * 121}, "name"),
    (GAUZE | {"sku": "has space"}, "sku"),
    (GAUZE | {"barcode": "tab\there"}, "barcode"),
    (GAUZE | {"par_level": -1}, "par_level"),
    (GAUZE | {"par_level": "5"}, "par_level"),
    (GAUZE | {"reorder_quantity": 1.5}, "reorder_quantity"),
    (GAUZE | {"unexpected": 1}, "unexpected"),
], ids=["missing-sku", "empty-name", "padded-name", "long-name", "sku-space", "barcode-control", "negative-par",
        "string-par", "float-reorder", "unknown-field"])
def test_bad_supply_body_is_422_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/supplies", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert field in response.json()["error"]
    assert nothing_written(client)


@pytest.mark.parametrize(("body", "field"), [
    ({"supply_id": 1, "kind": "steal", "quantity": 1}, "kind"),
    ({"supply_id": 1, "kind": "receive"}, "quantity"),
    ({"supply_id": 1, "kind": "receive", "quantity": 0}, "quantity"),
    ({"supply_id": 1, "kind": "use", "quantity": -2}, "quantity"),
    ({"supply_id": 1, "kind": "count", "quantity": -1}, "quantity"),
    ({"supply_id": 0, "kind": "receive", "quantity": 1}, "supply_id"),
    ({"supply_id": 1, "kind": "receive", "quantity": 1, "location": ""}, "location"),
    ({"supply_id": 1, "kind": "receive", "quantity": 10**12}, "quantity"),
], ids=["bad-kind", "no-quantity", "zero-receive", "negative-use", "negative-count", "supply-zero", "empty-location",
        "huge-quantity"])
def test_bad_movement_body_is_4xx_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    client.post("/api/supplies", json=GAUZE)
    response = client.post("/api/movements", json=body)
    assert 400 <= response.status_code < 500
    assert response.json()["field"] == field
    assert client.get("/api/movements").json()["total"] == 0
    assert client.get("/api/supplies/1").json()["onHand"] == 0


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post("/api/supplies", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert nothing_written(client)


def test_body_that_is_not_json_is_415(client: TestClient) -> None:
    response = client.post("/api/supplies", data={"name": "x"})
    assert response.status_code == 415
    assert nothing_written(client)


def test_body_of_the_wrong_shape_is_422(client: TestClient) -> None:
    assert client.post("/api/supplies", json=[GAUZE]).status_code == 422


def test_bad_patch_value_is_422_naming_the_field_and_changes_nothing(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE)
    response = client.patch("/api/supplies/1", json={"par_level": 3, "unit": ""})
    assert response.status_code == 422
    assert response.json()["field"] == "unit"
    assert client.get("/api/supplies/1").json()["parLevel"] == 5


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/supplies", {"limit": "0"}, "limit"),
    ("/api/supplies", {"limit": "201"}, "limit"),
    ("/api/supplies", {"offset": "-1"}, "offset"),
    ("/api/supplies", {"limit": "ten"}, "limit"),
    ("/api/supplies", {"sort": "name"}, "sort"),
    ("/api/movements", {"kind": "steal"}, "kind"),
    ("/api/stock", {"supply_id": "x"}, "supply_id"),
    ("/api/stock.csv", {"location": "x" * 81}, "location"),
    ("/api/lookup", {}, "code"),
], ids=["zero-limit", "big-limit", "negative-offset", "word-limit", "unknown-param", "bad-kind", "bad-id",
        "long-location", "no-code"])
def test_bad_query_parameter_is_422_naming_it(client: TestClient, path: str, params: dict, field: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_repeated_query_parameter_is_422(client: TestClient) -> None:
    response = client.get("/api/supplies?limit=1&limit=2")
    assert response.status_code == 422
    assert response.json()["field"] == "limit"
