"""Import transaction exports into the Mona ledger: one software-neutral CSV contract.

The contract (UTF-8, ``,`` or ``;`` separated, one movement per row)::

    date       ISO 8601 date or date-time (a time without offset is Europe/Paris time)
    payer      account debited   } member:<pseudonym>, vendor:<point of sale ref>, or
    payee      account credited  } mona:issuance, mona:reconversion, eur:inflow,
                                 } eur:treasury, eur:payout
    amount     positive, at most 2 decimals, "." or "," as decimal separator
    currency   optional, MONA (default) or EUR
    event      optional: rows sharing an event id are one operation (several movements)
    reference  optional free text
    funder     optional, for funding rows: public, foundation, state_topup, other
    member     optional, for an eur:inflow -> eur:treasury row: whose contribution it is
               (a pseudonym); without it the row is funding

Exports of Cyclos or Kohinos are read through ``columns`` (their column names for ours)
and ``accounts`` (their account identifiers for our codes). Every row is checked before
anything is written; a file with any bad row is refused whole, every bad row named. A
file imported twice is applied once (each event's key derives from the file's content).
Each movement's kind comes from its two accounts (see :mod:`geo_caisse.mona`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import ConflictError, ImportFileError, Problem, ValidationError
from geo_caisse.core.progress import Progress, quiet
from geo_caisse.mona.money import FUNDERS
from geo_caisse.storage.engine import IMMEDIATE
from geo_caisse.storage.ledger import ImportStage, LedgerRepository
from geo_caisse.storage.models import AccountRow, EventRow

REQUIRED = ("date", "payer", "payee", "amount")
#: the largest amount of one movement (Mona or euros)
MAX_AMOUNT = Decimal("100000000")
#: validation stops after this many problems (the first ones are reported, and where)
MAX_PROBLEMS = 100
#: events staged per batch (each batch its own short transaction, on no ledger table)
STAGE_BATCH = 5000
OPTIONAL = ("currency", "event", "reference", "funder", "member")
PARIS = ZoneInfo("Europe/Paris")

#: (payer kind, payee kind) → transfer kind
KIND_BY_ACCOUNTS = {
    ("issuance", "member"): "allocation",
    ("member", "vendor"): "payment",
    ("vendor", "vendor"): "vendor_payment",
    ("vendor", "reconversion"): "reconversion",
    ("treasury", "payout"): "payout",
    ("issuance", "treasury"): "funding",
}


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote."""

    rows: int
    events: int
    already_imported_events: int
    by_kind: dict[str, int]


def _shown(text: str) -> str:
    """A value for a message: quoted, and cut short (never a whole huge field)."""
    return repr(text) if len(text) <= 40 else repr(text[:39] + "…")


def _parse_date(text: str) -> datetime:
    value = text.strip()
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {_shown(text)}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(UTC)


def _parse_amount(text: str) -> int:
    value = text.strip().replace("\u202f", "").replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    shown = _shown(text)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {shown}") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"must be positive: {shown}")
    if number > MAX_AMOUNT:  # before quantize, which fails past 28 digits
        raise ValueError(f"larger than {MAX_AMOUNT}: {shown}")
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(f"more than 2 decimals: {shown}")
    return int(number * 100)


