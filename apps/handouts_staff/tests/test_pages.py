"""The handouts staff pages: library (or its empty state), editor, printable QR sheet."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from .conftest import SUNSCREEN


def test_empty_library_says_so(client: TestClient) -> None:
    assert "No handouts yet" in client.get("/").text


def test_library_lists_handouts_with_status_and_views(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN)
    body = client.get("/").text
    assert SUNSCREEN["title"] in body
    assert re.search(r'<tr data-handout="1">', body)


def test_editor_shows_rendered_preview_and_versions(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN)
    body = client.get("/1").text
    assert "<strong>SPF 30</strong>" in body
    assert "Draft: patients cannot see it." in body


def test_editor_of_published_handout_links_the_patient_page_and_qr(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN)
    client.post("/api/handouts/1/publish")
    body = client.get("/1").text
    assert "http://handouts.localhost/view/1" in body
    assert 'src="/api/handouts/1/qr.svg"' in body


def test_qr_sheet_is_printable_for_published_handouts_only(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN)
    assert client.get("/1/qr").status_code == 404
    client.post("/api/handouts/1/publish")
    assert "Scan with your phone" in client.get("/1/qr").text


def test_unknown_handout_page_is_404(client: TestClient) -> None:
    assert client.get("/77").status_code == 404


def test_pages_have_no_inline_script(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN)
    body = client.get("/1").text
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", body)
    assert not re.search(r"\son[a-z]+=", body)
