"""Stock movements: every change of a stock level is one atomic update plus one movement row.

Receive, use and adjust change the level with `quantity = quantity + :delta` in the database, so
two requests at once can never lose an update, and the `quantity + :delta >= 0` guard refuses a
use that would go below zero without a separate read. A cycle count sets the level, so it reads
first: under `SELECT … FOR UPDATE` on PostgreSQL, inside the write lock on SQLite.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ganger.sdk import InvalidField

from . import catalog, records
from .schemas import MovementFilter, NewMovement
from .tables import movements, stock, supplies

_LIMITS = {"receive": (1, 100_000), "use": (1, 100_000), "adjust": (-100_000, 100_000), "count": (0, 1_000_000)}


def record_movement(connection: Connection, new: NewMovement, actor: str) -> dict[str, Any]:
    """Apply one movement; raises InvalidField (nothing written) if it cannot be applied."""
    supply_id = _resolve_supply(connection, new)
    _check_quantity(new)
    home = connection.scalar(sa.select(supplies.c.location).where(supplies.c.id == supply_id))
    location = new.location or home
    moment = records.now()
    _ensure_stock_row(connection, supply_id, location, moment)
    at = sa.and_(stock.c.supply_id == supply_id, stock.c.location == location)
    if new.kind == "count":
        before = connection.execute(sa.select(stock.c.quantity).where(at).with_for_update()).scalar_one()
        delta = new.quantity - before
        balance = connection.execute(
            sa.update(stock).where(at).values(quantity=new.quantity, updated_at=moment).returning(stock.c.quantity)
        ).scalar_one()
    else:
        delta = {"receive": new.quantity, "use": -new.quantity, "adjust": new.quantity}[new.kind]
        balance = connection.execute(
            sa.update(stock)
            .where(at, stock.c.quantity + delta >= 0)
            .values(quantity=stock.c.quantity + delta, updated_at=moment)
            .returning(stock.c.quantity)
        ).scalar()
        if balance is None:
            on_hand = connection.scalar(sa.select(stock.c.quantity).where(at))
            raise InvalidField(409, "quantity", f"quantity: only {on_hand} on hand at {location}")
    row = {
        "supply_id": supply_id, "location": location, "kind": new.kind, "quantity": new.quantity, "delta": delta,
        "balance": balance, "actor": actor, "note": new.note or None, "created_at": moment,
    }
    row["id"] = connection.execute(sa.insert(movements).values(row).returning(movements.c.id)).scalar_one()
    return {"movement": records.movement(row), "supply": catalog.get_supply(connection, supply_id)}


def list_movements(connection: Connection, query: MovementFilter) -> tuple[list[dict[str, Any]], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.supply_id is not None:
        conditions.append(movements.c.supply_id == query.supply_id)
    if query.kind is not None:
        conditions.append(movements.c.kind == query.kind)
    if query.location:
        conditions.append(movements.c.location == query.location)
    total = connection.scalar(sa.select(sa.func.count()).select_from(movements).where(*conditions)) or 0
    rows = connection.execute(
        sa.select(movements).where(*conditions)
        .order_by(movements.c.created_at.desc(), movements.c.id.desc())
        .limit(query.limit).offset(query.offset)
    ).mappings()
    return [records.movement(r) for r in rows], total


def supply_with_history(connection: Connection, supply_id: int, recent: int) -> dict[str, Any] | None:
    """A supply with its stock per location and its latest `recent` movements (and how many there are)."""
    found = catalog.get_supply(connection, supply_id)
    if found is None:
        return None
    latest, total = list_movements(connection, MovementFilter(supply_id=supply_id, limit=recent))
    return found | {"stock": catalog.stock_by_location(connection, supply_id), "recentMovements": latest,
                    "movementTotal": total}


def _resolve_supply(connection: Connection, new: NewMovement) -> int:
    if (new.supply_id is None) == (new.barcode is None):
        raise InvalidField(422, "supply_id", "supply_id: give either supply_id or barcode, not both or neither")
    if new.supply_id is not None:
        if connection.scalar(sa.select(supplies.c.id).where(supplies.c.id == new.supply_id)) is None:
            raise InvalidField(422, "supply_id", f"supply_id: there is no supply {new.supply_id}")
        return new.supply_id
    assert new.barcode is not None
    found = catalog.find_by_code(connection, new.barcode)
    if found is None:
        raise InvalidField(422, "barcode", f"barcode: no supply has the code {new.barcode!r}")
    return int(found["id"])


def _check_quantity(new: NewMovement) -> None:
    low, high = _LIMITS[new.kind]
    if not low <= new.quantity <= high or (new.kind == "adjust" and new.quantity == 0):
        rule = "a non-zero amount" if new.kind == "adjust" else f"between {low} and {high}"
        raise InvalidField(422, "quantity", f"quantity: a {new.kind} needs {rule}")


def _ensure_stock_row(connection: Connection, supply_id: int, location: str, moment: Any) -> None:
    values = {"supply_id": supply_id, "location": location, "quantity": 0, "updated_at": moment}
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    connection.execute(insert(stock).values(values).on_conflict_do_nothing())
