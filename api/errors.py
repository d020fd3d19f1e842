"""The one table mapping geo_caisse's errors to HTTP status codes, and the JSON error body.

Domain code never raises HTTPException; every error answer is
``{"detail": "<reason>", "error": "<class>"}`` (plus ``problems`` for an import).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from geo_caisse._errors import (
    AuthError,
    ConflictError,
    CRSError,
    DataError,
    ForbiddenError,
    GeoCaisseError,
    IdempotencyConflictError,
    ImportFileError,
    LedgerError,
    NotFoundError,
    OutOfTerritoryError,
    PaymentRefusedError,
    SpatialiteUnavailableError,
    StorageError,
    ValidationError,
)


class PayloadTooLargeError(ValidationError):
    """A request body over the configured limit."""


#: most specific first: the first class an error is an instance of decides its status
STATUS_BY_ERROR: tuple[tuple[type[GeoCaisseError], int], ...] = (
    (PayloadTooLargeError, 413),
    (ImportFileError, 422),
    (OutOfTerritoryError, 422),
    (CRSError, 422),
    (ValidationError, 422),
    (NotFoundError, 404),
    (IdempotencyConflictError, 409),
    (ConflictError, 409),
    (PaymentRefusedError, 409),
    (LedgerError, 409),
    (ForbiddenError, 403),
    (AuthError, 401),
    (SpatialiteUnavailableError, 503),
    (StorageError, 503),
    (DataError, 500),
    (GeoCaisseError, 500),
)


def status_for(exc: GeoCaisseError) -> int:
    """The HTTP status of a geo_caisse error."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GeoCaisseError)
    body: dict[str, object] = {"detail": str(exc), "error": type(exc).__name__}
    if isinstance(exc, ImportFileError):
        body["problems"] = [
            {"row": p.row, "field": p.field, "message": p.message} for p in exc.problems
        ]
    headers = ({"WWW-Authenticate": "Bearer"}
               if isinstance(exc, AuthError) and not isinstance(exc, ForbiddenError) else None)
    return JSONResponse(body, status_code=status_for(exc), headers=headers)


def install(app: FastAPI) -> None:
    """Register the handler for every geo_caisse error."""
    app.add_exception_handler(GeoCaisseError, _handle)
