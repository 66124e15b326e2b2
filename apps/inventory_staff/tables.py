"""The inventory store's tables as queries see them; migrations/ creates them (a test keeps both equal)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

supplies = sa.Table(
    "supplies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("barcode", sa.String(64), nullable=True),
    sa.Column("unit", sa.String(24), nullable=False),
    sa.Column("category", sa.String(60), nullable=False, server_default=""),
    sa.Column("par_level", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reorder_quantity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("location", sa.String(80), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("sku", name="uq_supplies_sku"),
    sa.UniqueConstraint("barcode", name="uq_supplies_barcode"),
    sa.Index("ix_supplies_category", "category"),
)

stock = sa.Table(
    "stock",
    metadata,
    sa.Column("supply_id", sa.Integer, sa.ForeignKey("supplies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("location", sa.String(80), primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

movements = sa.Table(
    "movements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("supply_id", sa.Integer, sa.ForeignKey("supplies.id", ondelete="CASCADE"), nullable=False),
    sa.Column("location", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("delta", sa.Integer, nullable=False),
    sa.Column("balance", sa.Integer, nullable=False),
    sa.Column("actor", sa.String(254), nullable=False),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_movements_supply_created", "supply_id", "created_at"),
    sa.Index("ix_movements_created", "created_at"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_idempotency_keys_created", "created_at"),
)
