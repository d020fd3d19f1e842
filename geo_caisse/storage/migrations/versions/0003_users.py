"""Users who log in (roles; password hashes; links to a member or a point of sale).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("member_id", sa.Integer),
        sa.Column("point_of_sale_id", sa.Integer),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_app_user"),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
        sa.UniqueConstraint("member_id", name="uq_app_user_member_id"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name="fk_app_user_member_id_member"),
        sa.ForeignKeyConstraint(["point_of_sale_id"], ["point_of_sale.id"],
                                name="fk_app_user_point_of_sale_id_point_of_sale"),
        sa.CheckConstraint(
            "role IN ('member', 'producer', 'committee', 'coordinator', 'admin')",
            name="ck_app_user_role"),
    )


def downgrade() -> None:
    op.drop_table("app_user")
