"""The one table mapping geo_caisse's errors to HTTP status codes, and the one error body.

Domain code never raises HTTPException. Every error answer, whether the library, FastAPI's
request validation or Starlette's routing raised it, is::

    {"detail": "<reason, in words>", "error": "<machine-readable class>",
     "problems": [{"row": …, "field": …, "message": …}]}    # problems: imports, bad input

and each route documents in the OpenAPI the statuses it can answer with that body
(:func:`responses`), so the documented schema is the one the server sends.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request, routing
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from geo_caisse.core.errors import (
    AuthError,
    ConflictError,
    CRSError,
    DataError,
    ForbiddenError,
    GeoCaisseError,
    IdempotencyConflictError,
    ImportFileError,
    LedgerError,
    MissingInputError,
    NotFoundError,
    OutOfTerritoryError,
    PaymentRefusedError,
    SpatialiteUnavailableError,
    StorageError,
    StoreBusyError,
    StoreConnectionError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailableError,
    ValidationError,
)


class PayloadTooLargeError(ValidationError):
    """A request body over the configured limit."""


class TooManyRequestsError(GeoCaisseError):
    """Too many requests from one client, or wrong passwords for one account: wait
    ``retry_after_s`` seconds (sent as ``Retry-After``)."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ServerBusyError(GeoCaisseError):
    """Every worker for heavy analyses is busy and the queue is full: retry later."""

    retry_after_s = 10.0


class StillComputingError(ServerBusyError):
    """An analysis outlasted its request's budget: it goes on, ask again in
    ``retry_after_s`` seconds (sent as ``Retry-After``)."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LoginThrottledError(TooManyRequestsError):
    """Too many wrong passwords for this account, or logins from this client."""


class ProblemOut(BaseModel):
    """One problem in a request or an imported file."""

    row: int | None = Field(default=None, description="row or feature of a file, from 1")
    field: str | None = Field(default=None, description="the field or parameter at fault")
    message: str


class ErrorBody(BaseModel):
    """Every error answer."""

    detail: str = Field(description="what is wrong, in words")
    error: str = Field(description="the error's class, for programs (e.g. ValidationError)")
    problems: list[ProblemOut] | None = Field(
        default=None, description="each bad row or field (imports, request validation)")


#: most specific first: the first class an error is an instance of decides its status
STATUS_BY_ERROR: tuple[tuple[type[GeoCaisseError], int], ...] = (
    (LoginThrottledError, 429),
    (TooManyRequestsError, 429),
    (PayloadTooLargeError, 413),
    (ImportFileError, 422),
    (OutOfTerritoryError, 422),
    (CRSError, 422),
    (ValidationError, 422),
    (NotFoundError, 404),
    (IdempotencyConflictError, 409),
    (ConflictError, 409),
    (PaymentRefusedError, 409),
    (MissingInputError, 409),       # the territory lacks an optional input: the reason names it
    (LedgerError, 409),
    (ForbiddenError, 403),
    (AuthError, 401),
    (ServerBusyError, 503),
    (SpatialiteUnavailableError, 503),
    (StoreBusyError, 503),          # each store fault answers with Retry-After
    (StoreReadOnlyError, 503),
    (StoreFullError, 503),
    (StoreConnectionError, 503),
    (StoreUnavailableError, 503),
    (StorageError, 503),
    (DataError, 503),   # the territory lacks a file or a setting: the reason names the fix
    (GeoCaisseError, 500),
)

#: what each documented status means, in the OpenAPI
_MEANING = {
    401: "Not logged in, or the token is invalid or expired",
    403: "Logged in, but this role may not do this",
    404: "No such object",
    409: "Refused: it conflicts with what the store holds (nothing was written), or the "
         "territory lacks an input it needs (the reason names it)",
    413: "The request body is too large",
    422: "Bad input: the reason names the parameter or row",
    429: "Too many requests: wait the seconds in Retry-After",
    503: "This territory is not configured for it, or the store is unavailable "
         "(then with Retry-After)",
}
_NAMES = {400: "BadRequest", 401: "AuthError", 403: "ForbiddenError", 404: "NotFoundError",
          405: "MethodNotAllowed", 406: "NotAcceptable", 409: "ConflictError",
          413: "PayloadTooLargeError", 415: "UnsupportedMediaType", 422: "ValidationError"}
#: what an error body holds at most: never more than a short excerpt of the input
_MAX_PROBLEMS = 20
_MAX_DETAIL = 1000
_MAX_MESSAGE = 300


def status_for(exc: GeoCaisseError) -> int:
    """The HTTP status of a geo_caisse error."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that may answer these error statuses."""
    return {s: {"model": ErrorBody, "description": _MEANING[s]} for s in statuses}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _body(detail: str, error: str, problems: list[dict[str, Any]] | None = None
          ) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": _cut(detail, _MAX_DETAIL), "error": error}
    if problems:
        body["problems"] = [{**p, "field": None if p.get("field") is None
                             else _cut(str(p["field"]), 100),
                             "message": _cut(str(p["message"]), _MAX_MESSAGE)}
                            for p in problems[:_MAX_PROBLEMS]]
    return body


