"""Supplies: list with filters, look up by id or scanned code, create, change."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ganger.sdk import InvalidField

from . import records
from .schemas import NewSupply, SupplyChanges, SupplyFilter
from .tables import stock, supplies

_totals = (
    sa.select(stock.c.supply_id, sa.func.sum(stock.c.quantity).label("total"))
    .group_by(stock.c.supply_id)
    .subquery("totals")
)
ON_HAND = sa.func.coalesce(_totals.c.total, 0)
_WITH_ON_HAND = sa.select(supplies, ON_HAND.label("on_hand")).select_from(
    supplies.outerjoin(_totals, _totals.c.supply_id == supplies.c.id)
)
LOW = sa.and_(supplies.c.par_level > 0, ON_HAND <= supplies.c.par_level)


def _contains(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def list_supplies(connection: Connection, query: SupplyFilter) -> tuple[list[dict[str, Any]], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.q:
        conditions.append(sa.or_(*(_contains(c, query.q) for c in (supplies.c.name, supplies.c.sku, supplies.c.barcode))))
    if query.category:
        conditions.append(supplies.c.category == query.category)
    if query.location:
        conditions.append(supplies.c.location == query.location)
    if query.low:
        conditions.append(LOW)
    selected = _WITH_ON_HAND.where(*conditions)
    total = connection.scalar(sa.select(sa.func.count()).select_from(selected.subquery())) or 0
    rows = connection.execute(
        selected.order_by(sa.func.lower(supplies.c.name), supplies.c.id).limit(query.limit).offset(query.offset)
    ).mappings()
    return [records.supply(row, row["on_hand"]) for row in rows], total


def low_stock(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(
        _WITH_ON_HAND.where(LOW).order_by((ON_HAND - supplies.c.par_level).asc(), sa.func.lower(supplies.c.name))
    ).mappings()
    return [records.supply(row, row["on_hand"]) for row in rows]


def categories(connection: Connection) -> list[str]:
    column = supplies.c.category
    return list(connection.scalars(sa.select(column).where(column != "").distinct().order_by(column)))


def get_supply(connection: Connection, supply_id: int) -> dict[str, Any] | None:
    row = connection.execute(_WITH_ON_HAND.where(supplies.c.id == supply_id)).mappings().first()
    return records.supply(row, row["on_hand"]) if row else None


def find_by_code(connection: Connection, code: str) -> dict[str, Any] | None:
    """What a scanner read: a barcode first, else a SKU (labels print the SKU when there is no barcode)."""
    for column in (supplies.c.barcode, supplies.c.sku):
        row = connection.execute(_WITH_ON_HAND.where(column == code)).mappings().first()
        if row:
            return records.supply(row, row["on_hand"])
    return None


def stock_by_location(connection: Connection, supply_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        sa.select(stock.c.location, stock.c.quantity, stock.c.updated_at)
        .where(stock.c.supply_id == supply_id)
        .order_by(stock.c.location)
    ).mappings()
    return [{"location": r["location"], "quantity": r["quantity"], "updatedAt": records.iso(r["updated_at"])} for r in rows]


def create_supply(connection: Connection, new: NewSupply) -> dict[str, Any]:
    _refuse_taken_codes(connection, new.sku, new.barcode, None)
    moment = records.now()
    values = msgspec.structs.asdict(new) | {"created_at": moment, "updated_at": moment}
    supply_id = connection.execute(sa.insert(supplies).values(values).returning(supplies.c.id)).scalar_one()
    created = get_supply(connection, supply_id)
    assert created is not None
    return created


def change_supply(connection: Connection, supply_id: int, changes: SupplyChanges) -> dict[str, Any] | None:
    values = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not msgspec.UNSET}
    current = connection.execute(sa.select(supplies.c.id).where(supplies.c.id == supply_id)).first()
    if current is None:
        return None
    if values:
        _refuse_taken_codes(connection, values.get("sku"), values.get("barcode"), supply_id)
        connection.execute(
            sa.update(supplies).where(supplies.c.id == supply_id).values(values | {"updated_at": records.now()})
        )
    return get_supply(connection, supply_id)


def _refuse_taken_codes(connection: Connection, sku: str | None, barcode: str | None, own_id: int | None) -> None:
    for field, column, value in (("sku", supplies.c.sku, sku), ("barcode", supplies.c.barcode, barcode)):
        if value is None:
            continue
        holder = connection.scalar(sa.select(supplies.c.id).where(column == value, supplies.c.id != (own_id or 0)))
        if holder is not None:
            raise InvalidField(409, field, f"{field}: {value!r} is already used by supply {holder}")
