"""Storage faults as geo_caisse errors: a store that cannot answer now says so, and when.

A DBAPI error that means "not now" (a write lock held past the busy timeout, a read-only
file or transaction, a full disk, a lost connection) is raised as a
:class:`~geo_caisse.core.errors.StoreUnavailableError` subclass in place of the driver's
error, on both backends, through SQLAlchemy's ``handle_error`` hook: every caller, the
API (503 with ``Retry-After``) and the commands, sees one error naming the fault. Anything
else (a constraint refused, a bug) keeps its own class.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from geo_caisse.core.errors import (
    StoreBusyError,
    StoreConnectionError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailableError,
)

#: SQLite's primary result codes (extended codes share their low byte)
_SQLITE = {5: StoreBusyError,         # SQLITE_BUSY: locked past busy_timeout
           6: StoreBusyError,         # SQLITE_LOCKED
           8: StoreReadOnlyError,     # SQLITE_READONLY
           10: StoreUnavailableError,  # SQLITE_IOERR
           13: StoreFullError,        # SQLITE_FULL
           14: StoreUnavailableError,  # SQLITE_CANTOPEN
           15: StoreBusyError}        # SQLITE_PROTOCOL (WAL lock race)

#: PostgreSQL SQLSTATEs, exact or by class (the first two characters)
_POSTGRES = {"25006": StoreReadOnlyError,   # read_only_sql_transaction
             "53100": StoreFullError,       # disk_full
             "53200": StoreBusyError,       # out_of_memory
             "53300": StoreBusyError,       # too_many_connections
             "40001": StoreBusyError,       # serialization_failure
             "40P01": StoreBusyError,       # deadlock_detected
             "55P03": StoreBusyError,       # lock_not_available
             "57014": StoreBusyError,       # query_canceled (statement_timeout)
             "57P01": StoreConnectionError,  # admin_shutdown
             "57P02": StoreConnectionError,  # crash_shutdown
             "57P03": StoreConnectionError,  # cannot_connect_now (starting, standby)
             "08": StoreConnectionError}    # connection exceptions

_WORDS = {StoreBusyError: "the store is busy (another write holds it)",
          StoreReadOnlyError: "the store is read-only",
          StoreFullError: "the disk holding the store is full",
          StoreConnectionError: "the connection to the store was lost",
          StoreUnavailableError: "the store cannot be read or written"}


def fault_of(error: BaseException, *, is_disconnect: bool = False
             ) -> StoreUnavailableError | None:
    """The :class:`StoreUnavailableError` a DBAPI error means, or None when it is not a
    storage fault (a constraint, a syntax error: the caller's own error class stands)."""
    cls: type[StoreUnavailableError] | None = None
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        cls = _SQLITE.get(code & 0xFF)
    sqlstate = getattr(error, "sqlstate", None)
    if cls is None and isinstance(sqlstate, str):
        cls = _POSTGRES.get(sqlstate) or _POSTGRES.get(sqlstate[:2])
    if cls is None:
        text = str(error).lower()
        if "database is locked" in text or "database table is locked" in text:
            cls = StoreBusyError
        elif "readonly database" in text or "read-only transaction" in text:
            cls = StoreReadOnlyError
        elif "disk is full" in text or "no space left" in text:
            cls = StoreFullError
        elif is_disconnect or (type(error).__name__ in ("OperationalError", "InterfaceError")
                               and sqlstate is None and code is None):
            cls = StoreConnectionError
    if cls is None:
        return None
    first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    fault = cls(f"{_WORDS[cls]}: nothing was written; try again in "
                f"{cls.retry_after_s:.0f} s ({first or type(error).__name__})")
    return fault


def _on_error(context: Any) -> StoreUnavailableError | None:
    if getattr(context, "is_pre_ping", False):  # the pool reconnects by itself
        return None
    fault = fault_of(context.original_exception, is_disconnect=context.is_disconnect)
    if fault is not None:
        fault.__cause__ = context.original_exception
    return fault


def translate_faults(engine: Engine) -> None:
    """Raise storage faults on ``engine`` as :class:`StoreUnavailableError` subclasses."""
    event.listen(engine, "handle_error", _on_error, retval=True)
