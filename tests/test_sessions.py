"""The session cookie: genuine and fresh, or signed out — never an error."""

from __future__ import annotations

from ganger.identity import User
from ganger.sessions import SessionCodec, cookie_value, without_cookie

USER = User("anna@gangerdermatology.com", "Anna", frozenset({"staff"}))
CODEC = SessionCodec(b"k" * 32, idle_seconds=3600, absolute_seconds=12 * 3600, secure=True)


def test_a_fresh_cookie_gives_back_its_user() -> None:
    session = CODEC.decode(CODEC.encode(USER, now=1000), now=1010)
    assert session is not None and session.user == USER


def test_a_tampered_cookie_is_signed_out() -> None:
    value = CODEC.encode(USER, now=1000)
    assert CODEC.decode(value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1], now=1010) is None


def test_a_cookie_signed_with_another_key_is_signed_out() -> None:
    other = SessionCodec(b"x" * 32, idle_seconds=3600, absolute_seconds=43200, secure=True)
    assert CODEC.decode(other.encode(USER, now=1000), now=1010) is None


def test_an_idle_cookie_expires() -> None:
    assert CODEC.decode(CODEC.encode(USER, now=1000), now=1000 + 3601) is None


def test_an_active_cookie_still_expires_at_the_absolute_limit() -> None:
    value = CODEC.encode(USER, issued_at=1000, now=1000 + 12 * 3600)
    assert CODEC.decode(value, now=1000 + 12 * 3600 + 5) is None


def test_garbage_is_signed_out() -> None:
    assert CODEC.decode("not-a-cookie") is None
    assert CODEC.decode("") is None


def test_cookie_attributes_keep_it_on_the_staff_host() -> None:
    header = CODEC.set_cookie("v")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
    assert "Domain" not in header


def test_cookie_helpers_find_and_remove_only_the_session() -> None:
    header = b"a=1; ganger_session=xyz; b=2"
    assert cookie_value(header) == "xyz"
    assert without_cookie(header) == b"a=1; b=2"
