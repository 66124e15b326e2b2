"""Publishing: what the patient worker shows is a snapshot taken here (HTML rendered once, at publish).

A handout keeps one QR code for life, so a printed code keeps working across re-publishing; after
unpublishing it leads to a friendly "not available" page.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ganger.sdk import InvalidField

from . import library, sanitise
from .tables import handouts, publications, view_counts

CODE_LENGTH = 8


def publish(connection: Connection, handout_id: int, version: int | None, actor: str) -> dict[str, Any] | None:
    row = connection.execute(sa.select(handouts).where(handouts.c.id == handout_id).with_for_update()).mappings().first()
    if row is None:
        return None
    chosen = version or row["current_version"]
    body = library.body_of(connection, handout_id, chosen)
    if body is None:
        raise InvalidField(422, "version", f"version: handout {handout_id} has no version {chosen}")
    code = row["code"] or _new_code(connection)
    moment = library.now()
    snapshot = {"code": code, "version": chosen, "title": row["title"], "category": row["category"],
                "language": row["language"], "html": sanitise.render(body), "published_at": moment}
    updated = connection.execute(
        sa.update(publications).where(publications.c.handout_id == handout_id).values(snapshot)
    ).rowcount
    if not updated:
        connection.execute(sa.insert(publications).values(snapshot | {"handout_id": handout_id}))
    if connection.scalar(sa.select(view_counts.c.handout_id).where(view_counts.c.handout_id == handout_id)) is None:
        connection.execute(sa.insert(view_counts).values(handout_id=handout_id, views=0))
    connection.execute(sa.update(handouts).where(handouts.c.id == handout_id)
                       .values(status="published", code=code, updated_by=actor))
    return library.get_handout(connection, handout_id)


def unpublish(connection: Connection, handout_id: int, actor: str) -> dict[str, Any] | None:
    if connection.scalar(sa.select(handouts.c.id).where(handouts.c.id == handout_id)) is None:
        return None
    connection.execute(sa.delete(publications).where(publications.c.handout_id == handout_id))
    connection.execute(sa.update(handouts).where(handouts.c.id == handout_id)
                       .values(status="draft", updated_at=library.now(), updated_by=actor))
    return library.get_handout(connection, handout_id)


def _new_code(connection: Connection) -> str:
    while True:
        code = secrets.token_urlsafe(6)  # 8 characters of [A-Za-z0-9_-]
        if connection.scalar(sa.select(handouts.c.id).where(handouts.c.code == code)) is None:
            return code
