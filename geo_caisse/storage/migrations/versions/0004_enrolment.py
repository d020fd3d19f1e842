"""Enrolment: draws, volunteers (pool and waiting list), committee seats.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draw",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("method", sa.String(12), nullable=False),
        sa.Column("quotas", sa.JSON, nullable=False),
        sa.Column("list_sha256", sa.String(64), nullable=False),
        sa.Column("volunteer_list_csv", sa.Text, nullable=False),
        sa.Column("selected", sa.JSON, nullable=False),
        sa.Column("stratum_probability", sa.JSON, nullable=False),
        sa.Column("shortfall", sa.JSON, nullable=False),
        sa.Column("min_probability", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_draw"),
        sa.CheckConstraint("method IN ('stratified', 'maximin')", name="ck_draw_method"),
    )
    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(24), nullable=False),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("income_quartile", sa.Integer, nullable=False),
        sa.Column("age_band", sa.String(6), nullable=False),
        sa.Column("neighbourhood_code", sa.String(32)),
        sa.Column("home_cell_x_m", sa.Integer),
        sa.Column("home_cell_y_m", sa.Integer),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("waiting_rank", sa.Integer),
        sa.Column("draw_id", sa.Integer),
        sa.Column("member_id", sa.Integer),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_volunteer"),
        sa.UniqueConstraint("ref", name="uq_volunteer_ref"),
        sa.UniqueConstraint("member_id", name="uq_volunteer_member_id"),
        sa.ForeignKeyConstraint(["draw_id"], ["draw.id"], name="fk_volunteer_draw_id_draw"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name="fk_volunteer_member_id_member"),
        sa.CheckConstraint("status IN ('waiting', 'member', 'withdrawn')",
                           name="ck_volunteer_status"),
        sa.CheckConstraint("channel IN ('open_call', 'referral', 'committee')",
                           name="ck_volunteer_channel"),
        sa.CheckConstraint("income_quartile BETWEEN 1 AND 4",
                           name="ck_volunteer_income_quartile"),
        sa.CheckConstraint("age_band IN ('<30', '30-60', '>60')", name="ck_volunteer_age_band"),
    )
    op.create_table(
        "committee_seat",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(24), nullable=False),
        sa.Column("joined_on", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date),
        sa.Column("in_poverty", sa.Boolean, nullable=False),
        sa.Column("member_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_committee_seat"),
        sa.UniqueConstraint("ref", name="uq_committee_seat_ref"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name="fk_committee_seat_member_id_member"),
    )


def downgrade() -> None:
    op.drop_table("committee_seat")
    op.drop_table("volunteer")
    op.drop_table("draw")
