"""What bounds a request: its body (declared or chunked) before auth and parsing, the size
of an error answer, a store that cannot answer now (503 with Retry-After)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.deps import HeavyWork
from api.errors import ServerBusyError
from api.main import create_app
from api.middleware import BodyLimit
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from tests.utils.stores import AUTH, TOKEN, Store


def _chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


def _run(coro: Any) -> Any:
    """Run ``coro`` on its own loop in another thread: the browser tests' Playwright keeps
    an event loop running in the main thread for the whole session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_the_middleware_stops_reading_a_chunked_body_at_the_limit() -> None:
    """Pure ASGI: a client sending forever is read up to the limit, then answered 413."""
    calls = {"receive": 0}
    sent: list[dict[str, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:  # reads it all, like json
        while (await receive()).get("more_body"):
            pass

    async def receive() -> dict[str, Any]:
        calls["receive"] += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    app = BodyLimit(inner, default=10 * 1024, larger={"/api/import/": 100 * 1024})
    _run(app({"type": "http", "path": "/api/search", "headers": []}, receive, send))
    assert calls["receive"] == 11
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"] == "PayloadTooLargeError"
    calls["receive"] = 0
    _run(app({"type": "http", "path": "/api/import/markets", "headers": []}, receive, send))
    assert calls["receive"] == 101
    assert app.limit_for("/api/importer") == 10 * 1024  # a prefix ends with its slash


@pytest.mark.parametrize("chunked", [False, True])
def test_a_large_body_is_a_413_on_any_route(client: TestClient, chunked: bool) -> None:
    body = json.dumps({"q": "x" * (300 * 1024)}).encode()
    content: Any = iter([body[i:i + 8192] for i in range(0, len(body), 8192)]) if chunked \
        else body
    r = client.post("/api/search", content=content, headers={"content-type":
                                                             "application/json"})
    assert r.status_code == 413, r.text
    assert r.json() == {"detail": "request body larger than 262144 bytes",
                        "error": "PayloadTooLargeError"}


@pytest.mark.parametrize("chunked", [False, True])
def test_an_import_without_token_is_refused_at_its_own_limit_before_the_401(
        client: TestClient, chunked: bool) -> None:
    body = _chunks(100 * 1024) if chunked else b"".join(_chunks(100 * 1024))
    r = client.post("/api/import/markets", content=body,
                    headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413, r.text  # the client's upload limit is 64 KiB
    assert r.json()["error"] == "PayloadTooLargeError"
    r = client.post("/api/import/markets", files={"file": ("m.csv", b"lon,lat\n", "text/csv")})
    assert r.status_code == 401


def test_an_error_answer_never_echoes_more_than_an_excerpt(client: TestClient) -> None:
    huge = "é" * 100_000
    for body in ({"q": huge}, {"q": "rue", "n": huge}, {huge: 1, "q": "rue"}):
        r = client.post("/api/search", json=body)
        assert r.status_code == 422, r.text[:200]
        assert len(r.content) < 4000, len(r.content)
    r = client.get("/api/points-of-sale", params={"bbox": "1," * 150})
    assert r.status_code == 422 and len(r.content) < 4000


@pytest.fixture
def quick_client(store: Store, cache_dir: Path) -> Iterator[TestClient]:
    """The app with a 0.2 s SpatiaLite busy timeout (PostGIS: a 200 ms lock timeout)."""
    url = store.url
    if store.backend == "postgis":
        url += "?options=-c%20lock_timeout%3D200"
    settings = Settings(DatabaseSettings(database_url=url, sqlite_busy_timeout_s=0.2),
                        TerritorySettings(cache_dir=cache_dir),
                        ApiSettings(coordinator_token=TOKEN))
    with TestClient(create_app(settings)) as c:
        yield c


def test_a_busy_store_answers_a_json_503_with_retry_after_and_reads_go_on(
        store: Store, quick_client: TestClient) -> None:
    volunteer = {"income_quartile": 1, "age_band": "<30"}
    holder = store.engine.connect()
    try:
        holder.begin()
        if store.backend == "spatialite":
            holder.execute(text("DELETE FROM volunteer WHERE id < 0"))
        else:
            holder.execute(text("LOCK TABLE volunteer IN EXCLUSIVE MODE"))
        r = quick_client.post("/api/volunteers", json=volunteer)
        assert r.status_code == 503, r.text
        assert r.headers["content-type"] == "application/json"
        assert r.json()["error"] == "StoreBusyError" and r.headers["Retry-After"] == "2"
        assert "nothing was written" in r.json()["detail"]
        # readers are not held up by the writer (SpatiaLite runs in WAL)
        assert quick_client.get("/api/markets", params={"limit": 1}).status_code == 200
    finally:
        holder.rollback()
        holder.close()
    assert quick_client.post("/api/volunteers", json=volunteer).status_code == 201


def test_a_read_only_store_answers_503_and_serves_reads(
        store: Store, cache_dir: Path) -> None:
    if store.backend == "spatialite":
        url = store.url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"
    else:
        url = store.url + "?options=-c%20default_transaction_read_only%3Don"
    settings = Settings(DatabaseSettings(database_url=url), TerritorySettings(cache_dir=cache_dir),
                        ApiSettings(coordinator_token=TOKEN))
    with TestClient(create_app(settings)) as c:
        r = c.patch("/api/points-of-sale/1/status", json={"status": "suspended"}, headers=AUTH)
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "StoreReadOnlyError" and r.headers["Retry-After"] == "30"
        assert c.get("/api/points-of-sale/1").json()["properties"]["status"] != "suspended"


def test_heavy_analyses_queue_in_a_bounded_pool_and_the_rest_is_refused() -> None:
    import threading

    release = threading.Event()
    order: list[str] = []

    def slow(name: str) -> str:
        release.wait(5)
        order.append(name)
        return name

    async def scenario() -> list[object]:
        heavy = HeavyWork(workers=1, queue=1)

        async def attempt(name: str) -> object:
            try:
                return await heavy.run(slow, name)
            except ServerBusyError as exc:
                return exc

        import anyio

        results: dict[str, object] = {}
        async with anyio.create_task_group() as tg:
            for name in ("first", "second", "third"):
                async def one(n: str = name) -> None:
                    results[n] = await attempt(n)
                tg.start_soon(one)
                await anyio.sleep(0.05)
            release.set()
        return [results["first"], results["second"], results["third"]]

    first, second, third = _run(scenario())
    assert (first, second) == ("first", "second") and order == ["first", "second"]
    assert isinstance(third, ServerBusyError) and "busy with 2 other analyses" in str(third)
