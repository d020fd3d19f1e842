"""Throttles: the token bucket and the back-off (no clock), and the routes they guard."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from api.throttle import Backoff, RateLimit, retry_after
from geo_caisse.auth.users import create_user
from geo_caisse.core.settings import ThrottleSettings
from geo_caisse.storage import writer_sessions
from tests.utils.routes import api_routes, dependency_names
from tests.utils.stores import PASSWORD, Store


def test_a_bucket_allows_its_burst_then_one_request_per_refill() -> None:
    limit = RateLimit(3, 60.0)
    assert [limit.hit("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.hit("a", now=0.0) == pytest.approx(20.0)
    assert limit.hit("b", now=0.0) == 0.0  # each client its own bucket
    assert limit.hit("a", now=19.0) == pytest.approx(1.0)
    assert limit.hit("a", now=20.0) == 0.0
    assert limit.hit("a", now=20.0) > 0


def test_a_bucket_forgets_the_oldest_clients_past_its_bound() -> None:
    limit = RateLimit(1, 60.0, max_keys=100)
    for i in range(1000):
        limit.hit(f"client-{i}", now=0.0)
    assert len(limit._buckets) == 100
    assert limit.hit("client-999", now=0.0) > 0 and limit.hit("client-0", now=0.0) == 0


def test_backoff_doubles_after_the_free_failures_and_a_success_forgets() -> None:
    backoff = Backoff(free=3, base_s=2.0, max_s=60.0)
    assert [backoff.failed("alice", now=0.0) for _ in range(2)] == [0.0, 0.0]
    assert backoff.wait("alice", now=0.0) == 0.0
    assert backoff.failed("alice", now=0.0) == 2.0
    assert backoff.wait("alice", now=1.0) == pytest.approx(1.0)
    assert backoff.failed("alice", now=2.0) == 4.0
    assert backoff.failed("alice", now=6.0) == 8.0
    assert [backoff.failed("alice", now=14.0 + i) for i in range(5)][-1] == 60.0  # capped
    assert backoff.wait("bob", now=0.0) == 0.0
    backoff.succeeded("alice")
    assert backoff.wait("alice", now=200.0) == 0.0
    backoff.failed("carol", now=0.0)
    assert backoff.wait("carol", now=10_000.0) == 0.0  # forgiven after a quiet while


def test_rates_are_read_from_the_settings_by_name() -> None:
    settings = ThrottleSettings(search_per_minute=7, volunteers_per_hour=3)
    assert settings.rate("search") == (7, 60.0)
    assert settings.rate("volunteers") == (3, 3600.0)
    assert settings.rate("suggestions") == (10, 3600.0)
    with pytest.raises(ValueError, match="no throttle named 'nope'"):
        settings.rate("nope")
    assert retry_after(0.01) == 1 and retry_after(2.5) == 3


@pytest.fixture
def alice(store: Store) -> str:
    create_user(writer_sessions(store.engine), username="alice", password=PASSWORD,
                role="coordinator")
    return "alice"


def test_wrong_passwords_lock_the_account_out_with_429_and_retry_after(
        client: TestClient, alice: str) -> None:
    statuses = []
    for _ in range(7):
        r = client.post("/api/token", data={"username": alice, "password": "guess"})
        statuses.append(r.status_code)
    # five free failures, then the back-off: the next try comes too soon
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429], statuses
    r = client.post("/api/token", data={"username": alice, "password": PASSWORD})
    assert r.status_code == 429, "the right password does not skip the wait"
    body = r.json()
    assert body["error"] == "LoginThrottledError"
    assert "too many wrong passwords for this account" in body["detail"]
    assert int(r.headers["Retry-After"]) >= 1
    # another account from the same client is not locked out (the client limit is 10/min)
    r = client.post("/api/token", data={"username": "bob", "password": "guess"})
    assert r.status_code == 401


def test_logins_from_one_client_are_limited_whoever_they_name(
        client: TestClient, alice: str) -> None:
    statuses = [client.post("/api/token", data={"username": f"user{i}", "password": "x"}
                            ).status_code for i in range(11)]
    assert statuses == [401] * 10 + [429], statuses
    r = client.post("/api/token", data={"username": alice, "password": PASSWORD})
    assert r.status_code == 429 and "from this client" in r.json()["detail"]


def test_the_public_volunteer_form_is_throttled_per_client(client: TestClient) -> None:
    body = {"income_quartile": 1, "age_band": "<30"}
    statuses = [client.post("/api/volunteers", json=body).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429], statuses
    r = client.post("/api/volunteers", json=body)
    assert r.json()["error"] == "TooManyRequestsError"
    assert "10 per hour" in r.json()["detail"] and int(r.headers["Retry-After"]) > 60


def test_the_address_search_is_throttled_per_client(client: TestClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # the allowance refills one search a second: the throttle's clock stands still while
    # the 61 searches follow each other (more than a second on a loaded machine)
    import api.throttle

    monkeypatch.setattr(api.throttle, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    statuses = [client.post("/api/search", json={"q": "rue"}).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    assert int(client.post("/api/search", json={"q": "rue"}).headers["Retry-After"]) >= 1


def test_a_throttle_is_one_line_on_any_route(client: TestClient) -> None:
    throttled = {r.path: {n for n in dependency_names(r.route) if n.startswith("throttled_")}
                 for r in api_routes(client.app)  # type: ignore[arg-type]
                 if any(n.startswith(("throttled_", "logged_in"))
                        for n in dependency_names(r.route))}
    assert throttled == {"/api/search": {"throttled_search"},
                         "/api/places": {"throttled_places"},
                         "/api/suggestions": {"throttled_suggestions"},
                         "/api/welcome": {"throttled_welcome"},
                         "/api/welcome/check": {"throttled_welcome"},
                         "/api/volunteers": {"throttled_volunteers"}, "/api/token": set()}


def test_suggestions_and_letter_codes_are_throttled_per_client(client: TestClient) -> None:
    body = {"kind": "new_place", "name": "Épicerie du coin", "place_kind": "epicerie"}
    statuses = [client.post("/api/suggestions", json=body).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429], statuses
    tries = [client.post("/api/welcome/check", json={"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code
             for _ in range(31)]
    assert tries == [401] * 30 + [429], tries
    r = client.post("/api/welcome", json={"code": "ZZZZ-ZZZZ-ZZZZ", "password": "x"})
    assert r.status_code == 429 and r.json()["error"] == "TooManyRequestsError"
