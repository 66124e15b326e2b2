"""Stock per supply and location, as JSON pages or as one CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import records
from .schemas import StockFilter
from .tables import stock, supplies

CSV_COLUMNS = ("supply_id", "name", "sku", "barcode", "category", "unit", "location", "quantity", "par_level", "updated_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _selected(query: StockFilter) -> sa.Select[Any]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.supply_id is not None:
        conditions.append(stock.c.supply_id == query.supply_id)
    if query.category:
        conditions.append(supplies.c.category == query.category)
    if query.location:
        conditions.append(stock.c.location == query.location)
    return (
        sa.select(
            stock.c.supply_id, supplies.c.name, supplies.c.sku, supplies.c.barcode, supplies.c.category,
            supplies.c.unit, stock.c.location, stock.c.quantity, supplies.c.par_level, stock.c.updated_at,
        )
        .select_from(stock.join(supplies, supplies.c.id == stock.c.supply_id))
        .where(*conditions)
        .order_by(sa.func.lower(supplies.c.name), stock.c.supply_id, stock.c.location)
    )


def list_stock(connection: Connection, query: StockFilter) -> tuple[list[dict[str, Any]], int]:
    selected = _selected(query)
    total = connection.scalar(sa.select(sa.func.count()).select_from(selected.subquery())) or 0
    rows = connection.execute(selected.limit(query.limit).offset(query.offset)).mappings()
    return [
        {"supplyId": r["supply_id"], "name": r["name"], "sku": r["sku"], "barcode": r["barcode"],
         "category": r["category"], "unit": r["unit"], "location": r["location"], "quantity": r["quantity"],
         "parLevel": r["par_level"], "updatedAt": records.iso(r["updated_at"])}
        for r in rows
    ], total


def stock_csv(connection: Connection, query: StockFilter) -> str:
    """Every matching row (no paging). Text that a spreadsheet would run as a formula is quoted with '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in connection.execute(_selected(query)).mappings():
        writer.writerow(_cells(row[c] if c != "updated_at" else records.iso(row[c]) for c in CSV_COLUMNS))
    return buffer.getvalue()


def locations(connection: Connection) -> list[str]:
    union = sa.union(sa.select(stock.c.location), sa.select(supplies.c.location)).subquery()
    return list(connection.scalars(sa.select(union.c.location).order_by(union.c.location)))


def _cells(values: Iterable[Any]) -> list[Any]:
    return [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else ("" if v is None else v) for v in values]
