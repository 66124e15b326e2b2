"""What the inventory API accepts: every body and query string is decoded into one of these.

Text fields may not start or end with whitespace (the page trims them); codes are printable ASCII
so that a Code 128 label can carry them.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

TRIMMED = r"^\S(?:.*\S)?\Z"

Name = Annotated[str, Meta(min_length=1, max_length=120, pattern=TRIMMED)]
Sku = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*\Z")]
Barcode = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[!-~]+\Z")]
Unit = Annotated[str, Meta(min_length=1, max_length=24, pattern=TRIMMED)]
Category = Annotated[str, Meta(max_length=60, pattern=r"^(?:\S(?:.*\S)?)?\Z")]
Location = Annotated[str, Meta(min_length=1, max_length=80, pattern=TRIMMED)]
Level = Annotated[int, Meta(ge=0, le=1_000_000)]
Quantity = Annotated[int, Meta(ge=-1_000_000, le=1_000_000)]
Note = Annotated[str, Meta(max_length=500)]
Kind = Literal["receive", "use", "adjust", "count"]
KINDS: tuple[str, ...] = ("receive", "use", "adjust", "count")


class NewSupply(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    sku: Sku
    unit: Unit
    location: Location
    barcode: Barcode | None = None
    category: Category = ""
    par_level: Level = 0
    reorder_quantity: Level = 0


class SupplyChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    sku: Sku | UnsetType = UNSET
    unit: Unit | UnsetType = UNSET
    location: Location | UnsetType = UNSET
    barcode: Barcode | None | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    par_level: Level | UnsetType = UNSET
    reorder_quantity: Level | UnsetType = UNSET


class NewMovement(msgspec.Struct, forbid_unknown_fields=True):
    """receive/use: a positive amount; adjust: a signed correction; count: the level counted."""

    kind: Kind
    quantity: Quantity
    supply_id: Annotated[int, Meta(ge=1)] | None = None
    barcode: Barcode | None = None
    location: Location | None = None
    note: Note | None = None


class Page(msgspec.Struct, forbid_unknown_fields=True):
    limit: Annotated[int, Meta(ge=1, le=200)] = 50
    offset: Annotated[int, Meta(ge=0)] = 0


class SupplyFilter(Page, forbid_unknown_fields=True):
    q: Annotated[str, Meta(max_length=120)] = ""
    category: Category = ""
    location: Annotated[str, Meta(max_length=80)] = ""
    low: bool = False


class StockFilter(Page, forbid_unknown_fields=True):
    supply_id: Annotated[int, Meta(ge=1)] | None = None
    category: Category = ""
    location: Annotated[str, Meta(max_length=80)] = ""


class MovementFilter(Page, forbid_unknown_fields=True):
    supply_id: Annotated[int, Meta(ge=1)] | None = None
    kind: Kind | None = None
    location: Annotated[str, Meta(max_length=80)] = ""
