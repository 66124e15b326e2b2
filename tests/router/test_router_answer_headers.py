"""Every answer the router writes itself carries the full security-header set and names no server.

The router's pages are self-contained (inline style, no script, no form, no frame), so their CSP
can deny everything else; COOP/CORP keep them out of other origins' windows and embeds.
"""

from __future__ import annotations

import pytest

from tests.support.platform import Response, RunningPlatform

EXPECTED = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cache-control": "no-store",
}
HTML = {"Accept": "text/html"}

# (what, method, target, host, headers, signed in, expected status)
ANSWERS = [
    ("unknown host", "GET", "/", "evil.example", {}, False, 404),
    ("bad path", "GET", "/echo%2fx", "localhost", {}, True, 400),
    ("worker down, page", "GET", "/gone/", "localhost", HTML, True, 503),
    ("worker down, api", "GET", "/gone/api/items", "localhost", {}, True, 503),
    ("bare prefix", "GET", "/echo?a=1", "localhost", {}, True, 308),
    ("signed out page", "GET", "/echo/", "localhost", HTML, False, 302),
    ("signed out api", "GET", "/echo/api/items", "localhost", {}, False, 401),
    ("health", "GET", "/health", "localhost", {}, False, 200),
    ("health head", "HEAD", "/health", "localhost", {}, False, 200),
]


@pytest.mark.parametrize(("what", "method", "target", "host", "headers", "signed_in", "status"), ANSWERS,
                         ids=[a[0] for a in ANSWERS])
def test_router_answer_carries_security_headers(echo_platform: RunningPlatform, echo_session: str, what: str,
                                                method: str, target: str, host: str, headers: dict[str, str],
                                                signed_in: bool, status: int) -> None:
    response = echo_platform.request(method, target, host=host, headers=headers,
                                     session=echo_session if signed_in else None)
    assert response.status == status, what
    assert_router_headers(response)


def test_refused_request_carries_security_headers(echo_platform: RunningPlatform) -> None:
    from tests.support.platform import raw_exchange

    response = raw_exchange(echo_platform.port, b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n"
                                                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert response.status == 400
    assert_router_headers(response)


def assert_router_headers(response: Response) -> None:
    names = [name for name, _ in response.header_list]
    for name, value in EXPECTED.items():
        assert names.count(name) == 1, f"{name} appears {names.count(name)} times"
        assert response.header(name) == value
    assert "server" not in names
    assert "x-powered-by" not in names
