"""No patient data, cookie or token reaches a log: a realistic session with canaries, then a scan.

A real platform (router, sign-in, inventory, handouts staff and patient) is driven through the
router with canary values wherever a patient's name, a token or a cookie could appear: bodies,
query strings, paths, headers, refused requests and failed writes. Then every line the platform
printed and every file under its `log/` folder is searched for the canaries and for the session
cookie's value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data.manifests import manifest_with
from tests.support.platform import RunningPlatform, raw_exchange, start_platform

WORKERS = ("ganger-staff-management", "ganger-inventory-staff", "ganger-handouts-staff", "ganger-handouts-patient")
PATIENT = "CANARY-PATIENT-Jane-Doe-1234"
CANARIES = {
    "patient": PATIENT,
    "note": "CANARY-NOTE-MRN-55501",
    "query": "CANARY-QUERY-DOB-19700101",
    "path": "CANARY-PATH-SSN-0000",
    "bearer": "CANARY-BEARER-TOKEN-eyJhbGciOi",
    "cookie": "CANARY-COOKIE-value-7f3a",
    "forged": "CANARY-FORGED-SESSION-9c1d",
    "idempotency": "CANARY-IDEMPOTENCY-Jane-Doe",
    "header": "CANARY-HEADER-Referer-Jane",
    "refused": "CANARY-REFUSED-HEADER-VALUE",
    "handout": "CANARY-HANDOUT-Jane-Doe-biopsy",
}
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    folder = tmp_path_factory.mktemp("canary")
    running = start_platform(folder / "data", manifest=manifest_with(folder, WORKERS))
    yield running
    running.stop()


def test_no_canary_or_session_in_any_log(platform: RunningPlatform) -> None:
    session = platform.sign_in()
    assert session
    run_realistic_session(platform, session)
    platform.stop()  # flushes every buffer (the router's access lines) and ends the output

    found = scan(platform, [*CANARIES.values(), session])
    assert not found, "secrets in the logs:\n" + "\n".join(found[:20])


def run_realistic_session(platform: RunningPlatform, session: str) -> None:
    def call(method: str, target: str, body: object = None, headers: dict[str, str] | None = None,
             host: str = "localhost", signed_in: bool = True):  # type: ignore[no-untyped-def]
        payload = json.dumps(body).encode() if body is not None else b""
        response = platform.request(method, target, host=host, body=payload, session=session if signed_in else None,
                                    headers={**(JSON if payload else {"Accept": "application/json"}), **(headers or {})})
        return response.status, (json.loads(response.body) if response.body.startswith((b"{", b"[")) else None)

    status, supply = call("POST", "/inventory/api/supplies",
                          {"name": PATIENT, "sku": "CANARY-SKU-1", "barcode": "CANARY-BC-1", "unit": "box",
                           "location": "Room 1"}, headers={"Idempotency-Key": CANARIES["idempotency"]})
    assert status == 201, supply
    assert call("POST", "/inventory/api/supplies",
                {"name": PATIENT, "sku": "CANARY-SKU-1", "barcode": "CANARY-BC-1", "unit": "box",
                 "location": "Room 1"}, headers={"Idempotency-Key": CANARIES["idempotency"]})[0] == 201
    assert call("POST", "/inventory/api/supplies",  # a unique-key conflict: the database error names the values
                {"name": PATIENT, "sku": "CANARY-SKU-1", "unit": "box", "location": "Room 1"})[0] == 409
    assert call("POST", "/inventory/api/movements", {"supply_id": supply["id"], "kind": "receive", "quantity": 5,
                                                     "note": CANARIES["note"]})[0] == 201
    assert call("POST", "/inventory/api/movements", {"supply_id": supply["id"], "kind": "use", "quantity": 99,
                                                     "note": CANARIES["note"]})[0] == 409
    assert call("POST", "/inventory/api/movements", {"barcode": CANARIES["patient"], "kind": "use",
                                                     "quantity": 1})[0] == 422
    assert call("POST", "/inventory/api/supplies", {"name": PATIENT * 10, "sku": "x", "unit": "box",
                                                    "location": "Room 1"})[0] == 422
    assert call("GET", f"/inventory/api/lookup?code={CANARIES['query']}")[0] == 404
    assert call("GET", f"/inventory/api/supplies?q={CANARIES['query']}")[0] in (200, 422)
    assert call("GET", f"/inventory/{CANARIES['path']}?name={CANARIES['query']}")[0] == 404
    assert call("GET", "/inventory/api/stock.csv?" + "location=" + CANARIES["query"])[0] == 200

    status, handout = call("POST", "/handouts/api/handouts",
                           {"title": CANARIES["handout"], "category": "Wound care", "body": f"For {PATIENT}."})
    assert status == 201, handout
    status, published = call("POST", f"/handouts/api/handouts/{handout['id']}/publish", {})
    assert status == 200, published
    for target in (f"/view/{handout['id']}?patient={CANARIES['query']}", f"/qr/{published['code']}?mrn={CANARIES['query']}",
                   f"/view/{CANARIES['path']}?q={CANARIES['query']}"):
        assert platform.request("GET", target, host="handouts.localhost",
                                headers={"Referer": f"https://example.org/?p={CANARIES['header']}"}).status < 500

    bearer = {"Authorization": f"Bearer {CANARIES['bearer']}"}
    assert call("GET", "/inventory/api/low-stock", headers=bearer)[0] == 200
    assert platform.request("GET", "/metrics", headers=bearer).status == 401
    assert call("GET", "/inventory/api/low-stock", signed_in=False, headers=bearer)[0] == 401
    cookie = {"Cookie": f"ganger_session={session}; tracking={CANARIES['cookie']}"}
    assert platform.request("GET", "/inventory/api/low-stock", headers=cookie).status == 200
    forged = {"Cookie": f"ganger_session={CANARIES['forged']}", "Accept": "text/html"}
    assert platform.request("GET", f"/inventory/?next={CANARIES['query']}", headers=forged).status == 302
    refused = raw_exchange(platform.port, (f"GET /inventory/ HTTP/1.1\r\nHost: localhost\r\n"
                                           f"Content_Length: {CANARIES['refused']}\r\n\r\n").encode())
    assert refused.status == 400
    assert platform.request("GET", f"/?{CANARIES['query']}", host=f"{CANARIES['path'].lower()}.example").status == 404
    assert platform.request("POST", "/auth/logout", session=session).status == 303


def scan(platform: RunningPlatform, secrets: list[str]) -> list[str]:
    """`where: line` for every line of output or log file holding one of `secrets` (in any case)."""
    lowered = [s.lower() for s in secrets]
    found = []
    sources: list[tuple[str, list[str]]] = [("output", platform.output)]
    for path in sorted((platform.data_dir / "log").rglob("*")):
        if path.is_file():
            sources.append((str(path), path.read_text(errors="replace").splitlines()))
    assert len(platform.output) > 10  # the scan saw the platform's lines
    for where, lines in sources:
        for line in lines:
            if any(s in line.lower() for s in lowered):
                found.append(f"{where}: {line[:300]}")
    return found


def test_scan_finds_a_planted_canary(tmp_path: Path) -> None:
    """The scan itself works: a canary in a log file or in the output is reported."""
    from unittest.mock import MagicMock

    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "worker.log").write_text(f'{{"event": "x", "name": "{PATIENT.lower()}"}}\n')
    fake = MagicMock(data_dir=tmp_path, output=["line"] * 11 + [f"cookie {CANARIES['cookie']}"])
    assert len(scan(fake, [PATIENT, CANARIES["cookie"]])) == 2
