"""The real OpenID Connect code path, against a local provider: every bad token is refused, with no session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, RunningProvider
from tests.support.platform import ROOT, RunningPlatform, start_platform

ECHO_MANIFEST = ROOT / "tests" / "support" / "echo_platform.toml"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with RunningProvider() as running:
        yield running


@pytest.fixture(scope="module")
def oidc_platform(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_platform(
        Path(tmp_path_factory.mktemp("oidc-data")), manifest=ECHO_MANIFEST,
        env={"GANGER_AUTH": "oidc", "GANGER_OIDC_ISSUER": provider.issuer,
             "GANGER_OIDC_CLIENT_ID": CLIENT_ID, "GANGER_OIDC_CLIENT_SECRET": CLIENT_SECRET},
    )
    yield running
    running.stop()


@pytest.fixture()
def browser(oidc_platform: RunningPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://localhost:{oidc_platform.port}", follow_redirects=False, timeout=10) as client:
        yield client


def callback_url(browser: httpx.Client, next_path: str = "/echo/") -> str:
    """Start sign-in and let the provider answer: the callback path (with code and state) it sends back."""
    started = browser.get("/auth/start", params={"next": next_path})
    assert started.status_code == 302, started.text
    at_provider = httpx.get(started.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    origin = str(browser.base_url).rstrip("/")
    callback = at_provider.headers["location"]
    assert callback.startswith(f"{origin}/auth/callback?")
    return callback.removeprefix(origin)


def sign_in(browser: httpx.Client, next_path: str = "/echo/") -> httpx.Response:
    """Follow the whole flow as a browser would; the callback's answer."""
    return browser.get(callback_url(browser, next_path))


def code_of(callback: str) -> str:
    return callback.split("code=", 1)[1].split("&", 1)[0]


def has_session(response: httpx.Response) -> bool:
    return any(v.startswith("ganger_session=") and not v.startswith("ganger_session=;")
               for v in response.headers.get_list("set-cookie"))


def test_member_of_the_workspace_signs_in_and_returns_where_they_started(provider: Provider,
                                                                          browser: httpx.Client) -> None:
    provider.user()
    answer = sign_in(browser, "/echo/items?page=2")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/echo/items?page=2"
    assert has_session(answer)
    page = browser.get("/echo/items")
    assert page.status_code == 200
    assert any(name == "x-ganger-user" for name, _ in page.json()["headers"])


def test_authorization_request_uses_pkce_state_and_nonce(browser: httpx.Client) -> None:
    location = browser.get("/auth/start").headers["location"]
    for parameter in ("code_challenge=", "code_challenge_method=S256", "state=", "nonce=", "scope=openid"):
        assert parameter in location


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "someone-else"}, "could not be verified"),
        ({"iss": "https://evil.example"}, "could not be verified"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "could not be verified"),
        ({"email": "eve@gmail.com", "hd": None}, "not a member of the practice"),
        ({"email": "eve@evil.example", "hd": "evil.example"}, "not a member of the practice"),
        ({"hd": "evil.example"}, "not a member of the practice"),
        ({"email_verified": False}, "not verified"),
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "outside-domain", "other-workspace", "hd-mismatch",
         "unverified-email"],
)
def test_bad_identity_is_refused_with_a_clear_message_and_no_session(provider: Provider, browser: httpx.Client,
                                                                      claims: dict, reason: str) -> None:
    provider.user(**claims)
    answer = sign_in(browser)
    assert answer.status_code in (400, 403)
    assert reason in answer.text
    assert not has_session(answer)
    assert browser.get("/echo/", headers={"Accept": "application/json"}).status_code == 401


def test_token_signed_with_an_unknown_key_is_refused(provider: Provider, browser: httpx.Client) -> None:
    provider.user()
    provider.sign_with_stranger_key = True
    try:
        answer = sign_in(browser)
    finally:
        provider.sign_with_stranger_key = False
    assert answer.status_code == 400
    assert not has_session(answer)


def test_callback_with_a_forged_state_is_refused(provider: Provider, browser: httpx.Client) -> None:
    provider.user()
    answer = browser.get(callback_url(browser).replace("state=", "state=forged"))
    assert answer.status_code == 400
    assert "could not be verified" in answer.text
    assert not has_session(answer)


def test_replayed_authorization_code_is_refused(provider: Provider, browser: httpx.Client) -> None:
    provider.user()
    first = callback_url(browser)
    assert has_session(browser.get(first))
    second = callback_url(browser)
    answer = browser.get(second.replace(code_of(second), code_of(first)))
    old_code = code_of(first)
    assert answer.status_code == 400
    assert old_code in provider.refused_codes
    assert not has_session(answer)


def test_dev_sign_in_is_off_when_oidc_is_configured(oidc_platform: RunningPlatform) -> None:
    response = oidc_platform.request("POST", "/auth/dev-login", body=b"email=anna@gangerdermatology.com",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 404
    assert not (response.header("set-cookie") or "").startswith("ganger_session=e")
