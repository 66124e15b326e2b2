"""Supplies, stock per location, movements, and idempotency keys for create requests.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplies",
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
        sa.CheckConstraint("par_level >= 0", name="ck_supplies_par_level"),
        sa.CheckConstraint("reorder_quantity >= 0", name="ck_supplies_reorder_quantity"),
    )
    op.create_index("ix_supplies_category", "supplies", ["category"])
    op.create_table(
        "stock",
        sa.Column("supply_id", sa.Integer, sa.ForeignKey("supplies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("location", sa.String(80), primary_key=True),
        sa.Column("quantity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 0", name="ck_stock_quantity"),
    )
    op.create_table(
        "movements",
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
        sa.CheckConstraint("kind IN ('receive', 'use', 'adjust', 'count')", name="ck_movements_kind"),
    )
    op.create_index("ix_movements_supply_created", "movements", ["supply_id", "created_at"])
    op.create_index("ix_movements_created", "movements", ["created_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("movements")
    op.drop_table("stock")
    op.drop_table("supplies")
