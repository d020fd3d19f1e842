"""The API's contract: one error body, a status per error class, documented as it is sent,
a response model on every JSON route, and a clear 503 where the territory lacks a part."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.errors import (
    STATUS_BY_ERROR,
    LoginThrottledError,
    PayloadTooLargeError,
    ServerBusyError,
    TooManyRequestsError,
    status_for,
)
from api.main import create_app
from geo_caisse.core import errors
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from tests.utils.routes import api_routes, dependency_names
from tests.utils.stores import AUTH, Store
from tests.utils.territories import variant

#: every error class and the status it answers with; a new class must be added here
EXPECTED_STATUS = {
    LoginThrottledError: 429,
    TooManyRequestsError: 429,
    PayloadTooLargeError: 413,
    ServerBusyError: 503,
    errors.ImportFileError: 422,
    errors.OutOfTerritoryError: 422,
    errors.CRSError: 422,
    errors.ValidationError: 422,
    errors.NotFoundError: 404,
    errors.IdempotencyConflictError: 409,
    errors.ConflictError: 409,
    errors.PaymentRefusedError: 409,
    errors.LedgerError: 409,
    errors.ForbiddenError: 403,
    errors.AuthError: 401,
    errors.SpatialiteUnavailableError: 503,
    errors.StoreBusyError: 503,
    errors.StoreReadOnlyError: 503,
    errors.StoreFullError: 503,
    errors.StoreConnectionError: 503,
    errors.StoreUnavailableError: 503,
    errors.StorageError: 503,
    errors.DataError: 503,
    errors.MissingInputError: 409,
    errors.GeoCaisseError: 500,
}


def test_each_error_class_answers_its_own_status() -> None:
    classes = {c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.GeoCaisseError)}
    http_only = {PayloadTooLargeError, TooManyRequestsError, LoginThrottledError,
                 ServerBusyError}
    assert classes | http_only == set(EXPECTED_STATUS)
    assert {cls for cls, _ in STATUS_BY_ERROR} == set(EXPECTED_STATUS)
    for cls, status in EXPECTED_STATUS.items():
        assert status_for(cls.__new__(cls)) == status, cls.__name__


FILES = {"/api/export/{layer}.{fmt}", "/api/print/{layer}.{fmt}",
         "/api/draws/{draw_id}/volunteers.csv", "/tiles/{z}/{x}/{y}.mvt",
         "/api/budget/scenarios/{scenario_id}/csv", "/api/budget/scenarios/{scenario_id}/pdf"}


def test_every_json_route_declares_its_response_model(client: TestClient) -> None:
    for found in api_routes(client.app):  # type: ignore[arg-type]
        route = found.route
        if found.path in FILES:
            continue
        if not route.include_in_schema and found.path != "/healthz":
            assert route.response_class.__name__ == "HTMLResponse", found.path
            continue
        assert route.response_model is not None, f"{found.path} has no response model"


def test_the_openapi_documents_the_error_body_the_server_sends(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorBody"]["required"]) == {"detail", "error"}
    routes = api_routes(client.app)  # type: ignore[arg-type]
    guarded = {(r.path, m.lower()) for r in routes for m in r.methods
               if dependency_names(r.route) & {"current_user", "require_coordinator"}}
    by_role = {(r.path, m.lower()) for r in routes for m in r.methods
               if any(n.startswith(("require_", "own_", "viewable_"))
                      for n in dependency_names(r.route))}
    assert len(guarded) > 15 and len(by_role) > 15
    documented = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            codes = {int(c) for c in op["responses"] if c != "200" and c != "201"}
            for code in codes:
                ref = op["responses"][str(code)]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, code)
                documented += 1
            if (path, method) in guarded:
                assert 401 in codes, (path, method)
            if (path, method) in by_role:
                assert 403 in codes, (path, method)
            if "requestBody" in op:
                assert {413, 422} <= codes, (path, method)
            if op.get("parameters"):
                assert 422 in codes, (path, method)
    assert documented > 100


@pytest.mark.parametrize(("method", "url", "kwargs", "status"), [
    ("get", "/api/budget", {}, 401),
    ("get", "/api/me/balance", {"headers": AUTH}, 403),
    ("get", "/api/markets/999999", {}, 404),
    ("get", "/api/no-such-route", {}, 404),
    ("delete", "/api/markets", {}, 405),
    ("get", "/api/markets/9223372036854775808", {}, 422),
    ("get", "/api/markets", {"params": {"limit": "many", "offset": -1}}, 422),
    ("post", "/api/whatif", {"json": {"add_lon": 3.87}}, 422),
    ("post", "/api/search", {"content": b"{", "headers": {"content-type": "application/json"}},
     422),
    # not UTF-8: FastAPI's 400 "error parsing the body" is bad input like any other
    ("post", "/api/volunteers", {"content": b"\xff\xfe", "headers": {
        "content-type": "application/json"}}, 422),
    # a date is YYYY-MM-DD only (pydantic alone reads 0 as 1970-01-01); no year 0000
    ("get", "/api/committee/composition", {"params": {"on": "0"}, "headers": AUTH}, 422),
    ("post", "/api/draws", {"json": {"seats": 1, "seed": 0, "joined_on": 0}, "headers": AUTH},
     422),
    ("get", "/api/flows/summary", {"params": {"period": "0000"}, "headers": AUTH}, 422),
    ("patch", "/api/points-of-sale/1/status", {"json": {"status": "candidate", "x": 1},
                                                "headers": AUTH}, 422),
])
def test_every_error_has_the_one_body(client: TestClient, method: str, url: str,
                                      kwargs: dict[str, object], status: int) -> None:
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) <= {"detail", "error", "problems"} and {"detail", "error"} <= set(body)
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["error"], str) and body["error"]
    if status == 422:
        assert body["error"] == "ValidationError" and body["problems"], body
        assert all(isinstance(p["message"], str) for p in body["problems"])


@pytest.fixture
def bare_client(store: Store, cache_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    """The app over a territory with no walking network, population, search nor strata."""
    folder = variant(tmp_path / "bare", drop=("network", "population", "search", "enrolment"))
    settings = Settings(DatabaseSettings(database_url=store.url),
                        TerritorySettings(territory_dir=folder, cache_dir=cache_dir),
                        ApiSettings(coordinator_token=AUTH["Authorization"].split()[1]))
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize(("method", "url", "kwargs", "fix"), [
    ("get", "/api/walk/nearest", {"params": {"lon": 3.8797, "lat": 43.6085}}, "[network]"),
    ("get", "/api/deserts/summary", {}, "[network] and [population]"),
    ("get", "/api/print/deserts.png", {}, "[network] and [population]"),
    ("post", "/api/search", {"json": {"q": "rue de la loge"}}, "[search]"),
    ("get", "/api/targeting", {"headers": AUTH}, "[network]"),
])
def test_a_missing_part_of_the_territory_is_a_503_naming_the_fix(
        bare_client: TestClient, method: str, url: str, kwargs: dict[str, object],
        fix: str) -> None:
    r = getattr(bare_client, method)(url, **kwargs)
    assert r.status_code == 503, r.text
    assert fix in r.json()["detail"] and r.json()["error"] == "DataError"


def test_a_missing_optional_input_is_a_409_naming_it(bare_client: TestClient) -> None:
    r = bare_client.get("/api/enrolment/coverage", headers=AUTH)
    assert r.status_code == 409, r.text
    assert "[enrolment] strata" in r.json()["detail"]
    assert r.json()["error"] == "MissingInputError"


def test_a_territory_without_walking_still_serves_what_needs_none(
        bare_client: TestClient) -> None:
    assert bare_client.get("/api/print/markets.png").status_code == 200
    assert bare_client.get("/api/points-of-sale", params={"limit": 1}).status_code == 200
    assert bare_client.get("/").status_code == 200


def test_a_405_names_every_method_of_the_path(client: TestClient) -> None:
    r = client.options("/api/walk/nearest")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, POST"
    assert r.json()["error"] == "MethodNotAllowed"
