"""The Mona ledger: members (pseudonymous), accounts, events, transfers, payment codes.

The invariants live in the database, on both backends:

- every transfer moves one positive amount from one account to another of the same
  currency (composite foreign keys), so debits equal credits by construction;
- a trigger posts each inserted transfer to both balances, and a CHECK refuses a
  negative balance on every account but an issuance account: an overspend fails the
  insert, whatever the client did (and concurrent payments serialise on the row);
- transfers and events are append-only (triggers refuse UPDATE and DELETE); a
  correction is a reversing transfer, which must mirror the one it reverses;
- an idempotency key is unique: a retried operation is applied once.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACCOUNT_KINDS = ("member", "vendor", "issuance", "reconversion", "treasury", "payout")
TRANSFER_KINDS = ("allocation", "payment", "vendor_payment", "reconversion", "payout",
                  "contribution", "funding", "reversal", "adjustment")


#: the caisse's own accounts: code, kind, currency (the ledger's code refers to them by code)
SYSTEM_ACCOUNTS = (
    ("mona:issuance", "issuance", "MONA"),      # every Mona comes from here (goes negative)
    ("mona:reconversion", "reconversion", "MONA"),  # Mona vendors turned back into euros
    ("eur:inflow", "issuance", "EUR"),          # euros entering: contributions, funding
    ("eur:treasury", "treasury", "EUR"),        # the caisse's bank account
    ("eur:payout", "payout", "EUR"),            # euros paid to vendors for their Mona
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


APPEND_ONLY = "ledger transfers and events are append-only: correct with a reversing transfer"
NOT_A_MIRROR = "a reversal must move the same amount back between the same two accounts"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER ledger_transfer_mirror BEFORE INSERT ON ledger_transfer
    WHEN NEW.reverses_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM ledger_transfer t WHERE t.id = NEW.reverses_id
        AND t.amount_cents = NEW.amount_cents AND t.currency = NEW.currency
        AND t.debit_account_id = NEW.credit_account_id
        AND t.credit_account_id = NEW.debit_account_id)
    BEGIN SELECT RAISE(ABORT, '{NOT_A_MIRROR}'); END""",
    """CREATE TRIGGER ledger_transfer_post AFTER INSERT ON ledger_transfer BEGIN
        UPDATE ledger_account SET balance_cents = balance_cents - NEW.amount_cents
            WHERE id = NEW.debit_account_id;
        UPDATE ledger_account SET balance_cents = balance_cents + NEW.amount_cents
            WHERE id = NEW.credit_account_id;
    END""",
    *(
        f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""
        for table in ("ledger_transfer", "ledger_event") for verb in ("UPDATE", "DELETE")
    ),
]

POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION ledger_transfer_mirror() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.reverses_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_transfer t WHERE t.id = NEW.reverses_id
            AND t.amount_cents = NEW.amount_cents AND t.currency = NEW.currency
            AND t.debit_account_id = NEW.credit_account_id
            AND t.credit_account_id = NEW.debit_account_id) THEN
            RAISE EXCEPTION '{NOT_A_MIRROR}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER ledger_transfer_mirror BEFORE INSERT ON ledger_transfer
    FOR EACH ROW EXECUTE FUNCTION ledger_transfer_mirror()""",
    """CREATE FUNCTION ledger_transfer_post() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE ledger_account SET balance_cents = balance_cents - NEW.amount_cents
            WHERE id = NEW.debit_account_id;
        UPDATE ledger_account SET balance_cents = balance_cents + NEW.amount_cents
            WHERE id = NEW.credit_account_id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER ledger_transfer_post AFTER INSERT ON ledger_transfer
    FOR EACH ROW EXECUTE FUNCTION ledger_transfer_post()""",
    f"""CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation';
    END $$""",
    *(
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"""
        for table in ("ledger_transfer", "ledger_event")
    ),
    *(
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"""
        for table in ("ledger_transfer", "ledger_event")
    ),
]


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("joined_on", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date),
        sa.Column("home_cell_x_m", sa.Integer),
        sa.Column("home_cell_y_m", sa.Integer),
        sa.Column("neighbourhood_code", sa.String(32)),
        sa.Column("income_quartile", sa.Integer),
        sa.Column("age_band", sa.String(6)),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.UniqueConstraint("pseudonym", name="uq_member_pseudonym"),
        sa.CheckConstraint("status IN ('active', 'left')", name="ck_member_status"),
        sa.CheckConstraint("income_quartile IS NULL OR income_quartile BETWEEN 1 AND 4",
                           name="ck_member_income_quartile"),
        sa.CheckConstraint("age_band IS NULL OR age_band IN ('<30', '30-60', '>60')",
                           name="ck_member_age_band"),
    )
    op.create_index("ix_member_neighbourhood_code", "member", ["neighbourhood_code"])
    op.create_table(
        "ledger_account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(4), nullable=False),
        sa.Column("member_id", sa.Integer),
        sa.Column("point_of_sale_id", sa.Integer),
        sa.Column("balance_cents", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_account"),
        sa.UniqueConstraint("code", name="uq_ledger_account_code"),
        sa.UniqueConstraint("member_id", name="uq_ledger_account_member_id"),
        sa.UniqueConstraint("point_of_sale_id", name="uq_ledger_account_point_of_sale_id"),
        sa.UniqueConstraint("id", "currency", name="uq_ledger_account_id_currency"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name="fk_ledger_account_member_id_member"),
        sa.ForeignKeyConstraint(["point_of_sale_id"], ["point_of_sale.id"],
                                name="fk_ledger_account_point_of_sale_id_point_of_sale"),
        sa.CheckConstraint(_in("kind", ACCOUNT_KINDS), name="ck_ledger_account_kind"),
        sa.CheckConstraint("currency IN ('MONA', 'EUR')", name="ck_ledger_account_currency"),
        sa.CheckConstraint("balance_cents >= 0 OR kind = 'issuance'",
                           name="ck_ledger_account_no_overdraft"),
        sa.CheckConstraint("(kind = 'member') = (member_id IS NOT NULL)",
                           name="ck_ledger_account_member_link"),
        sa.CheckConstraint("(kind = 'vendor') = (point_of_sale_id IS NOT NULL)",
                           name="ck_ledger_account_vendor_link"),
    )
    op.create_table(
        "ledger_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("reference", sa.String(200)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_event"),
        sa.UniqueConstraint("idempotency_key", name="uq_ledger_event_idempotency_key"),
    )
    op.create_index("ix_ledger_event_occurred_at", "ledger_event", ["occurred_at"])
    op.create_table(
        "ledger_transfer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(4), nullable=False),
        sa.Column("debit_account_id", sa.Integer, nullable=False),
        sa.Column("credit_account_id", sa.Integer, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.Integer),
        sa.Column("funder", sa.String(40)),
        sa.Column("reverses_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_transfer"),
        sa.UniqueConstraint("reverses_id", name="uq_ledger_transfer_reverses_id"),
        sa.ForeignKeyConstraint(["event_id"], ["ledger_event.id"],
                                name="fk_ledger_transfer_event_id_ledger_event"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name="fk_ledger_transfer_member_id_member"),
        sa.ForeignKeyConstraint(["reverses_id"], ["ledger_transfer.id"],
                                name="fk_ledger_transfer_reverses_id_ledger_transfer"),
        sa.ForeignKeyConstraint(["debit_account_id", "currency"],
                                ["ledger_account.id", "ledger_account.currency"],
                                name="fk_ledger_transfer_debit_currency"),
        sa.ForeignKeyConstraint(["credit_account_id", "currency"],
                                ["ledger_account.id", "ledger_account.currency"],
                                name="fk_ledger_transfer_credit_currency"),
        sa.CheckConstraint("amount_cents > 0", name="ck_ledger_transfer_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id",
                           name="ck_ledger_transfer_two_accounts"),
        sa.CheckConstraint(_in("kind", TRANSFER_KINDS), name="ck_ledger_transfer_kind"),
        sa.CheckConstraint("currency IN ('MONA', 'EUR')", name="ck_ledger_transfer_currency"),
        sa.CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)",
                           name="ck_ledger_transfer_reversal_link"),
    )
    for column in ("event_id", "debit_account_id", "credit_account_id", "occurred_at"):
        op.create_index(f"ix_ledger_transfer_{column}", "ledger_transfer", [column])
    op.create_table(
        "payment_code",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_payment_code"),
        sa.UniqueConstraint("code_sha256", name="uq_payment_code_code_sha256"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name="fk_payment_code_member_id_member"),
    )
    op.create_index("ix_payment_code_member_id", "payment_code", ["member_id"])
    accounts = sa.table(
        "ledger_account", sa.column("code", sa.String), sa.column("kind", sa.String),
        sa.column("currency", sa.String), sa.column("balance_cents", sa.BigInteger),
        sa.column("created_at", sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    op.bulk_insert(accounts, [
        {"code": code, "kind": kind, "currency": currency, "balance_cents": 0, "created_at": now}
        for code, kind, currency in SYSTEM_ACCOUNTS
    ])
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in ("ledger_transfer_mirror", "ledger_transfer_post", "ledger_append_only"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
    for table in ("payment_code", "ledger_transfer", "ledger_event", "ledger_account", "member"):
        op.drop_table(table)
