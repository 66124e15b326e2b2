"""Parallel updates of one stock level never lose an update; an Idempotency-Key never writes twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from starlette.testclient import TestClient

from .conftest import GAUZE

PARALLEL = 8
EACH = 5


def test_parallel_receives_of_one_stock_level_lose_no_update(client: TestClient) -> None:
    supply_id = client.post("/api/supplies", json=GAUZE).json()["id"]

    def receive(_: int) -> int:
        return client.post("/api/movements", json={"supply_id": supply_id, "kind": "receive", "quantity": 1}).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(receive, range(PARALLEL * EACH)))
    assert statuses == [201] * (PARALLEL * EACH)
    assert client.get(f"/api/supplies/{supply_id}").json()["onHand"] == PARALLEL * EACH
    assert client.get("/api/movements", params={"supply_id": supply_id}).json()["total"] == PARALLEL * EACH


def test_parallel_uses_never_take_stock_below_zero(client: TestClient) -> None:
    supply_id = client.post("/api/supplies", json=GAUZE).json()["id"]
    client.post("/api/movements", json={"supply_id": supply_id, "kind": "receive", "quantity": 10})

    def use(_: int) -> int:
        return client.post("/api/movements", json={"supply_id": supply_id, "kind": "use", "quantity": 1}).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(use, range(16)))
    assert statuses.count(201) == 10
    assert statuses.count(409) == 6
    assert client.get(f"/api/supplies/{supply_id}").json()["onHand"] == 0


def test_repeated_idempotency_key_replays_the_first_answer(client: TestClient) -> None:
    supply_id = client.post("/api/supplies", json=GAUZE).json()["id"]
    body = {"supply_id": supply_id, "kind": "receive", "quantity": 3}
    first = client.post("/api/movements", json=body, headers={"Idempotency-Key": "scan-1"})
    again = client.post("/api/movements", json=body, headers={"Idempotency-Key": "scan-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert client.get(f"/api/supplies/{supply_id}").json()["onHand"] == 3


def test_parallel_requests_with_one_idempotency_key_write_once(client: TestClient) -> None:
    body = GAUZE

    def create(_: int) -> int:
        return client.post("/api/supplies", json=body, headers={"Idempotency-Key": "new-gauze"}).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(create, range(PARALLEL)))
    assert statuses == [201] * PARALLEL
    assert client.get("/api/supplies").json()["total"] == 1


def test_idempotency_key_reused_for_another_request_is_422(client: TestClient) -> None:
    client.post("/api/supplies", json=GAUZE, headers={"Idempotency-Key": "k1"})
    response = client.post("/api/supplies", json=GAUZE | {"sku": "B"}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert client.get("/api/supplies").json()["total"] == 1
