"""Getting in, paying and cashing in over HTTP, on both backends: a letter for a drawn
member, the welcome page's two calls, the member's own account with names, a vendor of two
points of sale, the till's views that never name a payer, reconversions decided by a
coordinator, the month's allocation, and who may do what."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from geo_caisse.auth.users import create_user
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.simulate import simulate_volunteers
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.mona.treasury import record_funding
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.stores import PASSWORD, Store, login

MONTH = f"{datetime.now(UTC):%Y-%m}"


@pytest.fixture
def coord(client: TestClient, store: Store, territory: Territory) -> dict[str, str]:
    sessions = writer_sessions(store.engine)
    register_volunteers(sessions, territory, simulate_volunteers(
        territory, n=60, seed=3, registered_on=date(2026, 1, 5)))
    create_user(sessions, username="coord", password=PASSWORD, role="coordinator")
    record_funding(sessions, funder="public", amount_eur="1000", month=MONTH)
    return login(client, "coord")


def _stalls(store: Store, n: int) -> list[int]:
    with store.sessions() as s:
        return list(s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id).limit(n)))


def _keys(value: object) -> set[str]:
    """Every key of a JSON answer, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _letters(out: dict[str, object]) -> bytes:
    pdf = base64.b64decode(str(out["letters_pdf_base64"]))
    assert pdf[:5] == b"%PDF-"
    return pdf


def test_a_drawn_member_joins_pays_and_the_vendor_cashes_in(
        client: TestClient, store: Store, coord: dict[str, str]) -> None:
    r = client.post("/api/draws", json={"seats": 12, "seed": 2026,
                                              "joined_on": f"{MONTH}-01"}, headers=coord)
    assert r.status_code == 201, r.text
    draw = r.json()["id"]
    r = client.post("/api/invitations/entering", json={"draw_id": draw}, headers=coord)
    assert r.status_code == 201, r.text
    out = r.json()
    assert len(out["invitations"]) == 12
    pdf = _letters(out)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 12   # a page each
    code = out["invitations"][0]["code"]
    # the welcome page: what the code is for, then the login
    r = client.post("/api/welcome/check", json={"code": code})
    assert r.json() == {"purpose": "member", "username": None}
    r = client.post("/api/welcome", json={"code": code, "username": "amina",
                                          "password": "azertyuiop"})
    assert r.status_code == 422 and r.json()["error"] == "ValidationError"
    r = client.post("/api/welcome", json={"code": code, "username": "amina",
                                          "password": PASSWORD})
    assert r.status_code == 200 and r.json()["role"] == "member"
    member = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.post("/api/welcome", json={"code": code, "username": "x",
                                             "password": PASSWORD}).status_code == 401
    r = client.post("/api/allocations", json={"month": MONTH}, headers=coord)
    assert r.status_code == 200 and r.json()["credited"] >= 12
    again = client.post("/api/allocations", json={"month": MONTH}, headers=coord).json()
    assert again["credited"] == 0 and again["already"] >= 12
    account = client.get("/api/me/account", headers=member).json()
    assert account["balance_mona"] == "100.00"
    assert account["allocated_this_month_mona"] == "100.00"
    # a vendor at two stalls, by letter
    a, b = _stalls(store, 2)
    out = client.post("/api/invitations", json={"points_of_sale": [a, b]}, headers=coord).json()
    _letters(out)
    r = client.post("/api/welcome", json={"code": out["invitations"][0]["code"],
                                          "username": "ferme", "password": PASSWORD})
    vendor = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert [p["id"] for p in client.get("/api/till", headers=vendor).json()] == [a, b]
    # pay at the second stall, the code and its QR in the answer (never cached)
    r = client.post("/api/me/payment-code", headers=member)
    assert r.headers["cache-control"] == "no-store"
    paying = r.json()
    assert paying["qr_svg"].startswith("<svg") and paying["display"].replace(" ", "") == \
        paying["code"]
    sale = {"code": paying["display"], "amount_mona": "12.50", "point_of_sale_id": b}
    r = client.post("/api/payments", json=sale, headers={**vendor, "Idempotency-Key": "s1"})
    assert r.status_code == 201, r.text
    again = client.post("/api/payments", json=sale, headers={**vendor, "Idempotency-Key": "s1"})
    assert again.json()["replayed"] and again.json()["payment_id"] == r.json()["payment_id"]
    statement = client.get("/api/me/account", headers=member).json()["statement"]
    assert [(ln["kind"], ln["amount_mona"], ln["balance_after_mona"]) for ln in statement] == [
        ("payment", "-12.50", "87.50"), ("allocation", "100.00", "100.00")]
    assert statement[0]["place_name"]
    # the till: takings and receipts, and nothing of the payer
    till = client.get(f"/api/till/{b}", headers=vendor).json()
    assert (till["today_mona"], till["today_payments"], till["balance_mona"]) == (
        "12.50", 1, "12.50")
    assert "amina" not in json.dumps(till)
    assert not {k for k in _keys(till) if "member" in k or "pseudonym" in k or "payer" in k}
    assert client.get(f"/api/till/{a}", headers=vendor).json()["today_payments"] == 0
    # a reconversion, decided by a coordinator
    r = client.post(f"/api/till/{b}/reconversions", json={"amount_mona": "12.50"},
                    headers=vendor)
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]
    before = client.get("/api/budget", headers=coord).json()
    r = client.post(f"/api/reconversions/{request_id}/approve", json={"note": None},
                    headers=coord)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    after = client.get("/api/budget", headers=coord).json()
    assert float(after["mona_reconverted"]) - float(before["mona_reconverted"]) == 12.5
    assert client.post(f"/api/reconversions/{request_id}/refuse", json={},
                       headers=coord).status_code == 409


