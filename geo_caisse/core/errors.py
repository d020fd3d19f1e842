"""The one error hierarchy of geo_caisse.

Every error raised on purpose by the library derives from :class:`GeoCaisseError`
and from the builtin it refines, so callers may catch either::

    GeoCaisseError
    ├── ValidationError (ValueError)        bad input: a parameter, a row, a feature
    │   ├── CRSError                        unknown or missing CRS, planar maths on lon/lat
    │   ├── OutOfTerritoryError             coordinates outside the caisse's territory
    │   └── ImportFileError                 a file whose rows or features are invalid
    ├── NotFoundError (LookupError)         no such point of sale, market, neighbourhood
    ├── ConflictError                       the store already holds something incompatible
    │   └── IdempotencyConflictError        an idempotency key reused for another request
    ├── LedgerError                         the ledger refuses an operation
    │   └── PaymentRefusedError             balance too low, vendor not conventionné, bad code
    ├── AuthError (PermissionError)         missing or wrong credentials for a write
    │   └── ForbiddenError                  valid credentials, but not allowed to do that
    ├── StorageError (RuntimeError)         the database cannot be used as configured
    │   ├── SpatialiteUnavailableError      sqlite3 cannot load mod_spatialite
    │   └── StoreUnavailableError           the store cannot answer now: retry later
    │       ├── StoreBusyError              locked past the busy timeout, deadlock, conflict
    │       ├── StoreReadOnlyError          a read-only file, transaction or standby
    │       ├── StoreFullError              the disk (or the database's quota) is full
    │       └── StoreConnectionError        the connection was lost or refused
    └── DataError (RuntimeError)            the bundled or territory data is missing or broken
        └── MissingInputError               an analysis needs an input the territory lacks

The API maps these classes to HTTP status codes in one table (``api/errors.py``); a
:class:`StoreUnavailableError` says in ``retry_after_s`` when to try again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class GeoCaisseError(Exception):
    """Base of every error geo_caisse raises on purpose."""


class ValidationError(GeoCaisseError, ValueError):
    """Bad input: names what is wrong and, where it helps, the allowed values."""


class CRSError(ValidationError):
    """A missing or unknown coordinate reference system, or a CRS mismatch."""


class OutOfTerritoryError(ValidationError):
    """Coordinates that fall outside the caisse's territory."""


@dataclass(frozen=True)
class Problem:
    """One problem found in one row or feature of an imported file.

    ``row`` counts from 1: the first data row of a CSV (after the header), the
    first feature of a GeoJSON or GeoPackage layer.
    """

    row: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.field is None else f"row {self.row}, {self.field}"
        return f"{where}: {self.message}"


class ImportFileError(ValidationError):
    """A file whose rows or features are invalid; nothing of it was written.

    ``stopped_at`` is the row where validation stopped (after too many problems, or a row
    that cannot be read): the problems listed are then the first ones only.
    """

    def __init__(self, source: str, problems: Sequence[Problem], *, max_listed: int = 20,
                 stopped_at: int | None = None) -> None:
        self.source = source
        self.problems = list(problems)
        self.stopped_at = stopped_at
        listed = "; ".join(str(p) for p in self.problems[:max_listed])
        more = len(self.problems) - max_listed
        suffix = f"; and {more} more" if more > 0 else ""
        count = f"{len(self.problems)} invalid row(s)"
        if stopped_at is not None:
            count = (f"{len(self.problems)} problem(s) in the first {stopped_at} row(s), "
                     "where validation stopped")
        super().__init__(f"{source}: {count}, nothing imported: {listed}{suffix}")


class NotFoundError(GeoCaisseError, LookupError):
    """No object with that identifier."""


class ConflictError(GeoCaisseError):
    """The request conflicts with what the store already holds."""


class IdempotencyConflictError(ConflictError):
    """An idempotency key already used for a different request."""


class LedgerError(GeoCaisseError):
    """The ledger refuses an operation (it would break one of its invariants)."""


class PaymentRefusedError(LedgerError):
    """A payment, transfer or reconversion the ledger cannot make; nothing was written."""


class AuthError(GeoCaisseError, PermissionError):
    """Missing or invalid credentials for an operation that needs them."""


class ForbiddenError(AuthError):
    """The caller is known but their role does not allow the operation."""


class StorageError(GeoCaisseError, RuntimeError):
    """The database cannot be used as configured."""


class SpatialiteUnavailableError(StorageError):
    """The running Python's sqlite3 cannot load the SpatiaLite extension."""


class StoreUnavailableError(StorageError):
    """The store cannot answer now (nothing was written): try again in ``retry_after_s``."""

    retry_after_s: float = 10.0


class StoreBusyError(StoreUnavailableError):
    """Another writer held the store past the busy timeout (or a deadlock, a conflict)."""

    retry_after_s = 2.0


class StoreReadOnlyError(StoreUnavailableError):
    """The store is read-only: a read-only file, transaction or standby server."""

    retry_after_s = 30.0


class StoreFullError(StoreUnavailableError):
    """The disk holding the store, or the database's quota, is full."""

    retry_after_s = 60.0


class StoreConnectionError(StoreUnavailableError):
    """The connection to the store was lost or refused."""

    retry_after_s = 5.0


class DataError(GeoCaisseError, RuntimeError):
    """Territory or bundled data is missing or inconsistent."""


class MissingInputError(DataError):
    """An analysis needs an optional input the territory does not hold (the strata, the
    income): the reason names the input, what it is for and how to add it."""
