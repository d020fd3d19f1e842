"""Storage faults on both backends: a busy, read-only or full store raises a
StoreUnavailableError subclass naming the fault (the API answers 503 with Retry-After),
and nothing is written."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy import event, func, select, text

from geo_caisse.core.errors import (
    StoreBusyError,
    StoreConnectionError,
    StoreFullError,
    StoreReadOnlyError,
)
from geo_caisse.core.settings import DatabaseSettings
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.volunteers import register_volunteer
from geo_caisse.storage import make_engine, session_factory
from geo_caisse.storage.faults import fault_of
from geo_caisse.storage.models import VolunteerRow
from tests.utils.stores import Store

VOLUNTEER = {"income_quartile": 2, "age_band": "30-60", "registered_on": date(2026, 1, 5)}


def _sqlite_error(sql: str, *setup: str) -> sqlite3.Error:
    conn = sqlite3.connect(":memory:")
    for statement in setup:
        conn.execute(statement)
    try:
        conn.execute(sql)
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError(f"{sql} did not fail")


@pytest.mark.parametrize(("error", "expected"), [
    (pg.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
     StoreReadOnlyError),
    (pg.DiskFull("could not extend file"), StoreFullError),
    (pg.DeadlockDetected("deadlock detected"), StoreBusyError),
    (pg.SerializationFailure("could not serialize access"), StoreBusyError),
    (pg.QueryCanceled("canceling statement due to statement timeout"), StoreBusyError),
    (pg.AdminShutdown("terminating connection due to administrator command"),
     StoreConnectionError),
    (pg.CannotConnectNow("the database system is starting up"), StoreConnectionError),
    (psycopg.OperationalError("server closed the connection unexpectedly"),
     StoreConnectionError),
    (pg.UniqueViolation("duplicate key"), None),
    (pg.CheckViolation("ck_ledger_account_no_overdraft"), None),
    (pg.UndefinedTable("relation does not exist"), None),
])
def test_postgresql_errors_are_told_apart(error: Exception, expected: type | None) -> None:
    fault = fault_of(error)
    assert (None if fault is None else type(fault)) is expected
    if fault is not None:
        assert "nothing was written" in str(fault) and fault.retry_after_s >= 1


def test_sqlite_errors_are_told_apart() -> None:
    readonly = _sqlite_error("CREATE TABLE t (x)", "PRAGMA query_only = 1")
    assert isinstance(fault_of(readonly), StoreReadOnlyError)
    constraint = _sqlite_error("INSERT INTO t VALUES (NULL)", "CREATE TABLE t (x NOT NULL)")
    assert fault_of(constraint) is None
    syntax = _sqlite_error("SELEC 1")
    assert fault_of(syntax) is None
    full = _sqlite_error("INSERT INTO t SELECT zeroblob(100000)",
                         "PRAGMA max_page_count = 3", "CREATE TABLE t (x)")
    assert isinstance(fault_of(full), StoreFullError), full


def _volunteers(store: Store) -> int:
    with store.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(VolunteerRow)) or 0)


def _pragma_on_connect(engine: Any, statement: str) -> None:
    @event.listens_for(engine, "connect")
    def apply(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(statement)
        dbapi_conn.commit()  # psycopg: a SET rolled back with its transaction is undone


def test_a_read_only_store_refuses_a_write_by_name(store: Store, territory: Territory) -> None:
    before = _volunteers(store)
    engine = make_engine(DatabaseSettings(database_url=store.url))
    if store.backend == "spatialite":
        _pragma_on_connect(engine, "PRAGMA query_only = 1")
    else:
        _pragma_on_connect(engine, "SET default_transaction_read_only = on")
    engine.dispose()  # the pool's first connection predates the listener
    try:
        with pytest.raises(StoreReadOnlyError, match="the store is read-only: nothing was "
                                                     "written; try again in 30 s"):
            register_volunteer(session_factory(engine), territory, VOLUNTEER)
    finally:
        engine.dispose()
    assert _volunteers(store) == before


def test_a_write_held_past_the_busy_timeout_is_a_store_busy_error(
        store: Store, territory: Territory) -> None:
    """Another writer holds the lock (SpatiaLite: the file's; PostGIS: the table's)."""
    engine = make_engine(DatabaseSettings(database_url=store.url, sqlite_busy_timeout_s=0.2))
    if store.backend == "postgis":
        _pragma_on_connect(engine, "SET lock_timeout = '200ms'")
        engine.dispose()
    holder = store.engine.connect()
    try:
        holder.begin()
        if store.backend == "spatialite":
            holder.execute(text("DELETE FROM volunteer WHERE id < 0"))  # takes the write lock
        else:
            holder.execute(text("LOCK TABLE volunteer IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(StoreBusyError, match="the store is busy"):
            register_volunteer(session_factory(engine), territory, VOLUNTEER)
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    register_volunteer(store.sessions, territory, VOLUNTEER)  # free again: it works