def _retry_after(exc: Exception) -> dict[str, str] | None:
    seconds = getattr(exc, "retry_after_s", None)
    if isinstance(exc, TooManyRequestsError | StoreUnavailableError | ServerBusyError) \
            and seconds:
        return {"Retry-After": str(max(1, math.ceil(float(seconds))))}
    return None


async def _geo_caisse_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GeoCaisseError)
    problems = None
    if isinstance(exc, ImportFileError):
        problems = [{"row": p.row, "field": p.field, "message": p.message}
                    for p in exc.problems]
    headers = ({"WWW-Authenticate": "Bearer"}
               if isinstance(exc, AuthError) and not isinstance(exc, ForbiddenError)
               else _retry_after(exc))
    return JSONResponse(_body(str(exc), type(exc).__name__, problems),
                        status_code=status_for(exc), headers=headers)


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)] or ["body"]
    return _cut(".".join(parts), 100)


async def _request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [{"row": None, "field": _where(tuple(e.get("loc", ()))),
                 "message": str(e.get("msg", "invalid"))[:300]} for e in exc.errors()]
    first = problems[0] if problems else {"field": "request", "message": "invalid"}
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return JSONResponse(_body(f"{first['field']}: {first['message']}{more}", "ValidationError",
                              problems), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "error"
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 400:  # FastAPI's "error parsing the body": bad input like any other
        return JSONResponse(_body("body: not valid JSON, form or UTF-8 text", "ValidationError",
                                  [{"row": None, "field": "body", "message": detail}]),
                            status_code=422)
    if exc.status_code == 405:  # every method of the path, not only the first route's
        headers["Allow"] = ", ".join(_methods_of(request.app, request.url.path))
    if exc.status_code == 413:
        headers["Connection"] = "close"  # the rest of the body is not read
    return JSONResponse(_body(detail, _NAMES.get(exc.status_code, "HTTPError")),
                        status_code=exc.status_code, headers=headers or None)


def _methods_of(app: FastAPI, path: str) -> list[str]:
    """Every method some route answers at ``path`` (Starlette's 405 names one route's)."""
    table = getattr(app.state, "_methods_by_path", None)
    if table is None:
        table = []
        for context in routing.iter_route_contexts(app.routes):
            methods = set(context.methods or ())
            if methods:
                table.append((compile_path(str(context.path))[0], methods))
        app.state._methods_by_path = table
    found: set[str] = set()
    for regex, methods in table:
        if regex.match(path):
            found |= methods
    if "GET" in found:
        found.add("HEAD")
    return sorted(found)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with every error documented as the body the server really sends
    (FastAPI's own 422 model is an array of errors; ours is :class:`ErrorBody`)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                         description=app.description, routes=app.routes,
                         license_info=app.license_info)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    if "ErrorBody" not in components:
        components["ErrorBody"] = ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}")
        for name, sub in components["ErrorBody"].pop("$defs", {}).items():
            components.setdefault(name, sub)
    territory = getattr(app.state, "territory", None)
    levels: list[str] = list(territory.level_codes) if territory is not None else []
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if levels else ():
                if parameter.get("name") == "level" and parameter.get("in") == "query":
                    # the levels of the territory this app serves (known once it started)
                    parameter["schema"] = {"type": "string", "enum": levels,
                                           "title": "Level"}
            for code, answer in operation.get("responses", {}).items():
                if code.isdigit() and int(code) >= 400:  # errors are JSON, whatever the route
                    answer["content"] = {"application/json": {"schema": ref}}
                    answer["description"] = _MEANING.get(int(code), answer.get("description"))
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    """Register the handlers and the OpenAPI that documents their body."""
    app.add_exception_handler(GeoCaisseError, _geo_caisse_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
