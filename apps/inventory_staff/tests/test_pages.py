"""The inventory pages: real data or an honest empty state, the scanner, labels, camera permission."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from .conftest import GAUZE


def test_empty_inventory_says_so(client: TestClient) -> None:
    body = client.get("/").text
    assert "No supplies yet" in body
    assert "No supply is at or below its par level." in body


def test_home_lists_supplies_and_low_stock(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE)
    body = client.get("/").text
    assert re.search(r'<tr data-supply="1" class="low">', body)
    assert 'id="low-stock"' in body and "Gauze pads 4x4</a>" in body


def test_home_search_without_results_says_so(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE)
    assert "No supply matches this search." in client.get("/", params={"q": "nothing"}).text


def test_scanner_field_is_focused_for_a_keyboard_wedge_scanner(client: TestClient) -> None:
    assert re.search(r'<input id="scan-code"[^>]*autofocus', client.get("/").text)


def test_page_loads_its_module_script_and_no_inline_script(client: TestClient) -> None:
    body = client.get("/").text
    match = re.search(r'<script type="module" src="(/static/app\.[0-9a-f]+\.js)">', body)
    assert match
    assert client.get(match.group(1)).status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", body)
    assert not re.search(r"\son[a-z]+=", body)


def test_scanner_page_may_use_the_camera(client: TestClient) -> None:
    assert "camera=(self)" in client.get("/").headers["permissions-policy"]


def test_supply_page_shows_stock_and_movements(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE)
    client.post("/api/movements", json={"supply_id": 1, "kind": "receive", "quantity": 4, "location": "Room 1"})
    body = client.get("/supplies/1").text
    assert "Room 1" in body
    assert "dev@gangerdermatology.com" in body
    assert "+4" in body


def test_new_supply_page_says_it_has_no_stock_or_movements(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE)
    body = client.get("/supplies/1").text
    assert "No stock recorded at any location yet." in body
    assert "No movements yet." in body


def test_unknown_supply_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/supplies/42")
    assert response.status_code == 404
    assert "Not found" in response.text


def test_label_page_repeats_the_label_for_each_copy(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE)
    body = client.get("/supplies/1/label", params={"copies": 3}).text
    assert body.count('src="/api/supplies/1/label.svg"') == 3


def test_label_page_refuses_too_many_copies(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE)
    assert client.get("/supplies/1/label", params={"copies": 500}).status_code == 422
