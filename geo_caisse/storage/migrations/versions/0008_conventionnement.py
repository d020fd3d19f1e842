"""Conventionnement dossiers (criteria, attachments, decisions) and the history of each point
of sale's statuses; decisions and status changes are append-only (triggers refuse UPDATE and
DELETE, as for the ledger).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APPEND_ONLY = "decisions and status changes are append-only: record a new one"
TABLES = ("dossier_decision", "status_change")


def upgrade() -> None:
    op.create_table(
        "conventionnement_dossier",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("point_of_sale_id", sa.Integer, nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("suggestion_id", sa.Integer),
        sa.Column("meeting_on", sa.Date),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conventionnement_dossier"),
        sa.UniqueConstraint("point_of_sale_id",
                            name="uq_conventionnement_dossier_point_of_sale_id"),
        sa.ForeignKeyConstraint(["point_of_sale_id"], ["point_of_sale.id"],
                                name="fk_conventionnement_dossier_point_of_sale_id_point_of_sale"),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestion.id"],
                                name="fk_conventionnement_dossier_suggestion_id_suggestion"),
    )
    op.create_table(
        "dossier_criterion",
        sa.Column("dossier_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("comment", sa.String(1000)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", "key", name="pk_dossier_criterion"),
        sa.ForeignKeyConstraint(["dossier_id"], ["conventionnement_dossier.id"],
                                name="fk_dossier_criterion_dossier_id_conventionnement_dossier"),
        sa.CheckConstraint("state IN ('met', 'not_met', 'unknown')",
                           name="ck_dossier_criterion_state"),
    )
    op.create_table(
        "dossier_attachment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_id", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dossier_attachment"),
        sa.ForeignKeyConstraint(["dossier_id"], ["conventionnement_dossier.id"],
                                name="fk_dossier_attachment_dossier_id_conventionnement_dossier"),
    )
    op.create_index("ix_dossier_attachment_dossier_id", "dossier_attachment", ["dossier_id"])
    op.create_table(
        "dossier_decision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_id", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("votes_for", sa.Integer),
        sa.Column("votes_against", sa.Integer),
        sa.Column("votes_abstention", sa.Integer),
        sa.Column("note", sa.String(1000)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dossier_decision"),
        sa.ForeignKeyConstraint(["dossier_id"], ["conventionnement_dossier.id"],
                                name="fk_dossier_decision_dossier_id_conventionnement_dossier"),
        sa.CheckConstraint("decision IN ('conventionne', 'refuse', 'suspendu')",
                           name="ck_dossier_decision_decision"),
        sa.CheckConstraint("(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR "
                           "votes_against >= 0) AND (votes_abstention IS NULL OR "
                           "votes_abstention >= 0)", name="ck_dossier_decision_votes"),
    )
    op.create_index("ix_dossier_decision_dossier_id", "dossier_decision", ["dossier_id"])
    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("point_of_sale_id", sa.Integer, nullable=False),
        sa.Column("status_before", sa.String(20), nullable=False),
        sa.Column("status_after", sa.String(20), nullable=False),
        sa.Column("accepts_mona", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("dossier_decision_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_status_change"),
        sa.ForeignKeyConstraint(
            ["point_of_sale_id"], ["point_of_sale.id"],
            name="fk_status_change_point_of_sale_id_point_of_sale"),
        sa.ForeignKeyConstraint(
            ["dossier_decision_id"], ["dossier_decision.id"],
            name="fk_status_change_dossier_decision_id_dossier_decision"),
    )
    op.create_index("ix_status_change_point_of_sale_id",
                    "status_change", ["point_of_sale_id"])
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""")
    else:
        op.execute(f"""CREATE FUNCTION decisions_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation';
            END $$""")
        for table in TABLES:
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION decisions_append_only()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only()""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS decisions_append_only() CASCADE")
    op.drop_index("ix_status_change_point_of_sale_id",
                  table_name="status_change")
    op.drop_table("status_change")
    op.drop_index("ix_dossier_decision_dossier_id", table_name="dossier_decision")
    op.drop_table("dossier_decision")
    op.drop_index("ix_dossier_attachment_dossier_id", table_name="dossier_attachment")
    op.drop_table("dossier_attachment")
    op.drop_table("dossier_criterion")
    op.drop_table("conventionnement_dossier")
