"""The ledger over HTTP on both backends: who may see and do what, and what they see."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from geo_caisse.auth.users import create_user
from geo_caisse.core.territory import Territory
from geo_caisse.mona.accounts import register_member
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.mona.treasury import allocate_month
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.routes import api_routes, dependency_names
from tests.utils.stores import PASSWORD, Store, login


@pytest.fixture
def people(store: Store, territory: Territory) -> dict[str, int]:
    sessions = writer_sessions(store.engine)
    member = register_member(sessions, territory, joined_on=date(2026, 1, 1),
                                     home_lon=3.8767, home_lat=43.6108)
    other = register_member(sessions, territory, joined_on=date(2026, 1, 1))
    allocate_month(sessions, territory, "2026-01")
    with store.sessions() as s:
        shop, other_shop = s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id).limit(2)).all()
    create_user(sessions, username="alice", password=PASSWORD, role="member",
                     member_id=member.id)
    create_user(sessions, username="bob", password=PASSWORD, role="member",
                     member_id=other.id)
    create_user(sessions, username="ferme", password=PASSWORD, role="producer",
                     point_of_sale_id=shop)
    create_user(sessions, username="coord", password=PASSWORD, role="coordinator")
    return {"member": member.id, "shop": shop, "other_shop": other_shop}


def test_login(client: TestClient, people: dict[str, int]) -> None:
    r = client.post("/api/token", data={"username": "alice", "password": "wrong password"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"
    r = client.post("/api/token", data={"username": "nobody", "password": PASSWORD})
    assert r.status_code == 401
    assert client.get("/api/me/balance").status_code == 401
    r = client.get("/api/me/balance", headers={"Authorization": "Bearer a.b.c"})
    assert r.status_code == 401 and "invalid access token" in r.json()["detail"]


def test_a_member_pays_at_a_till_without_the_vendor_learning_who(
        client: TestClient, people: dict[str, int]) -> None:
    alice, shop = login(client, "alice"), login(client, "ferme")
    assert client.get("/api/me/balance", headers=alice).json()["balance_mona"] == "100.00"
    code = client.post("/api/me/payment-code", headers=alice).json()["code"]
    pay = {"code": code, "amount_mona": "12.50"}
    r = client.post("/api/payments", json=pay, headers={**shop, "Idempotency-Key": "t1"})
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert set(receipt) == {"payment_id", "amount_mona", "vendor_ref", "occurred_at",
                            "replayed"}
    r = client.post("/api/payments", json=pay, headers={**shop, "Idempotency-Key": "t1"})
    assert r.status_code == 201 and r.json()["replayed"] is True
    assert r.json()["payment_id"] == receipt["payment_id"]
    body = client.get("/api/me/balance", headers=alice).json()
    assert body["balance_mona"] == "87.50"
    assert [line["kind"] for line in body["statement"]] == ["payment", "allocation"]
    bob = login(client, "bob")
    assert client.get("/api/me/balance", headers=bob).json()["balance_mona"] == "100.00"
    # refusals
    code = client.post("/api/me/payment-code", headers=alice).json()["code"]
    r = client.post("/api/payments", json={"code": code, "amount_mona": "500"}, headers=shop)
    assert r.status_code == 409 and "balance too low" in r.json()["detail"]
    r = client.post("/api/payments", json={"code": code, "amount_mona": "1.234"},
                    headers=shop)
    assert r.status_code == 422
    r = client.post("/api/payments", json={"code": code, "amount_mona": "abc"}, headers=shop)
    assert r.status_code == 422
    r = client.post("/api/payments", json={"code": code, "amount_mona": "5"}, headers=alice)
    assert r.status_code == 403 and "ledger:vendor" in r.json()["detail"]
    r = client.post("/api/payments", json=pay, headers={**shop, "Idempotency-Key": "t1x" * 50})
    assert r.status_code == 422


def test_roles_see_only_what_they_may(client: TestClient, people: dict[str, int]) -> None:
    alice, shop, coord = login(client, "alice"), login(client, "ferme"), login(client, "coord")
    for url in ("/api/budget", "/api/flows/heatmap", "/api/flows/summary"):
        assert client.get(url, headers=alice).status_code == 403
        assert client.get(url, headers=shop).status_code == 403
        assert client.get(url).status_code == 401
    budget = client.get("/api/budget", headers=coord).json()
    assert budget["mona_issued"] == "200.00"
    assert budget["members_active"] is None  # 2 members: not published
    r = client.get("/api/flows/basin", params={"point_of_sale_id": people["other_shop"]},
                   headers=shop)
    assert r.status_code == 403
    assert client.get("/api/me/balance", headers=coord).status_code == 403


def test_flows_over_http_publish_only_groups_of_11(client: TestClient, store: Store,
                                                   territory: Territory,
                                                   people: dict[str, int]) -> None:
    sessions = writer_sessions(store.engine)
    sim = simulate_year(sessions, territory, year=2025, members=150, seed=5)
    import_transactions(sessions, sim.csv_bytes, source="synthetic.csv")
    # the cooperative supermarket, where most members shop: its basin has areas to show
    with store.sessions() as s:
        cagette = s.scalar(select(PointOfSaleRow.id).where(PointOfSaleRow.name == "La Cagette"))
    create_user(sessions, username="cagette", password=PASSWORD, role="producer",
                point_of_sale_id=cagette)
    coord, shop = login(client, "coord"), login(client, "cagette")
    heat = client.get("/api/flows/heatmap", params={"period": "2025"}, headers=coord).json()
    assert heat["synthetic"] is True and heat["features"]
    for f in heat["features"]:
        p = f["properties"]
        assert p["suppressed"] or p["members"] == 0 or p["members"] >= 11
    month = client.get("/api/flows/heatmap", params={"period": "2025-05"}, headers=coord)
    assert month.status_code == 200
    lines = client.get("/api/flows/lines", params={"year": "2025"}, headers=coord).json()
    assert lines["features"]
    assert all(f["properties"]["members"] >= 11 for f in lines["features"])
    summary = client.get("/api/flows/summary", params={"period": "2025"}, headers=coord).json()
    assert 0 < summary["centre"]["centre"]["share"] < 1
    basin = client.get("/api/flows/basin", params={"year": "2025"}, headers=shop)
    assert basin.status_code == 200
    assert basin.json()["cells"]
    assert all(c["members"] >= 11 for c in basin.json()["cells"])
    bad = client.get("/api/flows/lines", params={"year": "2025", "by": "street"},
                     headers=coord)
    assert bad.status_code == 422
    bad = client.get("/api/flows/heatmap", params={"period": "25-1"}, headers=coord)
    assert bad.status_code == 422


PUBLIC = {
    "/", "/coordination", "/coordination/mona", "/coordination/recrutement", "/producteur",
    "/coordination/propositions", "/coordination/comptes", "/coordination/tresorerie",
    "/coordination/conventionnement", "/coordination/budget",
    "/coordination/tirage", "/tirage/{draw_id}",
    "/moi", "/encaisser", "/bienvenue",  # pages: their data needs a login
    "/healthz", "/api/territory", "/docs", "/redoc", "/tiles/{z}/{x}/{y}.mvt",
    "/api/points-of-sale", "/api/points-of-sale/{pos_id}", "/api/markets",
    "/api/markets/{market_id}", "/api/markets/{market_id}/stalls", "/api/neighbourhoods",
    "/api/neighbourhoods/{neighbourhood_id}",
    "/api/nearest", "/api/walk/nearest", "/api/deserts/cells", "/api/deserts/areas",
    "/api/deserts/summary", "/api/whatif", "/api/whatif/candidates",
    "/api/export/{layer}.{fmt}", "/api/print/{layer}.{fmt}", "/api/token",
    # enrolment: the open call, and a published draw anyone may re-check
    "/api/volunteers", "/api/draws", "/api/draws/{draw_id}", "/api/draws/{draw_id}/verify",
    # the observers' list: random refs and strata, no identity (on the draw's public page)
    "/api/draws/{draw_id}/volunteers.csv",
    # the members' offline address search and map question (POST: no URL holds them)
    "/api/search", "/api/places",
    # the public's suggestions (moderated before anything shows)
    "/api/suggestions",
    # a person with an invitation letter: its code is the key, used once
    "/api/welcome/check", "/api/welcome",
}


def test_every_route_is_classified(client: TestClient) -> None:
    """A route is either public on purpose (listed here) or needs a logged-in caller."""
    routes = api_routes(client.app)  # type: ignore[arg-type]
    guarded = {"current_user", "require_coordinator"}
    unclassified = [r.path for r in routes
                    if r.path not in PUBLIC and not dependency_names(r.route) & guarded]
    assert unclassified == []
    assert set(PUBLIC) <= {r.path for r in routes}  # no stale entry
    # a public path may also hold a guarded write (GET /api/draws lists, POST holds one)
    public_with_writes = [r.path for r in routes if r.path in PUBLIC
                          and r.methods - {"GET", "HEAD"}
                          and not dependency_names(r.route) & guarded
                          and r.path not in ("/api/token", "/api/whatif", "/api/volunteers",
                                             "/api/search", "/api/walk/nearest", "/api/places",
                                             "/api/suggestions", "/api/welcome/check",
                                             "/api/welcome")]
    assert public_with_writes == []
