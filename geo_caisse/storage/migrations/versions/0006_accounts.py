"""Getting in and cashing in: invitations, vendors' further points of sale, reconversion
requests; when a login was made and last used.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True)))
    op.create_table(
        "user_point_of_sale",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("point_of_sale_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "point_of_sale_id", name="pk_user_point_of_sale"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name="fk_user_point_of_sale_user_id_app_user"),
        sa.ForeignKeyConstraint(["point_of_sale_id"], ["point_of_sale.id"],
                                name="fk_user_point_of_sale_point_of_sale_id_point_of_sale"),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("member_id", sa.Integer),
        sa.Column("point_of_sale_id", sa.Integer),
        sa.Column("more_points_of_sale", sa.JSON),
        sa.Column("user_id", sa.Integer),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_invitation"),
        sa.UniqueConstraint("code_sha256", name="uq_invitation_code_sha256"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name="fk_invitation_member_id_member"),
        sa.ForeignKeyConstraint(["point_of_sale_id"], ["point_of_sale.id"],
                                name="fk_invitation_point_of_sale_id_point_of_sale"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name="fk_invitation_user_id_app_user"),
        sa.CheckConstraint("purpose IN ('member', 'vendor', 'reset')",
                           name="ck_invitation_purpose"),
    )
    op.create_index("ix_invitation_member_id", "invitation", ["member_id"])
    op.create_index("ix_invitation_user_id", "invitation", ["user_id"])
    op.create_table(
        "reconversion_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("point_of_sale_id", sa.Integer, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(80)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String(1000)),
        sa.Column("event_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_reconversion_request"),
        sa.ForeignKeyConstraint(["point_of_sale_id"], ["point_of_sale.id"],
                                name="fk_reconversion_request_point_of_sale_id_point_of_sale"),
        sa.ForeignKeyConstraint(["event_id"], ["ledger_event.id"],
                                name="fk_reconversion_request_event_id_ledger_event"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused')",
                           name="ck_reconversion_request_status"),
        sa.CheckConstraint("amount_cents > 0", name="ck_reconversion_request_amount_cents"),
    )
    op.create_index("ix_reconversion_request_point_of_sale_id", "reconversion_request",
                    ["point_of_sale_id"])
    op.create_index("ix_reconversion_request_status", "reconversion_request", ["status"])


def downgrade() -> None:
    op.drop_table("reconversion_request")
    op.drop_table("invitation")
    op.drop_table("user_point_of_sale")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("last_login_at")
        batch.drop_column("created_at")
