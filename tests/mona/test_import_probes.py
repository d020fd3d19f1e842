"""The ledger import under hostile files: each refused whole, with its row and a short reason,
in bounded time; the ledger unchanged."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from geo_caisse import ImportFileError
from geo_caisse.mona.transactions import MAX_PROBLEMS, import_transactions
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import TransferRow
from tests.utils.stores import Store

HEADER = "date,payer,payee,amount,currency\n"


def _transfers(store: Store) -> int:
    with store.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(TransferRow)) or 0)


def _refused(store: Store, body: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        import_transactions(writer_sessions(store.engine), body.encode(), source="hostile.csv")
    return info.value


def test_a_huge_amount_or_field_is_a_row_problem(store: Store) -> None:
    error = _refused(store, HEADER + f"2026-01-05,eur:inflow,eur:treasury,{'9' * 5001},EUR\n")
    [problem] = error.problems
    assert problem.row == 1 and problem.field == "amount"
    assert "larger than 100000000" in problem.message and len(problem.message) < 100
    error = _refused(store, HEADER + "2026-01-05,eur:inflow,eur:treasury,1,EUR\n"
                     f'2026-01-05,"{"x" * 200_000}",eur:treasury,1,EUR\n')
    assert [p.row for p in error.problems] == [2]
    assert "field larger than field limit" in error.problems[0].message
    assert _transfers(store) == 0


def test_many_bad_rows_stop_at_the_first_problems(store: Store) -> None:
    started = time.perf_counter()
    error = _refused(store, HEADER + "not a date,nobody,nobody,-1,XXX\n" * 200_000)
    assert time.perf_counter() - started < 10
    assert len(error.problems) >= MAX_PROBLEMS and error.stopped_at is not None
    assert error.stopped_at < 30
    assert len(str(error)) < 5000
