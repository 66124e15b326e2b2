"""The data layer in real processes: `ganger up` migrates at start, answers through the router,
loses no update across two replicas, and keeps an acknowledged write through kill -9.

One platform for the module, with only the workers these tests need (the inventory worker with
two replicas, so both start and migrate at once).
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ganger.control import fetch_state
from tests.support.platform import ROOT, RunningPlatform, start_platform

from .fixtures import drop_schemas

WORKERS = ("ganger-staff-management", "ganger-inventory-staff", "ganger-handouts-staff", "ganger-handouts-patient")
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def trimmed_manifest(folder: Path) -> Path:
    """platform.toml with only WORKERS, and two inventory replicas."""
    source = (ROOT / "platform.toml").read_text()
    head, *sections = re.split(r"(?m)^(?=\[workers\.)", source)
    kept = []
    for section in sections:
        name = section.split("]", 1)[0].removeprefix("[workers.")
        if name in WORKERS:
            if name == "ganger-inventory-staff":
                section = section.rstrip() + "\nmin_replicas = 2\nmax_replicas = 2\n\n"
            kept.append(section)
    path = folder / "platform.toml"
    path.write_text(head + "".join(kept))
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    folder = tmp_path_factory.mktemp("data-platform")
    running = start_platform(folder / "data", manifest=trimmed_manifest(folder), env={"DATABASE_URL": url})
    yield running
    running.stop()
    if url:
        drop_schemas(url)


@pytest.fixture(scope="module")
def session(platform: RunningPlatform) -> str | None:
    """A staff session from dev sign-in; None where sign-in does not exist (the router then lets staff in)."""
    response = platform.request("POST", "/auth/dev-login", body=b"email=dev@gangerdermatology.com",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    if response.status == 404:
        return None
    cookie = response.header("set-cookie") or ""
    return cookie.split(";", 1)[0].partition("=")[2] or None


def call(platform: RunningPlatform, session: str | None, method: str, path: str, body: object = None):
    payload = json.dumps(body).encode() if body is not None else b""
    response = platform.request(method, path, headers=JSON if payload else {"Accept": "application/json"},
                                body=payload, session=session)
    return response.status, (json.loads(response.body) if response.body.startswith((b"{", b"[")) else response.body)


def inventory_pids(platform: RunningPlatform) -> list[int]:
    import asyncio

    state = asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock"))
    return [r.pid for r in state.workers["ganger-inventory-staff"].replicas if r.pid and r.phase == "ready"]


def test_workers_migrate_at_start_and_serve_their_pages(platform: RunningPlatform, session: str | None) -> None:
    for path, title in (("/inventory/", "Medical Supply Inventory"), ("/handouts/", "Patient Handouts")):
        response = platform.request("GET", path, session=session)
        assert response.status == 200, path
        assert title in response.body.decode()


def test_parallel_receives_across_two_replicas_lose_no_update(platform: RunningPlatform, session: str | None) -> None:
    assert len(inventory_pids(platform)) == 2
    status, supply = call(platform, session, "POST", "/inventory/api/supplies",
                          {"name": "Nitrile gloves M", "sku": "GLV-M", "unit": "box", "location": "Room 1"})
    assert status == 201, supply

    def receive(_: int) -> int:
        return call(platform, session, "POST", "/inventory/api/movements",
                    {"supply_id": supply["id"], "kind": "receive", "quantity": 1})[0]

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(receive, range(40)))
    assert statuses == [201] * 40
    assert call(platform, session, "GET", f"/inventory/api/supplies/{supply['id']}")[1]["onHand"] == 40


def test_acknowledged_write_survives_kill_9_of_the_worker(platform: RunningPlatform, session: str | None) -> None:
    status, supply = call(platform, session, "POST", "/inventory/api/supplies",
                          {"name": "Suture 4-0", "sku": "SUT-40", "unit": "pack", "location": "Room 2"})
    assert status == 201
    before = inventory_pids(platform)
    status, _ = call(platform, session, "POST", "/inventory/api/movements",
                     {"supply_id": supply["id"], "kind": "receive", "quantity": 7})
    assert status == 201
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = inventory_pids(platform)
        if len(now) == 2 and not set(now) & set(before):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the inventory replicas did not come back after kill -9")
    status, found = call(platform, session, "GET", f"/inventory/api/supplies/{supply['id']}")
    assert (status, found["onHand"]) == (200, 7)


def test_published_handout_opens_from_its_qr_code_on_the_patient_host(platform: RunningPlatform,
                                                                      session: str | None) -> None:
    status, handout = call(platform, session, "POST", "/handouts/api/handouts",
                           {"title": "Biopsy aftercare", "category": "Wound care", "body": "Keep it **dry** for 24 h."})
    assert status == 201
    status, published = call(platform, session, "POST", f"/handouts/api/handouts/{handout['id']}/publish", {})
    assert published["qrTarget"] == f"http://handouts.localhost:{platform.port}/qr/{published['code']}"
    redirect = platform.request("GET", f"/qr/{published['code']}", host="handouts.localhost")
    assert redirect.status == 303
    page = platform.request("GET", redirect.header("location"), host="handouts.localhost")
    assert page.status == 200
    assert "Keep it <strong>dry</strong> for 24 h." in page.body.decode()
    assert page.header("cache-control") == "public, max-age=300"
    assert "staff-nav" not in page.body.decode()


def test_unknown_handout_on_the_patient_host_is_a_friendly_404(platform: RunningPlatform) -> None:
    response = platform.request("GET", "/view/424242", host="handouts.localhost")
    assert response.status == 404
    assert "This handout is not available" in response.body.decode()