def read_rows(data: bytes, *, source: str,
              columns: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Decode and split the CSV; rename the export's columns to the contract's."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(source, [Problem(0, f"not UTF-8 text ({exc.reason})")]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rename = {theirs: ours for ours, theirs in (columns or {}).items()}
    header = [rename.get(h.strip(), h.strip()) for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(source, [Problem(0, f"missing column(s) {', '.join(missing)}; "
                                                  f"found {', '.join(header) or 'none'}",
                                               "header")])
    rows = []
    try:
        for raw in reader:
            rows.append({rename.get((k or "").strip(), (k or "").strip()): (v or "")
                         for k, v in raw.items()})
    except csv.Error as exc:  # a field over csv.field_size_limit(), bad quoting
        raise ImportFileError(source, [Problem(len(rows) + 1, f"unreadable row ({exc})")],
                              stopped_at=len(rows) + 1) from None
    if not rows:
        raise ImportFileError(source, [Problem(0, "no data row")])
    return rows


def import_transactions(sessions: sessionmaker[Session], data: bytes, *, source: str,
                        columns: Mapping[str, str] | None = None,
                        accounts: Mapping[str, str] | None = None,
                        progress: Progress = quiet) -> ImportSummary:
    """Validate a whole export, stage it beside the ledger, then swap it in: all or nothing.

    Validation reads the ledger without locking it; the movements are staged in bounded
    batches in temporary tables of one connection (no lock on the ledger); one short
    transaction then copies them into the ledger, so payments go on during a long import
    (on SpatiaLite they wait only for the swap, seconds for 300,000 rows).
    """
    rows = read_rows(data, source=source, columns=columns)
    digest = hashlib.sha256(data).hexdigest()[:16]
    engine = sessions.kw["bind"]
    with engine.connect() as conn:
        conn.execution_options(**{IMMEDIATE: False})  # reading and staging: no write lock
        stage = ImportStage(conn)
        try:
            with Session(bind=conn) as session:
                parsed = _validate(session, rows, dict(accounts or {}), source)
                _check_balances(session, parsed, source)
                plan = _plan(session, parsed, digest)
            conn.rollback()
            stage.create()
            conn.commit()
            staged = 0
            for start in range(0, len(plan.events), STAGE_BATCH):
                chunk = plan.events[start:start + STAGE_BATCH]
                stage.add(*_staged_rows(chunk, digest, start, staged))
                conn.commit()
                staged += sum(len(items) for _, items in chunk)
                progress(f"import: {staged:,} movements staged")
            conn.execution_options(**{IMMEDIATE: True})  # the swap queues on the write lock
            try:
                written = stage.swap_in() if plan.events else 0
                conn.commit()
            except IntegrityError as exc:
                conn.rollback()
                raise ConflictError(f"{source}: the ledger refused the import ({exc.orig}); "
                                    "nothing was written") from exc
            progress(f"import: {written:,} movements written")
        finally:
            conn.rollback()
            conn.execution_options(**{IMMEDIATE: False})
            stage.drop()
            conn.commit()
    return ImportSummary(rows=len(parsed), events=len(plan.events),
                         already_imported_events=plan.already_imported,
                         by_kind=plan.by_kind)


def _validate(session: Session, rows: list[dict[str, str]], aliases: dict[str, str],
              source: str) -> list[dict[str, Any]]:
    """Each row checked against the ledger's accounts: the parsed movements, or one
    ImportFileError naming the bad rows (the first :data:`MAX_PROBLEMS`)."""
    repo = LedgerRepository(session)
    codes = {aliases.get(r.get(c, "").strip(), r.get(c, "").strip())
             for r in rows for c in ("payer", "payee")}
    contributors = {r.get("member", "").strip() for r in rows} - {""}
    known = repo.accounts_by_code(codes | {f"member:{p}" for p in contributors})
    problems: list[Problem] = []
    parsed: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        if len(problems) >= MAX_PROBLEMS:
            raise ImportFileError(source, problems, stopped_at=n)
        item: dict[str, Any] = {"row": n}
        try:
            item["at"] = _parse_date(row.get("date", ""))
        except ValueError as exc:
            problems.append(Problem(n, str(exc), "date"))
        try:
            item["cents"] = _parse_amount(row.get("amount", ""))
        except ValueError as exc:
            problems.append(Problem(n, str(exc), "amount"))
        ends = []
        for col in ("payer", "payee"):
            code = aliases.get(row.get(col, "").strip(), row.get(col, "").strip())
            account = known.get(code)
            if account is None:
                problems.append(Problem(n, f"unknown account {_shown(code)}", col))
            ends.append(account)
        currency = (row.get("currency") or "MONA").strip().upper()
        if currency not in ("MONA", "EUR"):
            problems.append(Problem(n, f"currency must be MONA or EUR, got {_shown(currency)}",
                                    "currency"))
        funder = (row.get("funder") or "").strip() or None
        if funder is not None and funder not in FUNDERS:
            problems.append(Problem(n, f"funder must be one of {', '.join(FUNDERS)}",
                                    "funder"))
        payer, payee = ends
        if payer is not None and payee is not None:
            kind = KIND_BY_ACCOUNTS.get((payer.kind, payee.kind))
            if payer.id == payee.id:
                problems.append(Problem(n, "payer and payee are the same account", "payee"))
            elif kind is None:
                problems.append(Problem(
                    n, f"no movement goes from a {payer.kind} account to a {payee.kind} "
                    "account (a member's Mona only pays a conventionné)", "payee"))
            elif payer.currency != currency or payee.currency != currency:
                problems.append(Problem(n, f"accounts hold {payer.currency}/"
                                           f"{payee.currency}, row says {currency}",
                                        "currency"))
            else:
                pseudonym = (row.get("member") or "").strip()
                member_id = None
                if pseudonym:
                    account = known.get(f"member:{pseudonym}")
                    if kind != "funding" or account is None:
                        problems.append(Problem(n, f"member {_shown(pseudonym)}: unknown, or "
                                                   "not on a contribution row", "member"))
                    else:
                        kind, member_id = "contribution", account.member_id
                item.update(kind=kind, payer=payer, payee=payee, currency=currency,
                            member_id=member_id,
                            funder=funder or ("other" if kind == "funding" else None))
        item["event"] = (row.get("event") or "").strip() or f"row-{n}"
        item["reference"] = (row.get("reference") or "").strip()[:200] or None
        parsed.append(item)
    if problems:
        raise ImportFileError(source, problems)
    return parsed


def _check_balances(session: Session, parsed: list[dict[str, Any]], source: str) -> None:
    """Replay the rows in date order on the current balances: name the first overdraft."""
    balances = dict(session.execute(select(AccountRow.id, AccountRow.balance_cents)).all())
    problems = []
    for item in sorted(parsed, key=lambda i: (i["at"], i["row"])):
        payer = item["payer"]
        balances[payer.id] = balances.get(payer.id, 0) - item["cents"]
        balances[item["payee"].id] = balances.get(item["payee"].id, 0) + item["cents"]
        if balances[payer.id] < 0 and payer.kind != "issuance":
            problems.append(Problem(item["row"], f"{payer.code} would go below zero "
                                                 f"({balances[payer.id] / 100:.2f})", "amount"))
            balances[payer.id] += item["cents"]  # report each overdraft once
            balances[item["payee"].id] -= item["cents"]
    if problems:
        raise ImportFileError(source, problems)


@dataclass(frozen=True)
class _Plan:
    """The events to write (key, movements) in date order, and what is already there."""

    events: list[tuple[str, list[dict[str, Any]]]]
    already_imported: int
    by_kind: dict[str, int]


def _plan(session: Session, parsed: list[dict[str, Any]], digest: str) -> _Plan:
    events: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(parsed, key=lambda i: (i["at"], i["row"])):
        events.setdefault(item["event"], []).append(item)
    keys = {}
    for name, items in events.items():
        first = items[0]
        if len(items) == 1 and first["kind"] == "allocation":
            month = first["at"].strftime("%Y-%m")
            keys[name] = f"allocation:{month}:{first['payee'].member_id}"
        else:
            keys[name] = f"import:{digest}:{name}"
    existing: set[str] = set()
    all_keys = list(keys.values())
    for start in range(0, len(all_keys), 500):
        existing.update(session.scalars(select(EventRow.idempotency_key).where(
            EventRow.idempotency_key.in_(all_keys[start:start + 500]))))
    todo = [(keys[n], items) for n, items in events.items() if keys[n] not in existing]
    by_kind: dict[str, int] = {}
    for _, items in todo:
        for it in items:
            by_kind[it["kind"]] = by_kind.get(it["kind"], 0) + 1
    return _Plan(todo, len(events) - len(todo), by_kind)


def _staged_rows(chunk: list[tuple[str, list[dict[str, Any]]]], digest: str, first_seq: int,
                 first_transfer: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows to stage, numbered so that the ledger receives them in date order."""
    now = datetime.now(UTC)
    number = first_transfer
    events, transfers = [], []
    for seq, (key, items) in enumerate(chunk, start=first_seq):
        events.append(dict(seq=seq, kind="import", idempotency_key=key, fingerprint=digest,
                           reference=items[0]["reference"], occurred_at=items[0]["at"],
                           recorded_at=now))
        for it in items:
            number += 1
            transfers.append(dict(
                seq=number, event_key=key, kind=it["kind"], currency=it["currency"],
                debit_account_id=it["payer"].id, credit_account_id=it["payee"].id,
                amount_cents=it["cents"], occurred_at=it["at"], funder=it["funder"],
                member_id=it["member_id"]))
    return events, transfers


def import_file(sessions: sessionmaker[Session], path: Path | str, **kwargs: Any
                ) -> ImportSummary:
    """:func:`import_transactions` on a file."""
    file = Path(path)
    if not file.is_file():
        raise ValidationError(f"{file}: no such file")
    return import_transactions(sessions, file.read_bytes(), source=file.name, **kwargs)


__all__ = ["KIND_BY_ACCOUNTS", "ImportSummary", "import_file", "import_transactions",
           "read_rows"]
