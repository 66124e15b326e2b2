"""`Idempotency-Key` on create requests, with the platform's shared helper (`ganger.data.idempotency`).

This module only binds it to the inventory store's table and answers its errors 422 naming the header.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ganger.data import idempotency as shared
from ganger.sdk import InvalidField, Request

from .tables import idempotency_keys

HEADER = shared.HEADER


def key_of(request: Request) -> str | None:
    try:
        return shared.valid_key(request.headers.get(HEADER))
    except shared.IdempotencyKeyError as exc:
        raise InvalidField(422, HEADER, str(exc)) from None


def fingerprint(request: Request, body: bytes) -> str:
    return shared.fingerprint(request.method, request.url.path, body)


def claim(connection: Connection, key: str | None, print_: str) -> tuple[int, Any] | None:
    """The stored answer for a key already used, else None (and the key is now ours)."""
    try:
        return shared.claim(connection, idempotency_keys, key, print_)
    except shared.IdempotencyKeyError as exc:
        raise InvalidField(422, HEADER, str(exc)) from None


def remember(connection: Connection, key: str | None, status: int, document: Any) -> None:
    shared.remember(connection, idempotency_keys, key, status, document)


def is_key_race(exc: IntegrityError) -> bool:
    return shared.is_key_race(exc, idempotency_keys)
