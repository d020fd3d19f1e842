"""PostGIS posts transfers per statement: one set-based update of the balances, not one per row.

The row trigger of 0002 updated both accounts once per inserted transfer: an import of a
year (36,000 rows through the same treasury accounts) rewrote the same rows tens of
thousands of times in one transaction. This statement trigger reads the inserted rows
(a transition table), locks the accounts in id order, refuses the whole statement if any
account but an issuance account would have gone below zero at any row, in the rows' order
(the running balance, exactly what the row trigger's CHECK saw), and adds each account's
net movement once. The invariants are those of 0002: every inserted transfer is posted to
both balances in the same statement, no overdraft (the CHECK stays too), append-only.
SpatiaLite keeps its row trigger (it has no transition tables; its updates are in-process).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STATEMENT_POSTING = """CREATE FUNCTION ledger_transfer_post_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    overdrawn text;
BEGIN
    -- the accounts' rows, locked in id order (as an UPDATE of their balance would: no key
    -- update, so the foreign keys' share locks of concurrent inserts do not conflict)
    PERFORM 1 FROM ledger_account WHERE id IN (
        SELECT debit_account_id FROM new_rows UNION SELECT credit_account_id FROM new_rows)
        ORDER BY id FOR NO KEY UPDATE;
    WITH moves AS (
        SELECT debit_account_id AS account_id, id, -amount_cents AS delta FROM new_rows
        UNION ALL
        SELECT credit_account_id, id, amount_cents FROM new_rows
    ), running AS (
        SELECT m.account_id, a.code, a.kind,
               a.balance_cents + sum(m.delta) OVER (PARTITION BY m.account_id ORDER BY m.id)
                   AS balance
        FROM moves m JOIN ledger_account a ON a.id = m.account_id
    )
    SELECT code INTO overdrawn FROM running
    WHERE balance < 0 AND kind <> 'issuance' LIMIT 1;
    IF overdrawn IS NOT NULL THEN
        RAISE EXCEPTION 'new row for relation "ledger_account" violates check constraint '
            '"ck_ledger_account_no_overdraft" (account %)', overdrawn
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE ledger_account a SET balance_cents = a.balance_cents + d.delta
    FROM (SELECT account_id, sum(delta) AS delta FROM (
              SELECT debit_account_id AS account_id, -amount_cents AS delta FROM new_rows
              UNION ALL
              SELECT credit_account_id, amount_cents FROM new_rows) m
          GROUP BY account_id) d
    WHERE a.id = d.account_id;
    RETURN NULL;
END $$"""

ROW_POSTING = """CREATE TRIGGER ledger_transfer_post AFTER INSERT ON ledger_transfer
    FOR EACH ROW EXECUTE FUNCTION ledger_transfer_post()"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER ledger_transfer_post ON ledger_transfer")
    op.execute(STATEMENT_POSTING)
    op.execute("""CREATE TRIGGER ledger_transfer_post AFTER INSERT ON ledger_transfer
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfer_post_rows()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER ledger_transfer_post ON ledger_transfer")
    op.execute("DROP FUNCTION ledger_transfer_post_rows()")
    op.execute(ROW_POSTING)
