"""Rows as the API returns them, and the clock every write uses (UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """SQLite hands back naive datetimes; every one we stored was UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def supply(row: Mapping[str, Any], on_hand: int) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "sku": row["sku"],
        "barcode": row["barcode"],
        "unit": row["unit"],
        "category": row["category"],
        "parLevel": row["par_level"],
        "reorderQuantity": row["reorder_quantity"],
        "location": row["location"],
        "onHand": on_hand,
        "low": is_low(row["par_level"], on_hand),
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def movement(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "supplyId": row["supply_id"],
        "location": row["location"],
        "kind": row["kind"],
        "quantity": row["quantity"],
        "delta": row["delta"],
        "balance": row["balance"],
        "actor": row["actor"],
        "note": row["note"],
        "createdAt": iso(row["created_at"]),
    }


def is_low(par_level: int, on_hand: int) -> bool:
    """At or below par. A par level of 0 means none is set, so such a supply is never low."""
    return par_level > 0 and on_hand <= par_level
