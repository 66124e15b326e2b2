"""`Idempotency-Key` for create requests: a retried request gets the first answer, not a second write.

Shared by every app that creates records, because a client that lost an answer (a worker killed
mid-request, a dropped connection) must be able to retry without writing twice. The key is claimed
inside the request's own write transaction, so the stored answer and the write commit together or
not at all; a concurrent request with the same key hits the primary key, and its caller retries
once and replays the stored answer (`is_key_race`). Keys are kept for a day.

Each app owns an `idempotency_keys` table in its own store (`idempotency_table`), created by one of
its migrations. Errors are `IdempotencyKeyError`s; the app's handler answers them 422 naming the header.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..errors import GangerError

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(days=1)
_VALID_KEY = re.compile(r"^[!-~]{1,128}$")


class IdempotencyKeyError(GangerError):
    """The header is malformed, or the key was already used for a different request."""


def idempotency_table(metadata: sa.MetaData, name: str = "idempotency_keys") -> sa.Table:
    """The table as queries see it; the owning app's migration creates the same columns."""
    return sa.Table(
        name,
        metadata,
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index(f"ix_{name}_created", "created_at"),
    )


def valid_key(value: str | None) -> str | None:
    """The header's value if it is a usable key, None if absent."""
    if value is None:
        return None
    if not _VALID_KEY.match(value):
        raise IdempotencyKeyError(f"{HEADER}: 1 to 128 printable ASCII characters")
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What the key was used for: a retry must be the same request, byte for byte."""
    return hashlib.sha256(b"%s %s\n%s" % (method.encode(), path.encode(), body)).hexdigest()


def claim(connection: Connection, table: sa.Table, key: str | None, print_: str) -> tuple[int, Any] | None:
    """The stored answer for a key already used, else None (and the key is now ours)."""
    if key is None:
        return None
    row = connection.execute(sa.select(table).where(table.c.key == key)).mappings().first()
    if row is not None:
        if row["fingerprint"] != print_:
            raise IdempotencyKeyError(f"{HEADER}: already used for a different request")
        return row["status"], json.loads(row["body"])
    moment = datetime.now(UTC)
    connection.execute(sa.delete(table).where(table.c.created_at < moment - KEEP_FOR))
    connection.execute(sa.insert(table).values(key=key, fingerprint=print_, status=0, body="", created_at=moment))
    return None


def remember(connection: Connection, table: sa.Table, key: str | None, status: int, document: Any) -> None:
    """Store the answer in the same transaction as the write it describes."""
    if key is not None:
        connection.execute(sa.update(table).where(table.c.key == key).values(status=status, body=json.dumps(document)))


def is_key_race(exc: IntegrityError, table: sa.Table) -> bool:
    """A concurrent request with the same key committed first: retry, and `claim` replays its answer."""
    return table.name in str(exc.orig)
