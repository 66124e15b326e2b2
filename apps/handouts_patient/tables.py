"""This worker's own definitions of the two handouts-store tables it may use (docs/data.md).

They are the staff app's contract with this worker, declared here rather than imported, because
an app never imports another app's code. Only the columns used here are named; a test checks
them against the owner's migrated schema.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

publications = sa.Table(
    "handout_publications",
    metadata,
    sa.Column("handout_id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("category", sa.String(60), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
)

view_counts = sa.Table(
    "handout_view_counts",
    metadata,
    sa.Column("handout_id", sa.Integer, primary_key=True),
    sa.Column("views", sa.Integer, nullable=False),
)
