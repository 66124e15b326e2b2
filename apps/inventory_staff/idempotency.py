"""`Idempotency-Key` on create requests: a retried request gets the first answer, not a second write.

The key is claimed inside the request's own write transaction, so the answer and the write commit
together or not at all. A concurrent request with the same key waits on the claim (the
primary key) and then replays the stored answer. Keys are kept for a day.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ganger.sdk import InvalidField, Request

from . import records
from .tables import idempotency_keys

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(days=1)
_VALID_KEY = re.compile(r"^[!-~]{1,128}$")


def key_of(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _VALID_KEY.match(key):
        raise InvalidField(422, HEADER, f"{HEADER}: 1 to 128 printable ASCII characters")
    return key


def fingerprint(request: Request, body: bytes) -> str:
    return hashlib.sha256(b"%s %s\n%s" % (request.method.encode(), request.url.path.encode(), body)).hexdigest()


def claim(connection: Connection, key: str | None, print_: str) -> tuple[int, Any] | None:
    """The stored answer for a key already used, else None (and the key is now ours)."""
    if key is None:
        return None
    row = connection.execute(sa.select(idempotency_keys).where(idempotency_keys.c.key == key)).mappings().first()
    if row is not None:
        if row["fingerprint"] != print_:
            raise InvalidField(422, HEADER, f"{HEADER}: already used for a different request")
        return row["status"], json.loads(row["body"])
    moment = records.now()
    connection.execute(sa.delete(idempotency_keys).where(idempotency_keys.c.created_at < moment - KEEP_FOR))
    connection.execute(
        sa.insert(idempotency_keys).values(key=key, fingerprint=print_, status=0, body="", created_at=moment)
    )
    return None


def remember(connection: Connection, key: str | None, status: int, document: Any) -> None:
    if key is not None:
        connection.execute(
            sa.update(idempotency_keys).where(idempotency_keys.c.key == key)
            .values(status=status, body=json.dumps(document))
        )
