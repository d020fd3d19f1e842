"""Who entered in whose place: a volunteer called from the waiting list when a member left
records that member (the coordinators' list of exits and replacements).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # a nullable column with its reference is a plain ALTER TABLE in SQLite: the table,
        # its CHECK constraints and rows stay as they are (batch mode would copy it)
        op.execute("ALTER TABLE volunteer ADD COLUMN replaced_member_id INTEGER "
                   "CONSTRAINT fk_volunteer_replaced_member_id_member REFERENCES member (id)")
    else:
        op.add_column("volunteer", sa.Column("replaced_member_id", sa.Integer))
        op.create_foreign_key("fk_volunteer_replaced_member_id_member", "volunteer",
                              "member", ["replaced_member_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("volunteer") as batch:
        batch.drop_column("replaced_member_id")
