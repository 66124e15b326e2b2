"""The router's signature over who, what and when: workers accept only a fresh, exact one."""

from __future__ import annotations

from ganger.identity import User, sign, verify

SECRET = b"s" * 32
USER = User("anna@gangerdermatology.com", "Anna", frozenset({"staff", "admin"}))


def test_a_signed_request_gives_back_the_user() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/inventory/", now=1001) == USER


def test_a_signature_for_another_path_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/config/", now=1001) is None


def test_a_signature_for_another_method_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"DELETE", b"/inventory/", now=1001) is None


def test_a_stale_signature_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/inventory/", now=1000 + 31) is None


def test_a_signature_with_another_secret_is_refused() -> None:
    headers = sign(b"o" * 32, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/inventory/", now=1000) is None


def test_a_changed_identity_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/", now=1000)
    forged = sign(SECRET, User("eve@gangerdermatology.com", "Eve"), b"GET", b"/", now=1000)
    mixed = [forged[0], headers[1], headers[2]]
    assert verify(SECRET, mixed, b"GET", b"/", now=1000) is None


def test_repeated_identity_headers_are_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/", now=1000)
    assert verify(SECRET, headers + headers[:1], b"GET", b"/", now=1000) is None


def test_missing_headers_are_refused() -> None:
    assert verify(SECRET, [], b"GET", b"/", now=1000) is None
