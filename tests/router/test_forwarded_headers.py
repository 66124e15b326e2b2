"""What the worker receives and what the client gets back: the seed's headers, and nothing spoofed."""

from __future__ import annotations

import json
import re

from tests.support.platform import RunningPlatform


def echoed(platform: RunningPlatform, session: str | None, path: str = "/echo/", **kwargs) -> dict:  # type: ignore[no-untyped-def]
    response = platform.request("GET", path, session=session, **kwargs)
    assert response.status == 200, response
    document = json.loads(response.body)
    document["header_map"] = {}
    for name, value in document["headers"]:
        document["header_map"].setdefault(name, []).append(value)
    return document


def test_worker_receives_routing_metadata(echo_platform: RunningPlatform, echo_session: str) -> None:
    headers = echoed(echo_platform, echo_session)["header_map"]
    assert headers["x-ganger-router"] == ["staff-portal"]
    assert headers["x-ganger-route"] == ["/echo"]
    assert headers["x-ganger-target"] == ["echo-staff"]
    assert headers["x-forwarded-for"] == ["127.0.0.1"]
    assert headers["x-forwarded-proto"] == ["http"]
    assert headers["x-forwarded-host"] == [f"localhost:{echo_platform.port}"]
    assert headers["x-forwarded-prefix"] == ["/echo"]


def test_client_sent_router_headers_are_dropped(echo_platform: RunningPlatform, echo_session: str) -> None:
    forged = {
        "X-Ganger-Target": "ganger-config-staff",
        "X-Forwarded-For": "10.0.0.1",
        "X-GANGER-USER": "eyJlbWFpbCI6ImV2aWwifQ",
        "X-Ganger-User-Sig": "00",
        "X_Ganger_User": "underscore-variant",
        "X-Request-Id": "chosen-by-client",
        "Forwarded": "for=10.0.0.1",
    }
    headers = echoed(echo_platform, echo_session, headers=forged)["header_map"]
    assert headers["x-ganger-target"] == ["echo-staff"]
    assert headers["x-forwarded-for"] == ["127.0.0.1"]
    assert "x_ganger_user" not in headers and "forwarded" not in headers
    assert headers["x-request-id"] != ["chosen-by-client"]
    assert len(headers["x-ganger-user"]) == 1 and headers["x-ganger-user"] != ["eyJlbWFpbCI6ImV2aWwifQ"]


def test_hop_by_hop_headers_are_not_forwarded(echo_platform: RunningPlatform, echo_session: str) -> None:
    headers = echoed(echo_platform, echo_session, headers={"Connection": "close, X-Secret-Hop", "X-Secret-Hop": "1",
                                                           "TE": "trailers", "Keep-Alive": "timeout=5",
                                                           "Proxy-Authorization": "Basic eDp5"})["header_map"]
    for name in ("x-secret-hop", "te", "keep-alive", "proxy-authorization"):
        assert name not in headers
    assert headers.get("connection") in (None, ["keep-alive"])


def test_session_cookie_never_reaches_the_worker_but_other_cookies_do(echo_platform: RunningPlatform,
                                                                       echo_session: str) -> None:
    document = echoed(echo_platform, None, headers={"Cookie": f"theme=dark; ganger_session={echo_session}; lang=en"})
    assert document["header_map"]["cookie"] == ["theme=dark; lang=en"]


def test_response_carries_routing_and_timing_headers(echo_platform: RunningPlatform, echo_session: str) -> None:
    response = echo_platform.request("GET", "/echo/", session=echo_session)
    assert response.header("x-ganger-route-target") == "Echo Staff"
    assert re.fullmatch(r"\d+\.\d\dms", response.header("x-ganger-router-time") or "")
    timing = response.header("server-timing") or ""
    assert re.fullmatch(r"router;dur=[\d.]+, worker;dur=[\d.]+, total;dur=[\d.]+", timing)
    assert re.fullmatch(r"[0-9a-f]{16}", response.header("x-request-id") or "")


def test_worker_server_header_is_not_disclosed(echo_platform: RunningPlatform, echo_session: str) -> None:
    response = echo_platform.request("GET", "/echo/", session=echo_session)
    assert response.header("server") is None
