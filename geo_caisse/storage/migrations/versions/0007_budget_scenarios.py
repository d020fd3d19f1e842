"""The committee's saved budget scenarios.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_scenario",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("saved_by", sa.String(80), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_budget_scenario"),
        sa.UniqueConstraint("name", name="uq_budget_scenario_name"),
    )


def downgrade() -> None:
    op.drop_table("budget_scenario")
