"""What a patient can see: published handouts only, and a counter that learns nothing about them."""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .tables import publications, view_counts

CODE = re.compile(r"^[A-Za-z0-9_-]{8}$")


class Contract:
    """Whether the owner has created the tables yet (the two workers start at the same time).

    Asked until the answer is yes, then remembered for as long as the store stays open.
    """

    def __init__(self) -> None:
        self._seen_on: Engine | None = None

    def check(self, connection: Connection) -> bool:
        if self._seen_on is not connection.engine:
            if not sa.inspect(connection).has_table(publications.name):
                return False
            self._seen_on = connection.engine
        return True


contract = Contract()


def by_category(connection: Connection) -> list[tuple[str, list[dict[str, Any]]]]:
    if not contract.check(connection):
        return []
    rows = connection.execute(
        sa.select(publications.c.handout_id, publications.c.title, publications.c.category, publications.c.language)
        .order_by(publications.c.category, sa.func.lower(publications.c.title))
    ).mappings()
    return [(category, [dict(r) for r in group]) for category, group in groupby(rows, key=lambda r: r["category"])]


def handout_for_code(connection: Connection, code: str) -> int | None:
    if not CODE.match(code) or not contract.check(connection):
        return None
    return connection.scalar(sa.select(publications.c.handout_id).where(publications.c.code == code))


def published(connection: Connection, handout_id: int) -> dict[str, Any] | None:
    if not contract.check(connection):
        return None
    row = connection.execute(sa.select(publications).where(publications.c.handout_id == handout_id)).mappings().first()
    return dict(row) if row else None


def count_view(connection: Connection, handout_id: int) -> None:
    """One more view: a number, nothing about who viewed it."""
    connection.execute(
        sa.update(view_counts).where(view_counts.c.handout_id == handout_id).values(views=view_counts.c.views + 1)
    )
