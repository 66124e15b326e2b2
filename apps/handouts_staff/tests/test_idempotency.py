"""Creating a handout honours Idempotency-Key: a retry replays the first answer and writes nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from starlette.testclient import TestClient

from .conftest import SUNSCREEN


def total(client: TestClient) -> int:
    return client.get("/api/handouts").json()["total"]


def test_retried_create_with_the_same_key_replays_the_first_answer(client: TestClient) -> None:
    first = client.post("/api/handouts", json=SUNSCREEN, headers={"Idempotency-Key": "handout-1"})
    again = client.post("/api/handouts", json=SUNSCREEN, headers={"Idempotency-Key": "handout-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert total(client) == 1


def test_creates_without_a_key_or_with_different_keys_each_write(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN)
    client.post("/api/handouts", json=SUNSCREEN)
    client.post("/api/handouts", json=SUNSCREEN, headers={"Idempotency-Key": "a"})
    client.post("/api/handouts", json=SUNSCREEN, headers={"Idempotency-Key": "b"})
    assert total(client) == 4


def test_parallel_creates_with_one_key_write_once(client: TestClient) -> None:
    def create(_: int) -> int:
        return client.post("/api/handouts", json=SUNSCREEN, headers={"Idempotency-Key": "same"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(create, range(8)))
    assert statuses == [201] * 8
    assert total(client) == 1


def test_key_reused_for_another_request_is_422_naming_the_header(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN, headers={"Idempotency-Key": "k1"})
    response = client.post("/api/handouts", json=SUNSCREEN | {"title": "Other"}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert total(client) == 1


def test_malformed_key_is_422_and_nothing_is_written(client: TestClient) -> None:
    for bad in ("", "x" * 129, "with space", "tab\there"):
        response = client.post("/api/handouts", json=SUNSCREEN, headers={"Idempotency-Key": bad})
        assert response.status_code == 422, bad
        assert response.json()["field"] == "Idempotency-Key"
    assert total(client) == 0
