"""Handouts with versions, and the two tables the patient worker uses (publications, view counts).

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
        "handouts",
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
        sa.CheckConstraint("status IN ('draft', 'published')", name="ck_handouts_status"),
    )
    op.create_table(
        "handout_versions",
        sa.Column("handout_id", sa.Integer, sa.ForeignKey("handouts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
    )
    op.create_table(
        "handout_publications",
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
    op.create_table(
        "handout_view_counts",
        sa.Column("handout_id", sa.Integer, sa.ForeignKey("handouts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("views", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("handout_view_counts")
    op.drop_table("handout_publications")
    op.drop_table("handout_versions")
    op.drop_table("handouts")
