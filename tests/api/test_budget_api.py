"""The budget planner over HTTP, on both backends: compute, save, list, export, delete."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from geo_caisse.auth.users import create_user
from tests.utils.stores import AUTH, PASSWORD, Store, login

SCENARIO: dict[str, Any] = {"members": 800, "allocation_mona": "100",
                            "quartile_shares": ["0.25", "0.25", "0.25", "0.25"],
                            "contribution_by_quartile_eur": ["10", "30", "60", "100"],
                            "topup_share": "0.5",
                            "pledged": [{"name": "Métropole", "yearly_eur": "100000"}]}


def test_a_scenario_is_computed_saved_and_exported(client: TestClient, store: Store) -> None:
    create_user(store.sessions, username="comite", password=PASSWORD, role="committee")
    committee = login(client, "comite")
    assert client.post("/api/budget/plan", json=SCENARIO).status_code == 401
    start = client.get("/api/budget/planner", headers=committee).json()
    assert start["members"] == 350 and start["reference_budget_eur"] == "240000"
    p = client.post("/api/budget/plan", json=SCENARIO, headers=committee).json()
    assert p["yearly_issued_eur"] == "960000" and p["gap_eur"] == "140000.00"
    assert p["vs_reference"] == "4.00"
    bad = client.post("/api/budget/plan", json={**SCENARIO, "quartile_shares": ["1"] * 4},
                      headers=committee)
    assert bad.status_code == 422 and "100 %" in bad.json()["detail"]
    bad = client.post("/api/budget/plan", json={**SCENARIO, "members": 0}, headers=committee)
    assert bad.status_code == 422
    made = client.post("/api/budget/scenarios", json={"name": "800 avec l'État",
                                                      "scenario": SCENARIO}, headers=committee)
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    assert made.json()["saved_by"] == "comite" and made.json()["plan"]["gap_eur"] == "140000.00"
    twice = client.post("/api/budget/scenarios", json={"name": "800 avec l'État",
                                                       "scenario": SCENARIO}, headers=committee)
    assert twice.status_code == 409
    listed = client.get("/api/budget/scenarios", headers=AUTH).json()
    assert [x["name"] for x in listed] == ["800 avec l'État"]
    csv = client.get(f"/api/budget/scenarios/{ident}/csv", headers=committee)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "Reste à financer par an (€);140\u202f000,00" in text
    assert "Membres;800" in text
    pdf = client.get(f"/api/budget/scenarios/{ident}/pdf", headers=committee)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    changed = client.put(f"/api/budget/scenarios/{ident}",
                         json={"name": "800 sans l'État",
                               "scenario": {**SCENARIO, "topup_share": "0"}}, headers=committee)
    assert changed.json()["plan"]["gap_eur"] == "380000.00"   # 960 000 − 480 000 − 100 000
    gone = client.delete(f"/api/budget/scenarios/{ident}", headers=committee)
    assert gone.json() == {"deleted": ident}
    assert client.get(f"/api/budget/scenarios/{ident}", headers=committee).status_code == 404
