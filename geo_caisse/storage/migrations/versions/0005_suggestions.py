"""Suggestions from the member map (a place, or its hours), in a queue coordinators moderate.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("place_kind", sa.String(20)),
        sa.Column("address", sa.String(300)),
        sa.Column("hours", sa.String(200)),
        sa.Column("comment", sa.String(1000)),
        sa.Column("point_of_sale_id", sa.Integer),
        sa.Column("market_id", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(80)),
        sa.Column("decision_note", sa.String(1000)),
        sa.PrimaryKeyConstraint("id", name="pk_suggestion"),
        sa.ForeignKeyConstraint(["point_of_sale_id"], ["point_of_sale.id"],
                                name="fk_suggestion_point_of_sale_id_point_of_sale"),
        sa.ForeignKeyConstraint(["market_id"], ["market.id"],
                                name="fk_suggestion_market_id_market"),
        sa.CheckConstraint("kind IN ('new_place', 'hours')", name="ck_suggestion_kind"),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'refused')",
                           name="ck_suggestion_status"),
    )
    op.create_index("ix_suggestion_status", "suggestion", ["status"])


def downgrade() -> None:
    op.drop_index("ix_suggestion_status", table_name="suggestion")
    op.drop_table("suggestion")
