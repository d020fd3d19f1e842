"""The ledger's queries and writes on one session (never commits: the payment use cases do).

Balances are posted by the database itself (a trigger on ``ledger_transfer``); this
module never writes a balance. Amounts are integer cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from geo_caisse.core.errors import NotFoundError
from geo_caisse.storage.layers import takes_mona_clause
from geo_caisse.storage.models import (
    AccountRow,
    EventRow,
    MemberRow,
    PaymentCodeRow,
    PointOfSaleRow,
    TransferRow,
)

ISSUANCE = "mona:issuance"
RECONVERSION = "mona:reconversion"
EUR_INFLOW = "eur:inflow"
TREASURY = "eur:treasury"
PAYOUT = "eur:payout"


def member_code(pseudonym: str) -> str:
    return f"member:{pseudonym}"


def vendor_code(ref: str) -> str:
    return f"vendor:{ref}"


class LedgerRepository:
    """Accounts, events and transfers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # accounts ---------------------------------------------------------------------------
    def account(self, code: str) -> AccountRow:
        row = self.session.scalar(select(AccountRow).where(AccountRow.code == code))
        if row is None:
            raise NotFoundError(f"no ledger account {code!r}")
        return row

    def accounts_by_code(self, codes: Iterable[str]) -> dict[str, AccountRow]:
        wanted = sorted(set(codes))
        out: dict[str, AccountRow] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            out.update({r.code: r for r in self.session.scalars(
                select(AccountRow).where(AccountRow.code.in_(chunk)))})
        return out

    def member_account(self, member_id: int) -> AccountRow:
        row = self.session.scalar(select(AccountRow).where(AccountRow.member_id == member_id))
        if row is None:
            raise NotFoundError(f"no member with id {member_id}")
        return row

    def balance_cents(self, account_id: int) -> int:
        value = self.session.scalar(
            select(AccountRow.balance_cents).where(AccountRow.id == account_id))
        if value is None:
            raise NotFoundError(f"no ledger account with id {account_id}")
        return int(value)

    def open_vendor_account(self, pos: PointOfSaleRow) -> AccountRow:
        """The point of sale's Mona account, created on first use (safe under concurrency)."""
        values = {"code": vendor_code(pos.ref), "kind": "vendor", "currency": "MONA",
                  "point_of_sale_id": pos.id, "balance_cents": 0,
                  "created_at": datetime.now().astimezone()}
        dialect = postgresql if self.session.get_bind().dialect.name != "sqlite" else sqlite
        self.session.execute(dialect.insert(AccountRow).values(**values)
                             .on_conflict_do_nothing())
        return self.account(vendor_code(pos.ref))

    def open_vendor_accounts(self) -> int:
        """Open the Mona account of every conventionné accepting the Mona; how many are new."""
        before = self.session.scalar(select(func.count()).select_from(AccountRow).where(
            AccountRow.kind == "vendor")) or 0
        for pos in self.session.scalars(select(PointOfSaleRow).where(takes_mona_clause())):
            self.open_vendor_account(pos)
        after = self.session.scalar(select(func.count()).select_from(AccountRow).where(
            AccountRow.kind == "vendor")) or 0
        return int(after) - int(before)

    def add_member(self, row: MemberRow) -> AccountRow:
        self.session.add(row)
        self.session.flush()
        account = AccountRow(code=member_code(row.pseudonym), kind="member", currency="MONA",
                             member_id=row.id, balance_cents=0)
        self.session.add(account)
        self.session.flush()
        return account

    # events and transfers --------------------------------------------------------------
    def event_by_key(self, key: str) -> EventRow | None:
        return self.session.scalar(select(EventRow).where(EventRow.idempotency_key == key))

    def keys_like(self, prefix: str) -> set[str]:
        return set(self.session.scalars(
            select(EventRow.idempotency_key).where(EventRow.idempotency_key.like(prefix + "%"))))

    def add_events(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert events, returning their ids in the order given."""
        if not rows:
            return []
        table: Any = EventRow.__table__
        result = self.session.connection().execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
        return [int(r[0]) for r in result]

    def add_transfers(self, rows: Sequence[dict[str, Any]], *, ids: bool = True) -> list[int]:
        """Insert transfers (the trigger posts each to both balances), ids in order.

        ``ids=False`` skips RETURNING: a plain executemany, twice as fast on PostGIS for
        bulk writes (imports, the monthly allocation).
        """
        if not rows:
            return []
        if not ids:  # Core executemany: pipelined by psycopg (the ORM split it per row)
            table: Any = TransferRow.__table__
            self.session.connection().execute(insert(table), list(rows))
            return []
        result = self.session.scalars(
            insert(TransferRow).returning(TransferRow.id, sort_by_parameter_order=True),
            list(rows))
        return list(result)

    def add_event_with_transfers(self, event: dict[str, Any], rows: Sequence[dict[str, Any]]
                                 ) -> tuple[int, list[tuple[int, datetime]]]:
        """Insert one event and its transfers (``event_id`` filled in): the event's id and
        each transfer's id and time, in order. One round trip on PostGIS (the event's
        insert in a CTE), two on SpatiaLite; the trigger posts each transfer as always."""
        event_table: Any = EventRow.__table__
        table: Any = TransferRow.__table__
        if self.session.get_bind().dialect.name == "sqlite":
            [event_id] = self.add_events([event])
            result = self.session.connection().execute(
                insert(table).returning(table.c.id, table.c.occurred_at,
                                        sort_by_parameter_order=True),
                [{**r, "event_id": event_id} for r in rows])
            return event_id, [(int(r[0]), r[1]) for r in result]
        new_event = insert(event_table).values(**event).returning(event_table.c.id).cte(
            "new_event")
        columns = sorted({c for r in rows for c in r})
        legs = union_all(*(
            select(*(cast(literal(r.get(c), table.c[c].type), table.c[c].type).label(c)
                     for c in columns),
                   literal(i).label("leg")) for i, r in enumerate(rows))).subquery("legs")
        stmt = (insert(table).from_select(
            ["event_id", *columns],
            select(new_event.c.id, *(legs.c[c] for c in columns)).select_from(new_event)
            .join(legs, literal(True)).order_by(legs.c.leg))
            .returning(table.c.event_id, table.c.id, table.c.occurred_at))
        out = [(int(r[0]), int(r[1]), r[2]) for r in self.session.connection().execute(stmt)]
        out.sort(key=lambda r: r[1])  # ids follow the legs' order (one sequence, in order)
        return out[0][0], [(r[1], r[2]) for r in out]

    def take_code(self, code_sha256: str, now: datetime
                  ) -> tuple[int, int, datetime, int, int] | None:
        """Mark an unused code used and return it with its member's account, in one
        statement (the code's row is locked until the transaction ends): (code id, member
        id, expiry, account id, balance in cents), or None when no unused code matches."""
        taken = (update(PaymentCodeRow)
                 .where(PaymentCodeRow.code_sha256 == code_sha256,
                        PaymentCodeRow.used_at.is_(None))
                 .values(used_at=now))
        code = (PaymentCodeRow.id, PaymentCodeRow.member_id, PaymentCodeRow.expires_at)
        if self.session.get_bind().dialect.name == "sqlite":  # RETURNING: its own table only
            first = self.session.execute(taken.returning(*code)).first()
            if first is None:
                return None
            account = self.session.execute(
                select(AccountRow.id, AccountRow.balance_cents)
                .where(AccountRow.member_id == first[1])).one()
            row: Any = (*first, *account)
        else:
            row = self.session.execute(
                taken.where(AccountRow.member_id == PaymentCodeRow.member_id)
                .returning(*code, AccountRow.id, AccountRow.balance_cents)).first()
            if row is None:
                return None
        return int(row[0]), int(row[1]), row[2], int(row[3]), int(row[4])

    def vendor_of(self, point_of_sale_id: int) -> tuple[str, str, bool, int | None] | None:
        """A point of sale's ref, status, whether it accepts the Mona and its account's id
        (None: not opened yet), in one query; None when there is no such point of sale."""
        row = self.session.execute(
            select(PointOfSaleRow.ref, PointOfSaleRow.status, PointOfSaleRow.accepts_mona,
                   AccountRow.id)
            .outerjoin(AccountRow, AccountRow.point_of_sale_id == PointOfSaleRow.id)
            .where(PointOfSaleRow.id == point_of_sale_id)).first()
        return None if row is None else (str(row[0]), str(row[1]), bool(row[2]),
                                         None if row[3] is None else int(row[3]))

    def transfers_of_event(self, event_id: int) -> list[TransferRow]:
        return list(self.session.scalars(
            select(TransferRow).where(TransferRow.event_id == event_id).order_by(TransferRow.id)))

    def transfer(self, transfer_id: int) -> TransferRow:
        row = self.session.get(TransferRow, transfer_id)
        if row is None:
            raise NotFoundError(f"no ledger transfer with id {transfer_id}")
        return row

    def statement(self, account_id: int, *, limit: int = 100) -> list[tuple[TransferRow, str]]:
        """The account's latest transfers with the other side's account code."""
        other = case((TransferRow.debit_account_id == account_id, TransferRow.credit_account_id),
                     else_=TransferRow.debit_account_id)
        stmt = (select(TransferRow, AccountRow.code)
                .join(AccountRow, AccountRow.id == other)
                .where(or_(TransferRow.debit_account_id == account_id,
                           TransferRow.credit_account_id == account_id))
                .order_by(TransferRow.occurred_at.desc(), TransferRow.id.desc()).limit(limit))
        return [(r[0], r[1]) for r in self.session.execute(stmt).all()]

    def member_homes(self) -> list[tuple[int, int | None, int | None, bool]]:
        """Every member's id, home cell corner (None: unknown) and synthetic flag, by id."""
        rows = self.session.execute(select(MemberRow.id, MemberRow.home_cell_x_m,
                                           MemberRow.home_cell_y_m, MemberRow.synthetic)
                                    .order_by(MemberRow.id)).all()
        return [(int(r[0]), r[1], r[2], bool(r[3])) for r in rows]

    def movements(self) -> list[Any]:
        """Every transfer, in order, with both sides' member or point of sale: rows of
        (kind, occurred_at, cents, payer member, payee member, payer point of sale, payee point
        of sale, the contributing member)."""
        payer, payee = aliased(AccountRow), aliased(AccountRow)
        return list(self.session.execute(
            select(TransferRow.kind, TransferRow.occurred_at, TransferRow.amount_cents,
                   payer.member_id, payee.member_id, payer.point_of_sale_id,
                   payee.point_of_sale_id, TransferRow.member_id)
            .join(payer, payer.id == TransferRow.debit_account_id)
            .join(payee, payee.id == TransferRow.credit_account_id)
            .order_by(TransferRow.id)).all())

    def version(self) -> tuple[int | None, int]:
        """What changes whenever the ledger moves: the last transfer's id, the members."""
        return (self.session.scalar(select(func.max(TransferRow.id))),
                int(self.session.scalar(select(func.count()).select_from(MemberRow)) or 0))

    # payment codes ----------------------------------------------------------------------
    def add_code(self, member_id: int, code_sha256: str, expires_at: datetime) -> None:
        self.session.add(PaymentCodeRow(member_id=member_id, code_sha256=code_sha256,
                                        expires_at=expires_at))
        self.session.flush()

    def code(self, code_sha256: str) -> PaymentCodeRow | None:
        return self.session.scalar(
            select(PaymentCodeRow).where(PaymentCodeRow.code_sha256 == code_sha256))

    def use_code(self, code_id: int, now: datetime) -> bool:
        """Mark a code used; False when another payment used it first."""
        result = self.session.execute(
            update(PaymentCodeRow)
            .where(and_(PaymentCodeRow.id == code_id, PaymentCodeRow.used_at.is_(None)))
            .values(used_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # checks -----------------------------------------------------------------------------
    def posted_vs_stored(self) -> list[tuple[str, int, int]]:
        """Accounts whose stored balance differs from the sum of their transfers."""
        credits = (select(TransferRow.credit_account_id.label("a"),
                          TransferRow.amount_cents.label("v")))
        debits = (select(TransferRow.debit_account_id.label("a"),
                         (-TransferRow.amount_cents).label("v")))
        moves = credits.union_all(debits).subquery()
        sums = select(moves.c.a, func.sum(moves.c.v).label("s")).group_by(moves.c.a).subquery()
        stmt = (select(AccountRow.code, AccountRow.balance_cents, func.coalesce(sums.c.s, 0))
                .outerjoin(sums, sums.c.a == AccountRow.id)
                .where(AccountRow.balance_cents != func.coalesce(sums.c.s, 0)))
        return [(r[0], int(r[1]), int(r[2])) for r in self.session.execute(stmt).all()]

    def balance_sums(self) -> dict[str, int]:
        """Sum of balances per currency (zero in a consistent ledger)."""
        stmt = select(AccountRow.currency, func.sum(AccountRow.balance_cents)).group_by(
            AccountRow.currency)
        return {c: int(s or 0) for c, s in self.session.execute(stmt).all()}

    def negative_accounts(self) -> list[str]:
        return list(self.session.scalars(select(AccountRow.code).where(
            and_(AccountRow.balance_cents < 0, AccountRow.kind != "issuance"))))


class ImportStage:
    """Movements staged beside the ledger, then swapped in by one short transaction.

    The staged rows live in temporary tables of one connection (never in the ledger, never
    seen by another connection, gone with it if the process dies): writing them takes no
    lock on the ledger, so a long import holds the store's write lock only for the swap,
    two ``INSERT … SELECT`` in the database, all or nothing. The caller owns ``conn``
    and its transactions; the swap posts balances through the ledger's trigger as any
    insert does, and the ledger's constraints refuse it whole if anything moved meanwhile.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        meta = MetaData()
        self.events = Table(
            "staged_ledger_event", meta,
            Column("seq", Integer, primary_key=True), Column("kind", String(20)),
            Column("idempotency_key", String(200)), Column("fingerprint", String(64)),
            Column("reference", String(200)), Column("occurred_at", DateTime(timezone=True)),
            Column("recorded_at", DateTime(timezone=True)), prefixes=["TEMPORARY"])
        self.transfers = Table(
            "staged_ledger_transfer", meta,
            Column("seq", Integer, primary_key=True), Column("event_key", String(200)),
            Column("kind", String(20)), Column("currency", String(4)),
            Column("debit_account_id", Integer), Column("credit_account_id", Integer),
            Column("amount_cents", BigInteger), Column("occurred_at", DateTime(timezone=True)),
            Column("member_id", Integer), Column("funder", String(40)), prefixes=["TEMPORARY"])
        self._meta = meta
        self.staged_transfers = 0

    def create(self) -> None:
        """(Re)create the empty temporary tables on this connection."""
        self.drop()
        self.staged_transfers = 0
        self._meta.create_all(self.conn)

    def drop(self) -> None:
        for table in (self.transfers, self.events):
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")

    def add(self, events: Sequence[dict[str, Any]], transfers: Sequence[dict[str, Any]]) -> None:
        """Stage events (with their ``seq`` order) and transfers (naming their event's
        ``event_key``, the idempotency key)."""
        for table, rows in ((self.events, events), (self.transfers, transfers)):
            if not rows:
                continue
            if self.conn.dialect.name == "postgresql":
                self._copy(table, rows)  # COPY, not an executemany of INSERTs
            else:
                self.conn.execute(insert(table), list(rows))
        self.staged_transfers += len(transfers)

    def _copy(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        names = [c.name for c in table.columns]
        driver: Any = self.conn.connection.driver_connection  # psycopg's own connection
        cursor = driver.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(n) for n in names])

    def swap_in(self) -> int:
        """Copy every staged event and transfer into the ledger, in staged order; returns
        how many transfers. Raises the store's IntegrityError when the ledger refuses."""
        event: Any = EventRow.__table__
        transfer: Any = TransferRow.__table__
        e, t = self.events, self.transfers
        self.conn.execute(insert(event).from_select(
            ["kind", "idempotency_key", "fingerprint", "reference", "occurred_at",
             "recorded_at"],
            select(e.c.kind, e.c.idempotency_key, e.c.fingerprint, e.c.reference,
                   e.c.occurred_at, e.c.recorded_at).order_by(e.c.seq)))
        columns = ["kind", "currency", "debit_account_id", "credit_account_id",
                   "amount_cents", "occurred_at", "member_id", "funder"]
        self.conn.execute(insert(transfer).from_select(
            ["event_id", *columns],
            select(event.c.id, *(t.c[c] for c in columns))
            .join(event, event.c.idempotency_key == t.c.event_key).order_by(t.c.seq)))
        # every staged transfer, or the statement raised (psycopg's rowcount of an INSERT …
        # SELECT under a statement trigger read -1)
        return self.staged_transfers