def test_who_may_do_what(client: TestClient, store: Store, coord: dict[str, str],
                         territory: Territory) -> None:
    a, b, c = _stalls(store, 3)
    sessions = writer_sessions(store.engine)
    create_user(sessions, username="ferme", password=PASSWORD, role="producer",
                points_of_sale=[a, b])
    vendor = login(client, "ferme")
    assert client.get(f"/api/till/{c}", headers=vendor).status_code == 403
    r = client.post("/api/payments", json={"code": "0123456789", "amount_mona": "1",
                                           "point_of_sale_id": c}, headers=vendor)
    assert r.status_code == 403 and "does not cash at that point" in r.json()["detail"]
    for path in ("/api/accounts", "/api/reconversions"):
        assert client.get(path, headers=vendor).status_code == 403
    assert client.post("/api/allocations", json={"month": MONTH},
                       headers=vendor).status_code == 403
    assert client.post("/api/invitations", json={"username": "ferme"},
                       headers=vendor).status_code == 403
    assert client.get("/api/me/account", headers=vendor).status_code == 403
    r = client.post("/api/invitations", json={"username": "ferme", "member_id": 1},
                    headers=coord)
    assert r.status_code == 422
    # the accounts list: logins and what enrolment holds, no money
    listing = client.get("/api/accounts", headers=coord).json()
    assert {x["username"] for x in listing["accounts"]} == {"coord", "ferme"}
    assert not {k for k in _keys(listing) if "balance" in k or "mona" in k or "amount" in k}
    assert all(v["point_of_sale_id"] not in (a, b) for v in listing["vendors_to_invite"])
    r = client.patch("/api/accounts/ferme", json={"active": False}, headers=coord)
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.post("/api/token", data={"username": "ferme", "password": PASSWORD})
    assert r.status_code == 401 and "disabled" in r.json()["detail"]
    assert client.patch("/api/accounts/coord", json={"active": False},
                        headers=coord).status_code == 409
    assert client.patch("/api/accounts/nobody", json={"active": True},
                        headers=coord).status_code == 404


def test_a_referred_person_is_admitted_with_their_letter(client: TestClient,
                                                        coord: dict[str, str]) -> None:
    r = client.post("/api/volunteers", json={"income_quartile": 1, "age_band": "<30",
                                             "channel": "referral"}, headers=coord)
    ref = r.json()["ref"]
    r = client.post("/api/admissions", json={"ref": ref}, headers=coord)
    assert r.status_code == 201, r.text
    [made] = r.json()["invitations"]
    assert made["purpose"] == "member" and made["member_pseudonym"]
    assert client.post("/api/admissions", json={"ref": ref}, headers=coord).status_code == 409
    r = client.post("/api/volunteers", json={"income_quartile": 2, "age_band": ">60"})
    r = client.post("/api/admissions", json={"ref": r.json()["ref"]}, headers=coord)
    assert r.status_code == 409 and "public draw" in r.json()["detail"]
