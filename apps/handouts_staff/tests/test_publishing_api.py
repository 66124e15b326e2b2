"""Publishing: a snapshot for patients, one QR code per handout for life, unpublishing, QR images."""

from __future__ import annotations

from starlette.testclient import TestClient

from .conftest import SUNSCREEN


def published(client: TestClient) -> dict:
    handout_id = client.post("/api/handouts", json=SUNSCREEN).json()["id"]
    response = client.post(f"/api/handouts/{handout_id}/publish")
    assert response.status_code == 200, response.text
    return response.json()


def test_publishing_gives_a_code_and_patient_links(client: TestClient) -> None:
    handout = published(client)
    assert handout["status"] == "published"
    assert handout["publishedVersion"] == 1
    assert len(handout["code"]) == 8
    assert handout["qrTarget"] == f"http://handouts.localhost/qr/{handout['code']}"
    assert handout["patientUrl"] == f"http://handouts.localhost/view/{handout['id']}"


def test_republishing_keeps_the_code_and_publishes_the_new_version(client: TestClient) -> None:
    handout = published(client)
    client.patch(f"/api/handouts/{handout['id']}", json={"body": "New text"})
    pending = client.get(f"/api/handouts/{handout['id']}").json()
    assert pending["unpublishedChanges"] is True
    again = client.post(f"/api/handouts/{handout['id']}/publish").json()
    assert (again["code"], again["publishedVersion"], again["unpublishedChanges"]) == (handout["code"], 2, False)


def test_an_older_version_can_be_published(client: TestClient) -> None:
    handout = published(client)
    client.patch(f"/api/handouts/{handout['id']}", json={"body": "New text"})
    assert client.post(f"/api/handouts/{handout['id']}/publish", json={"version": 1}).json()["publishedVersion"] == 1


def test_publishing_a_version_that_does_not_exist_is_422(client: TestClient) -> None:
    handout = published(client)
    response = client.post(f"/api/handouts/{handout['id']}/publish", json={"version": 7})
    assert response.status_code == 422
    assert response.json()["field"] == "version"
    assert client.get(f"/api/handouts/{handout['id']}").json()["publishedVersion"] == 1


def test_unpublishing_makes_it_a_draft_and_keeps_the_code(client: TestClient) -> None:
    handout = published(client)
    withdrawn = client.post(f"/api/handouts/{handout['id']}/unpublish").json()
    assert (withdrawn["status"], withdrawn["publishedVersion"], withdrawn["code"]) == ("draft", None, handout["code"])


def test_publish_and_unpublish_of_unknown_handout_are_404(client: TestClient) -> None:
    assert client.post("/api/handouts/9/publish").status_code == 404
    assert client.post("/api/handouts/9/unpublish").status_code == 404


def test_qr_code_is_served_as_svg_and_png(client: TestClient) -> None:
    handout = published(client)
    svg = client.get(f"/api/handouts/{handout['id']}/qr.svg")
    png = client.get(f"/api/handouts/{handout['id']}/qr.png")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_draft_has_no_qr_code(client: TestClient) -> None:
    client.post("/api/handouts", json=SUNSCREEN)
    assert client.get("/api/handouts/1/qr.svg").status_code == 404


def test_qr_in_another_format_is_404(client: TestClient) -> None:
    handout = published(client)
    assert client.get(f"/api/handouts/{handout['id']}/qr.gif").status_code == 404


def test_script_in_a_body_never_reaches_the_published_html(client: TestClient) -> None:
    body = '<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>'
    handout_id = client.post("/api/handouts", json=SUNSCREEN | {"body": body}).json()["id"]
    html = client.post(f"/api/handouts/{handout_id}/publish").json()["html"]
    assert "<script" not in html and 'href="javascript' not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text, harmless
