"""`Idempotency-Key` on create requests, with the platform's shared helper (`ganger.data.idempotency`).

A retried create (same key, same request) gets the first answer and writes nothing; the same key
for another request is 422 naming the header. The key is claimed in the create's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from ganger.data import idempotency as shared
from ganger.sdk import InvalidField, Request

from .store import store
from .tables import idempotency_keys

HEADER = shared.HEADER


async def create_once(request: Request, produce: Callable[[Connection], dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """(201, what `produce` made), written once per key; a repeat gets the stored (status, answer)."""
    try:
        key = shared.valid_key(request.headers.get(HEADER))
    except shared.IdempotencyKeyError as exc:
        raise InvalidField(422, HEADER, str(exc)) from None
    print_ = shared.fingerprint(request.method, request.url.path, await request.body())

    def work(connection: Connection) -> tuple[int, Any]:
        try:
            replay = shared.claim(connection, idempotency_keys, key, print_)
        except shared.IdempotencyKeyError as exc:
            raise InvalidField(422, HEADER, str(exc)) from None
        if replay is not None:
            return replay
        created = produce(connection)
        shared.remember(connection, idempotency_keys, key, 201, created)
        return 201, created

    def once() -> tuple[int, Any]:
        try:
            with store.write() as connection:
                return work(connection)
        except IntegrityError as exc:
            if not shared.is_key_race(exc, idempotency_keys):
                raise
        with store.write() as connection:  # the concurrent request committed: replay its answer
            return work(connection)

    return await run_in_threadpool(once)
