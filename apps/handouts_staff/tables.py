"""The handouts store's tables as queries see them; migrations/ creates them (a test keeps both equal).

`handout_publications` and `handout_view_counts` are this store's contract with the patient
worker (docs/data.md): it reads the first and increments the second. Change them only by
adding columns, or with a migration both apps are ready for.
"""

from __future__ import annotations

import sqlalchemy as sa

from ganger.data import idempotency

metadata = sa.MetaData()

handouts = sa.Table(
    "handouts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("category", sa.String(60), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, server_default="draft"),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("code", sa.String(16), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(254), nullable=False),
    sa.UniqueConstraint("code", name="uq_handouts_code"),
)

versions = sa.Table(
    "handout_versions",
    metadata,
    sa.Column("handout_id", sa.Integer, sa.ForeignKey("handouts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
)

publications = sa.Table(
    "handout_publications",
    metadata,
    sa.Column("handout_id", sa.Integer, sa.ForeignKey("handouts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("category", sa.String(60), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("code", name="uq_handout_publications_code"),
)

view_counts = sa.Table(
    "handout_view_counts",
    metadata,
    sa.Column("handout_id", sa.Integer, sa.ForeignKey("handouts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("views", sa.Integer, nullable=False, server_default="0"),
)

idempotency_keys = idempotency.idempotency_table(metadata)  # create requests retried with Idempotency-Key
