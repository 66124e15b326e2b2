"""No staff application, API or asset is reachable without a signed-in member of the practice."""

from __future__ import annotations

import json
import socket

import pytest

from ganger.manifest import load_manifest
from tests.support.platform import ROOT, RunningPlatform, parse_response

MANIFEST = load_manifest(ROOT / "platform.toml", check_modules=False)
STAFF_PATHS = ["/" if w.prefix == "/" else w.prefix + "/" for w in MANIFEST.staff_workers]


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_signed_out_page_request_redirects_to_sign_in_with_return_path(platform: RunningPlatform, path: str) -> None:
    response = platform.request("GET", path + "?tab=1", headers={"Accept": "text/html"})
    assert response.status == 302
    assert response.header("location") == f"/auth/login?next={path}%3Ftab%3D1"


@pytest.mark.parametrize("path", [p + "api/anything" for p in STAFF_PATHS])
def test_signed_out_api_request_gets_401_json(platform: RunningPlatform, path: str) -> None:
    response = platform.request("GET", path)
    assert response.status == 401
    assert json.loads(response.body)["message"] == "Sign in required."


def test_signed_out_asset_request_is_not_served(platform: RunningPlatform) -> None:
    response = platform.request("GET", "/inventory/static/_ganger/ganger.js")
    assert response.status == 302


def test_signed_out_post_gets_401_not_a_redirect(platform: RunningPlatform) -> None:
    response = platform.request("POST", "/inventory/", body=b"x=1")
    assert response.status == 401


def test_forged_identity_headers_without_session_change_nothing(platform: RunningPlatform) -> None:
    response = platform.request("GET", "/config/", headers={"X-Ganger-User": "e30", "X-Ganger-User-Sig": "0",
                                                            "X-Ganger-User-Ts": "0", "Accept": "text/html"})
    assert response.status == 302


def test_tampered_cookie_is_a_signed_out_user(platform: RunningPlatform, staff_session: str) -> None:
    tampered = staff_session[:-3] + ("xyz" if not staff_session.endswith("xyz") else "abc")
    response = platform.request("GET", "/inventory/", session=tampered, headers={"Accept": "text/html"})
    assert response.status == 302


def test_worker_socket_reached_directly_answers_401(platform: RunningPlatform) -> None:
    socket_path = platform.data_dir / "run" / "ganger-inventory-staff.0.0.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(socket_path))
        sock.sendall(b"GET /inventory/ HTTP/1.1\r\nHost: x\r\nX-Forwarded-Prefix: /inventory\r\nConnection: close\r\n\r\n")
        data = b"".join(iter(lambda: sock.recv(65536), b""))
    response = parse_response(data)
    assert response.status == 401
    assert b"signed by the platform router" in response.body


def test_worker_sockets_are_private_to_the_platform_user(platform: RunningPlatform) -> None:
    assert (platform.data_dir / "run").stat().st_mode & 0o077 == 0


def test_patient_hosts_need_no_sign_in(platform: RunningPlatform) -> None:
    assert platform.request("GET", "/", host="handouts.localhost").status == 200


def test_staff_member_without_admin_role_is_refused_the_status_page(platform: RunningPlatform,
                                                                   staff_session: str) -> None:
    response = platform.request("GET", "/status/", session=staff_session, headers={"Accept": "text/html"})
    assert response.status == 403


def test_admin_sees_the_status_page_with_live_worker_state(platform: RunningPlatform, admin_session: str) -> None:
    response = platform.request("GET", "/status/api/workers", session=admin_session)
    workers = {w["worker"]: w for w in json.loads(response.body)["workers"]}
    assert workers["ganger-inventory-staff"]["state"] == "ready"
    assert workers["ganger-inventory-staff"]["pids"]


def test_staff_navigation_shows_who_is_signed_in(platform: RunningPlatform, staff_session: str) -> None:
    body = platform.request("GET", "/inventory/", session=staff_session).body.decode()
    assert "dev@gangerdermatology.com" in body
    assert 'action="/auth/logout"' in body


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "%2F%2Fevil"])
def test_sign_in_never_redirects_off_site(platform: RunningPlatform, target: str) -> None:
    response = platform.request("POST", "/auth/dev-login", body=f"email=dev@gangerdermatology.com&next={target}".encode(),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 303
    assert response.header("location") == "/"


def test_dev_sign_in_refuses_addresses_outside_the_practice(platform: RunningPlatform) -> None:
    response = platform.request("POST", "/auth/dev-login", body=b"email=eve@gmail.com",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 400
    assert "ganger_session=;" in (response.header("set-cookie") or "")


def test_sign_out_clears_the_session_cookie(platform: RunningPlatform, staff_session: str) -> None:
    response = platform.request("POST", "/auth/logout", session=staff_session)
    assert response.status == 303
    assert response.header("location") == "/auth/login?signed_out=1"
    assert "Max-Age=0" in (response.header("set-cookie") or "")


def test_sign_in_page_offers_the_dev_form(platform: RunningPlatform) -> None:
    body = platform.request("GET", "/auth/login?next=/inventory/").body.decode()
    assert 'action="/auth/dev-login"' in body
    assert 'value="/inventory/"' in body


def test_audit_log_records_sign_in_and_role_denials_without_the_cookie(platform: RunningPlatform,
                                                                        staff_session: str) -> None:
    platform.request("GET", "/config/", session=staff_session)
    audit = [json.loads(line) for line in platform.output if '"component":"audit"' in line]
    events = {entry["event"] for entry in audit}
    assert {"sign-in", "role denied"} <= events
    assert not any(staff_session in line for line in platform.output)
