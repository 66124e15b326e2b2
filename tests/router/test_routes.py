"""Every route of the spec answers through the router, from the right worker, with the seed's headers."""

from __future__ import annotations

import json

import pytest

from ganger.manifest import load_manifest
from tests.support.platform import ROOT, RunningPlatform

MANIFEST = load_manifest(ROOT / "platform.toml", check_modules=False)
STAFF = [(w.name, w.prefix, w.description) for w in MANIFEST.staff_workers]
PATIENT = [(w.name, w.host, w.description) for w in MANIFEST.patient_workers]


@pytest.mark.parametrize(("worker", "prefix", "description"), STAFF, ids=[s[0] for s in STAFF])
def test_staff_route_reaches_its_worker(platform: RunningPlatform, admin_session: str, worker: str, prefix: str,
                                       description: str) -> None:
    path = "/" if prefix == "/" else prefix + "/"
    response = platform.request("GET", path, session=admin_session)
    assert response.status == 200
    assert response.header("x-ganger-route-target") == description
    assert "<title>" in response.body.decode()
    if prefix != "/":
        health = platform.request("GET", prefix + "/health", session=admin_session)
        assert json.loads(health.body)["worker"] == worker


@pytest.mark.parametrize(("worker", "host", "description"), PATIENT, ids=[p[0] for p in PATIENT])
def test_patient_host_reaches_its_worker(platform: RunningPlatform, worker: str, host: str, description: str) -> None:
    response = platform.request("GET", "/", host=f"{host}.localhost")
    assert response.status == 200
    assert response.header("x-ganger-route-target") == description
    assert "staff-nav" not in response.body.decode()


def test_unbuilt_application_says_so(platform: RunningPlatform, staff_session: str) -> None:
    body = platform.request("GET", "/kiosk/", session=staff_session).body.decode()
    assert "not built yet" in body


def test_router_health_lists_every_worker_ready(platform: RunningPlatform) -> None:
    response = platform.request("GET", "/health")
    document = json.loads(response.body)
    assert response.status == 200
    assert document["status"] == "healthy"
    assert document["router"] == "staff-portal"
    assert document["totalRoutes"] == 20
    assert document["environment"] == "development"
    assert set(document["workers"]) == {w.name for w in MANIFEST.workers}
    assert all(w["state"] == "ready" for w in document["workers"].values())
    assert document["services"]["ganger-auth"]["state"] == "ready"


def test_unknown_host_is_refused_with_404(platform: RunningPlatform) -> None:
    response = platform.request("GET", "/", host="evil.example")
    assert response.status == 404


def test_worker_pages_carry_the_isolation_headers_for_both_kinds(platform: RunningPlatform, staff_session: str) -> None:
    for response in (platform.request("GET", "/inventory/", session=staff_session),
                     platform.request("GET", "/", host="handouts.localhost")):
        assert response.header("cross-origin-opener-policy") == "same-origin"
        assert response.header("cross-origin-resource-policy") == "same-origin"
        assert "script-src 'self'" in (response.header("content-security-policy") or "")
        assert "frame-ancestors 'none'" in (response.header("content-security-policy") or "")
