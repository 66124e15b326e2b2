"""Stock per location as JSON pages and as a CSV export."""

from __future__ import annotations

import csv
import io

from starlette.testclient import TestClient

from .conftest import GAUZE


def stocked(client: TestClient) -> int:
    supply_id = client.post("/api/supplies", json=GAUZE).json()["id"]
    for location, quantity in (("Room 1", 4), ("Room 2", 6)):
        client.post("/api/movements", json={"supply_id": supply_id, "kind": "receive", "quantity": quantity, "location": location})
    return supply_id


def test_stock_lists_one_row_per_supply_and_location(client: TestClient) -> None:
    stocked(client)
    page = client.get("/api/stock").json()
    assert [(r["location"], r["quantity"]) for r in page["items"]] == [("Room 1", 4), ("Room 2", 6)]
    assert page["total"] == 2


def test_stock_filters_by_location(client: TestClient) -> None:
    stocked(client)
    assert [r["quantity"] for r in client.get("/api/stock", params={"location": "Room 2"}).json()["items"]] == [6]


def test_csv_export_has_a_header_and_every_row(client: TestClient) -> None:
    stocked(client)
    response = client.get("/api/stock.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["location"], r["quantity"]) for r in rows] == [("Room 1", "4"), ("Room 2", "6")]
    assert rows[0]["sku"] == "GZ-44"


def test_csv_export_defuses_spreadsheet_formulas(client: TestClient) -> None:
    supply_id = client.post("/api/supplies", json=GAUZE | {"name": "=HYPERLINK(1)"}).json()["id"]
    client.post("/api/movements", json={"supply_id": supply_id, "kind": "receive", "quantity": 1})
    rows = list(csv.DictReader(io.StringIO(client.get("/api/stock.csv").text)))
    assert rows[0]["name"] == "'=HYPERLINK(1)"


def test_csv_export_of_empty_inventory_is_just_the_header(client: TestClient) -> None:
    assert client.get("/api/stock.csv").text.strip().startswith("supply_id,name,sku")
    assert len(client.get("/api/stock.csv").text.strip().splitlines()) == 1
