"""Build the SQLAlchemy engine for the configured backend, checking what it needs.

SpatiaLite needs a ``sqlite3`` module that can load extensions and Debian's
``libsqlite3-mod-spatialite``; both are checked here, when the engine is made,
so a missing piece is reported once with how to fix it.
"""

from __future__ import annotations

import contextlib
import importlib
import sqlite3
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import (
    SpatialiteUnavailableError,
    StorageError,
    StoreBusyError,
    StoreUnavailableError,
)
from geo_caisse.core.settings import DatabaseSettings
from geo_caisse.storage.faults import translate_faults

_FIX_PYTHON = (
    "use a Python whose sqlite3 can load extensions: Debian's /usr/bin/python3 "
    "(scripts/bootstrap.sh builds .venv from it) or `pip install pysqlite3-binary`"
)
_FIX_LIBRARY = (
    "install the SpatiaLite extension: `apt-get install libsqlite3-mod-spatialite`, "
    "or point GEO_CAISSE_SPATIALITE_LIBRARY at mod_spatialite"
)


def backend_name(engine: Engine) -> str:
    """``"spatialite"`` or ``"postgis"``."""
    return "spatialite" if engine.dialect.name == "sqlite" else "postgis"


def _sqlite_module() -> ModuleType:
    """The stdlib ``sqlite3`` if it can load extensions, else ``pysqlite3`` if installed."""
    probe = sqlite3.connect(":memory:")
    try:
        if hasattr(probe, "enable_load_extension"):
            return sqlite3
    finally:
        probe.close()
    try:
        return importlib.import_module("pysqlite3.dbapi2")
    except ImportError:
        raise SpatialiteUnavailableError(
            "this Python's sqlite3 module cannot load extensions (it was built without "
            f"--enable-loadable-sqlite-extensions), so SpatiaLite cannot be used: {_FIX_PYTHON}"
        ) from None


def _load_spatialite(library: str, busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        from geoalchemy2.admin.dialects.sqlite import init_spatialite

        dbapi_conn.enable_load_extension(True)
        try:
            dbapi_conn.load_extension(library)
        except Exception as exc:  # the driver raises its own OperationalError class
            raise SpatialiteUnavailableError(
                f"cannot load SpatiaLite extension {library!r} ({exc}): {_FIX_LIBRARY}"
            ) from exc
        finally:
            dbapi_conn.enable_load_extension(False)
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        init_spatialite(dbapi_conn, init_mode="WGS84")
        # write-ahead log: readers never wait for a writer nor block its commit, so a
        # long read (an import's validation, a report) holds no write up
        mode = dbapi_conn.execute("PRAGMA journal_mode").fetchone()
        if mode and str(mode[0]).lower() not in ("wal", "memory"):
            with contextlib.suppress(Exception):  # a read-only or busy file keeps its mode
                dbapi_conn.execute("PRAGMA journal_mode = WAL")

    return on_connect


IMMEDIATE = "geo_caisse_begin_immediate"
_HOLDS = "geo_caisse_holds_writer_lock"


class _WriterTurn:
    """One writer at a time in this process, in the order they asked.

    SQLite's own busy handler makes a waiting writer sleep (1, 2, 5 … 100 ms, growing), so
    under a few concurrent tills a payment could wait far longer than the one before it
    took; here the writers of one process queue on a lock instead, handed over the moment
    a writer's connection returns to the pool (after its commit or rollback). Writers in
    other processes still meet SQLite's lock and ``busy_timeout``.
    """

    def __init__(self, timeout_s: float) -> None:
        self.lock = threading.Lock()
        self.timeout_s = timeout_s

    def take(self, info: dict[str, Any]) -> None:
        if info.get(_HOLDS):
            return  # the same writer's next transaction (read after its commit)
        if not self.lock.acquire(timeout=self.timeout_s):
            raise StoreBusyError(
                "the store is busy (another write holds it): nothing was written; try again "
                f"in {StoreBusyError.retry_after_s:.0f} s (waited {self.timeout_s:.0f} s)")
        info[_HOLDS] = True

    def give_back(self, info: dict[str, Any]) -> None:
        if info.pop(_HOLDS, False):
            self.lock.release()


def _begin_with(turn: _WriterTurn) -> Any:
    def begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        if immediate:
            turn.take(conn.connection.info)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                turn.give_back(conn.connection.info)
                raise
        else:
            conn.exec_driver_sql("BEGIN")

    return begin


def _giver(turn: _WriterTurn) -> Any:
    def give_back(_dbapi_conn: Any, record: Any, *_exc: Any) -> None:
        if record is not None:
            turn.give_back(record.info)

    return give_back


def make_engine(settings: DatabaseSettings | None = None) -> Engine:
    """Create the engine for ``settings.database_url`` and check that it works."""
    settings = settings or DatabaseSettings()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        module = _sqlite_module()
        if url.database and url.database != ":memory:" and not url.database.startswith(
                "file:"):  # a URI filename (``?mode=ro&uri=true``) opens what exists
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            module=module,
            echo=settings.echo_sql,
            connect_args={"check_same_thread": False,
                          "timeout": settings.sqlite_busy_timeout_s},
        )
        event.listen(engine, "connect", _load_spatialite(
            settings.spatialite_library, round(settings.sqlite_busy_timeout_s * 1000)))
        # pysqlite's own transaction handling would begin late; let SQLAlchemy emit BEGIN.
        # Writers that read before they write (the ledger) ask for BEGIN IMMEDIATE through
        # :func:`writer_sessions`, so they queue on the write lock instead of failing busy.
        turn = _WriterTurn(settings.sqlite_busy_timeout_s)
        event.listen(engine, "begin", _begin_with(turn))
        # the writer's turn ends when its connection is back in the pool (rolled back or
        # committed), or when the connection is dropped
        for name in ("checkin", "invalidate", "close"):
            event.listen(engine.pool, name, _giver(turn))

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

    else:
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, echo=settings.echo_sql, pool_pre_ping=True)
    translate_faults(engine)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, StoreUnavailableError) as exc:
        cause = exc.orig if isinstance(exc, OperationalError) else exc.__cause__ or exc
        raise StorageError(
            f"cannot connect to {url.render_as_string(hide_password=True)}: {cause}"
        ) from exc
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def writer_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for read-then-write transactions (payments, allocations).

    On SpatiaLite each transaction takes the write lock when it begins
    (``BEGIN IMMEDIATE``), so concurrent writers wait their turn (``busy_timeout``)
    rather than fail on a lock upgrade; on PostGIS they are ordinary sessions (the
    ledger's row locks and constraints serialise what must be).
    """
    if backend_name(engine) == "spatialite":
        engine = engine.execution_options(**{IMMEDIATE: True})
    return sessionmaker(engine, expire_on_commit=False)


def spatial_version(engine: Engine) -> str:
    """The SpatiaLite or PostGIS version string (for logs and the pytest header)."""
    with engine.connect() as conn:
        if backend_name(engine) == "spatialite":
            return "SpatiaLite " + str(conn.execute(text("SELECT spatialite_version()")).scalar())
        return "PostGIS " + str(conn.execute(text("SELECT postgis_lib_version()")).scalar())
