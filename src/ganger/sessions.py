"""The staff session cookie: who signed in, when, and when they were last seen.

Signed with HMAC-SHA256 under a key derived from the platform secret, so the sign-in service
can issue it and the router can check it on every request without a session store. The format is
`base64url(JSON).base64url(MAC)` — the same primitive as the router's identity signature, kept in
the standard library because the router's whole code budget is 50 KB (itsdangerous alone was 12).
Idle expiry slides: the router re-issues the cookie when `seen` is older than REFRESH_SECONDS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

import msgspec

from .identity import User

COOKIE_NAME = "ganger_session"
REFRESH_SECONDS = 300
VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    issued_at: int
    seen_at: int


class SessionCodec:
    def __init__(self, secret: bytes, *, idle_seconds: int, absolute_seconds: int, secure: bool) -> None:
        self._key = hmac.new(secret, b"ganger.session.v1", hashlib.sha256).digest()
        # cookie value → its verified content: the router sees the same cookie on every request
        # of a page, and checking a signature costs far more than the rest of routing
        self._verified: dict[str, tuple[User, int, int]] = {}
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        self.secure = secure

    def encode(self, user: User, issued_at: int | None = None, now: float | None = None) -> str:
        current = int(now if now is not None else time.time())
        payload = {"e": user.email, "n": user.name, "r": sorted(user.roles),
                   "i": issued_at if issued_at is not None else current, "s": current}
        body = base64.urlsafe_b64encode(msgspec.json.encode(payload)).rstrip(b"=")
        return (body + b"." + self._mac(body)).decode()

    def _mac(self, body: bytes) -> bytes:
        return base64.urlsafe_b64encode(hmac.new(self._key, body, hashlib.sha256).digest()).rstrip(b"=")

    def _verified_payload(self, value: str) -> dict[str, object]:
        body, _, mac = value.encode("latin-1").partition(b".")
        if not hmac.compare_digest(mac, self._mac(body)):
            raise ValueError("bad signature")
        payload = msgspec.json.decode(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
        if not isinstance(payload, dict):
            raise ValueError("not a session")
        return payload

    def decode(self, value: str, now: float | None = None) -> Session | None:
        """The session if the cookie is genuine and within both expiries; None means signed out."""
        current = int(now if now is not None else time.time())
        cached = self._verified.get(value)
        if cached is not None:
            user, issued, seen = cached
        else:
            try:
                payload = self._verified_payload(value)
                issued, seen = int(payload["i"]), int(payload["s"])  # type: ignore[call-overload]
                user = User(email=str(payload["e"]), name=str(payload["n"]),
                            roles=frozenset(map(str, payload["r"])))  # type: ignore[call-overload]
            except (KeyError, TypeError, ValueError, UnicodeError, msgspec.DecodeError):
                return None
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[value] = (user, issued, seen)
        if current - issued > self.absolute_seconds or current - seen > self.idle_seconds or seen > current + 60:
            return None
        return Session(user=user, issued_at=issued, seen_at=seen)

    def set_cookie(self, value: str) -> str:
        """The Set-Cookie value: host-only (no Domain), so patient hosts never receive it."""
        secure = "; Secure" if self.secure else ""
        return f"{COOKIE_NAME}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={self.absolute_seconds}{secure}"

    def clear_cookie(self) -> str:
        secure = "; Secure" if self.secure else ""
        return f"{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"


def cookie_value(header: bytes, name: bytes = COOKIE_NAME.encode()) -> str | None:
    """The first value of cookie `name` in a Cookie header."""
    for part in header.split(b";"):
        key, sep, value = part.strip().partition(b"=")
        if sep and key == name:
            return value.decode("latin-1")
    return None


def without_cookie(header: bytes, name: bytes = COOKIE_NAME.encode()) -> bytes:
    """The Cookie header minus `name`, so the session never reaches a worker."""
    kept = [p.strip() for p in header.split(b";") if p.strip().partition(b"=")[0] != name]
    return b"; ".join(kept)
