"""Patients: QR code to handout, the viewer, the list by category, friendly 404s, cacheable, no staff chrome."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from ganger.data import Store

from .conftest import publish, views


def test_qr_code_redirects_to_the_handout(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7, code="AbCd-123")
    response = client.get("/qr/AbCd-123")
    assert response.status_code == 303
    assert response.headers["location"] == "/view/7"


def test_handout_page_shows_the_published_html(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7)
    body = client.get("/view/7").text
    assert "<h1>Sunscreen after Mohs surgery</h1>" in body
    assert "<strong>SPF 30</strong>" in body


def test_public_pages_may_be_cached_for_five_minutes(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7)
    for path in ("/", "/view/7", "/qr/AbCd-123"):
        assert client.get(path).headers["cache-control"] == "public, max-age=300", path


def test_handout_page_is_readable_without_javascript(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7)
    body = client.get("/view/7").text
    assert "<script" not in body.replace('<script type="application/json"', "").replace('<script type="module"', "")
    assert '<meta name="viewport"' in body


def test_handout_page_carries_its_language(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7, language="es", title="Protector solar")
    response = client.get("/view/7")
    assert response.headers["content-language"] == "es"
    assert '<article class="handout" lang="es">' in response.text


def test_patient_pages_have_no_staff_navigation(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7)
    for path in ("/", "/view/7"):
        body = client.get(path).text
        assert "staff-nav" not in body and "Staff Portal" not in body


def test_landing_page_lists_published_handouts_by_category(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 1, title="Acne basics", category="Acne", code="acne0001")
    publish(owner_store, 2, title="Wound care at home", category="Wound care", code="wound001")
    body = client.get("/").text
    assert body.index("<h2 id=\"category-1\">Acne</h2>") < body.index("Wound care</h2>")
    assert 'href="/view/1"' in body and 'href="/view/2"' in body


def test_landing_page_without_handouts_says_so(client: TestClient, owner_store: Store) -> None:
    assert "No handouts are published yet." in client.get("/").text


def test_landing_page_before_the_owner_has_migrated_says_so(client: TestClient) -> None:
    assert "No handouts are published yet." in client.get("/").text
    assert client.get("/view/1").status_code == 404


@pytest.mark.parametrize("path", ["/view/99", "/qr/Zz-99999", "/qr/bad", "/qr/%3Cscript%3E", "/view/abc"])
def test_unknown_handout_or_code_is_a_friendly_404(client: TestClient, owner_store: Store, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "not available" in response.text or "no such page" in response.text
    assert response.headers["cache-control"] == "no-store"


def test_unpublished_handout_is_404(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7)
    with owner_store.write() as connection:
        connection.exec_driver_sql("DELETE FROM handout_publications")
    assert client.get("/view/7").status_code == 404
    assert client.get("/qr/AbCd-123").status_code == 404


def test_each_view_adds_one_to_a_counter_and_head_does_not(client: TestClient, owner_store: Store) -> None:
    publish(owner_store, 7)
    client.get("/view/7")
    client.get("/view/7")
    client.head("/view/7")
    assert views(owner_store, 7) == 2


def test_nothing_about_the_visitor_is_logged(client: TestClient, owner_store: Store,
                                             caplog: pytest.LogCaptureFixture) -> None:
    publish(owner_store, 7)
    with caplog.at_level(logging.DEBUG):
        client.get("/view/7", headers={"User-Agent": "PatientPhone/1.0", "X-Forwarded-For": "203.0.113.9"})
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))  # the test's own client
    assert "PatientPhone" not in text and "203.0.113.9" not in text and "/view/7" not in text
