"""The signed identity the router hands to workers, and how both ends agree on it.

The router is the only party that knows who a request is from. It sends the user in
`x-ganger-user` (base64url JSON) with `x-ganger-user-ts` and an HMAC-SHA256 over
"v1", timestamp, method, canonical path and the user blob in `x-ganger-user-sig`, keyed by the
platform secret. A worker that cannot verify a fresh signature treats the request as coming
from outside the router.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

USER_HEADER = b"x-ganger-user"
TIMESTAMP_HEADER = b"x-ganger-user-ts"
SIGNATURE_HEADER = b"x-ganger-user-sig"
MAX_SKEW_SECONDS = 30


@dataclass(frozen=True, slots=True)
class User:
    """The signed-in member of staff, as app code sees it."""

    email: str
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_role(self, role: str) -> bool:
        return role in self.roles


class _UserClaims(msgspec.Struct):
    email: str
    name: str
    roles: list[str]


_encode_claims = msgspec.json.Encoder().encode
_decode_claims = msgspec.json.Decoder(_UserClaims).decode


def load_secret(data_dir: Path) -> bytes:
    """GANGER_SECRET if set, else the key in the data dir, created (owner-only) on first start."""
    configured = os.environ.get("GANGER_SECRET")
    if configured:
        return configured.encode()
    path = data_dir / "secrets" / "platform.key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    import secrets  # only on the first start of a data dir; the router need not load it otherwise

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written whole under a private name, then linked into place: several processes starting at
    # once (router processes sharing a port) all end up reading the one key that won, never a
    # half-written file.
    draft = path.with_name(f".platform.key.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, secrets.token_urlsafe(48).encode())
    finally:
        os.close(descriptor)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_bytes().strip()


def _mac(secret: bytes, timestamp: bytes, method: bytes, path: bytes, blob: bytes) -> bytes:
    message = b"v1\n%s\n%s\n%s\n%s" % (timestamp, method, path, blob)
    return hmac.new(secret, message, hashlib.sha256).hexdigest().encode()


@functools.lru_cache(maxsize=1024)
def _blob(user: User) -> bytes:
    claims = _UserClaims(email=user.email, name=user.name, roles=sorted(user.roles))
    return base64.urlsafe_b64encode(_encode_claims(claims)).rstrip(b"=")


def sign(secret: bytes, user: User, method: bytes, path: bytes, now: float | None = None) -> list[tuple[bytes, bytes]]:
    """The headers the router adds for `user` on a request for `method` `path`."""
    blob = _blob(user)
    timestamp = str(int(now if now is not None else time.time())).encode()
    return [
        (USER_HEADER, blob),
        (TIMESTAMP_HEADER, timestamp),
        (SIGNATURE_HEADER, _mac(secret, timestamp, method, path, blob)),
    ]


def verify(secret: bytes, headers: list[tuple[bytes, bytes]], method: bytes, path: bytes,
           now: float | None = None) -> User | None:
    """The user if the headers carry a valid, fresh signature for this method and path; else None."""
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in (USER_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER):
            if lowered in found:
                return None  # a repeated identity header is never ours
            found[lowered] = value
    if len(found) != 3:
        return None
    blob, timestamp, signature = found[USER_HEADER], found[TIMESTAMP_HEADER], found[SIGNATURE_HEADER]
    if not hmac.compare_digest(signature, _mac(secret, timestamp, method, path, blob)):
        return None
    try:
        age = (now if now is not None else time.time()) - int(timestamp)
        claims = _decode_claims(base64.urlsafe_b64decode(blob + b"=" * (-len(blob) % 4)))
    except (ValueError, msgspec.DecodeError):
        return None
    if abs(age) > MAX_SKEW_SECONDS:
        return None
    return User(email=claims.email, name=claims.name, roles=frozenset(claims.roles))
