"""Longest segment-boundary prefix, case-insensitive, on the canonical path: no way around a route."""

from __future__ import annotations

import json

import pytest

from tests.support.platform import RunningPlatform


def target(platform: RunningPlatform, session: str, path: str) -> tuple[int, dict]:
    response = platform.request("GET", path, session=session)
    body = json.loads(response.body) if response.header("content-type") == "application/json" else {}
    return response.status, {"worker": response.header("x-ganger-route-target"), **body}


@pytest.mark.parametrize(
    ("path", "worker", "forwarded"),
    [
        ("/echo/", "Echo Staff", "/echo/"),
        ("/echo/items/7", "Echo Staff", "/echo/items/7"),
        ("/Echo/X", "Echo Staff", "/Echo/X"),
        ("/ECHO/", "Echo Staff", "/ECHO/"),
        ("/echox", "Echo Root", "/echox"),
        ("/echo-not/", "Echo Root", "/echo-not/"),
        ("/x/../echo/", "Echo Staff", "/echo/"),
        ("/%2e%2e/echo/", "Echo Staff", "/echo/"),
        ("/%2E%2E/%2e/echo/a", "Echo Staff", "/echo/a"),
        ("//echo/", "Echo Staff", "/echo/"),
        ("/other//..//echo/b", "Echo Staff", "/echo/b"),
        ("/echo/../other/", "Echo Other", "/other/"),
        ("/%65cho/", "Echo Staff", "/echo/"),
        ("/nothing/here", "Echo Root", "/nothing/here"),
    ],
)
def test_path_routes_on_its_canonical_form(echo_platform: RunningPlatform, echo_session: str, path: str,
                                           worker: str, forwarded: str) -> None:
    status, seen = target(echo_platform, echo_session, path)
    assert status == 200
    assert seen["worker"] == worker
    assert seen["path"] == forwarded


def test_prefix_is_passed_as_root_path_in_the_request_case(echo_platform: RunningPlatform, echo_session: str) -> None:
    _, seen = target(echo_platform, echo_session, "/Echo/x")
    assert dict(seen["headers"])["x-forwarded-prefix"] == "/Echo"


def test_bare_prefix_redirects_to_prefix_with_slash_keeping_the_query(echo_platform: RunningPlatform,
                                                                      echo_session: str) -> None:
    response = echo_platform.request("GET", "/echo?a=1", session=echo_session)
    assert response.status == 308
    assert response.header("location") == "/echo/?a=1"


@pytest.mark.parametrize("path", ["/echo%2fx", "/echo%2Fx/", "/echo%5cx", "/echo\\x", "/echo/%zz", "/echo/%00"])
def test_encoded_separators_and_broken_encodings_are_refused(echo_platform: RunningPlatform, echo_session: str,
                                                             path: str) -> None:
    response = echo_platform.request("GET", path, session=echo_session)
    assert response.status == 400
    assert "path" in json.loads(response.body)["message"]


def test_query_string_is_forwarded_unchanged_and_never_routes(echo_platform: RunningPlatform, echo_session: str) -> None:
    status, seen = target(echo_platform, echo_session, "/nothing?next=/echo/&x=%2F")
    assert status == 200
    assert seen["worker"] == "Echo Root"
    assert seen["query"] == "next=/echo/&x=%2F"


def test_patient_host_routes_everything_to_its_worker(echo_platform: RunningPlatform) -> None:
    response = echo_platform.request("GET", "/echo/anything", host="echo.localhost")
    assert response.status == 200
    assert response.header("x-ganger-route-target") == "Echo Patient"
