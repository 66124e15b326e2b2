"""The handout library: list, read, create, change (a changed body is a new version)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import sanitise
from .schemas import HandoutChanges, HandoutFilter, NewHandout
from .tables import handouts, publications, versions, view_counts

_LISTED = sa.select(
    handouts, sa.func.coalesce(view_counts.c.views, 0).label("views"),
    publications.c.version.label("published_version"), publications.c.published_at,
).select_from(
    handouts.outerjoin(view_counts, view_counts.c.handout_id == handouts.c.id)
    .outerjoin(publications, publications.c.handout_id == handouts.c.id)
)


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def summary(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"], "title": row["title"], "category": row["category"], "language": row["language"],
        "status": row["status"], "currentVersion": row["current_version"],
        "publishedVersion": row["published_version"], "code": row["code"], "views": row["views"],
        "publishedAt": iso(row["published_at"]), "updatedAt": iso(row["updated_at"]), "updatedBy": row["updated_by"],
        "unpublishedChanges": row["status"] == "published" and _changed_since_publishing(row),
    }


def _changed_since_publishing(row: Any) -> bool:
    published_at = row["published_at"]
    if published_at is None:
        return False
    updated = row["updated_at"] if row["updated_at"].tzinfo else row["updated_at"].replace(tzinfo=UTC)
    published = published_at if published_at.tzinfo else published_at.replace(tzinfo=UTC)
    return row["current_version"] != row["published_version"] or updated > published


def list_handouts(connection: Connection, query: HandoutFilter) -> tuple[list[dict[str, Any]], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.q:
        escaped = query.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(sa.func.lower(handouts.c.title).like(f"%{escaped}%", escape="\\"))
    for column, value in ((handouts.c.category, query.category), (handouts.c.language, query.language),
                          (handouts.c.status, query.status)):
        if value:
            conditions.append(column == value)
    selected = _LISTED.where(*conditions)
    total = connection.scalar(sa.select(sa.func.count()).select_from(selected.subquery())) or 0
    rows = connection.execute(
        selected.order_by(handouts.c.category, sa.func.lower(handouts.c.title), handouts.c.id)
        .limit(query.limit).offset(query.offset)
    ).mappings()
    return [summary(r) for r in rows], total


def get_handout(connection: Connection, handout_id: int) -> dict[str, Any] | None:
    row = connection.execute(_LISTED.where(handouts.c.id == handout_id)).mappings().first()
    if row is None:
        return None
    history = connection.execute(
        sa.select(versions.c.version, versions.c.created_at, versions.c.created_by)
        .where(versions.c.handout_id == handout_id).order_by(versions.c.version.desc())
    ).mappings()
    body = body_of(connection, handout_id, row["current_version"])
    return summary(row) | {
        "body": body, "html": sanitise.render(body or ""),
        "versions": [{"version": v["version"], "createdAt": iso(v["created_at"]), "createdBy": v["created_by"]}
                     for v in history],
    }


def body_of(connection: Connection, handout_id: int, version: int) -> str | None:
    return connection.scalar(
        sa.select(versions.c.body).where(versions.c.handout_id == handout_id, versions.c.version == version)
    )


def categories(connection: Connection) -> list[str]:
    return list(connection.scalars(sa.select(handouts.c.category).distinct().order_by(handouts.c.category)))


def create_handout(connection: Connection, new: NewHandout, actor: str) -> dict[str, Any]:
    moment = now()
    values = msgspec.structs.asdict(new)
    body = values.pop("body")
    handout_id = connection.execute(
        sa.insert(handouts).values(values | {"status": "draft", "current_version": 1, "created_at": moment,
                                             "created_by": actor, "updated_at": moment, "updated_by": actor})
        .returning(handouts.c.id)
    ).scalar_one()
    connection.execute(sa.insert(versions).values(handout_id=handout_id, version=1, body=body, created_at=moment,
                                                  created_by=actor))
    created = get_handout(connection, handout_id)
    assert created is not None
    return created


def change_handout(connection: Connection, handout_id: int, changes: HandoutChanges, actor: str) -> dict[str, Any] | None:
    current = connection.execute(
        sa.select(handouts.c.current_version).where(handouts.c.id == handout_id).with_for_update()
    ).scalar()
    if current is None:
        return None
    values = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not msgspec.UNSET}
    body = values.pop("body", None)
    moment = now()
    if body is not None and body != body_of(connection, handout_id, current):
        current += 1
        connection.execute(sa.insert(versions).values(handout_id=handout_id, version=current, body=body,
                                                      created_at=moment, created_by=actor))
        values["current_version"] = current
    if values:
        connection.execute(sa.update(handouts).where(handouts.c.id == handout_id)
                           .values(values | {"updated_at": moment, "updated_by": actor}))
    return get_handout(connection, handout_id)
