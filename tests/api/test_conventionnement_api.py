"""Conventionnement dossiers over HTTP, on both backends: a suggestion arrives as a
candidate with its dossier, the committee answers the grid and decides, the status follows
through the same use case as the command line and its history is append-only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from geo_caisse.auth.users import create_user
from geo_caisse.layers.status import set_status_by_ref
from tests.utils.stores import AUTH, PASSWORD, Store, login


def _suggested(client: TestClient) -> dict[str, Any]:
    r = client.post("/api/suggestions", json={"kind": "new_place", "name": "Épicerie Sésame",
                                               "place_kind": "epicerie",
                                               "address": "3 rue de la Loge"})
    ident = r.json()["id"]
    done = client.post(f"/api/suggestions/{ident}/accept",
                       json={"lon": 3.8775, "lat": 43.6096,
                             "opening_hours": "Mo-Sa 09:00-19:00"}, headers=AUTH)
    assert done.status_code == 200, done.text
    return {"suggestion": ident, "pos": done.json()["point_of_sale"]["properties"]}


def test_a_suggestion_goes_to_a_committee_decision(client: TestClient, store: Store) -> None:
    create_user(store.sessions, username="comite", password=PASSWORD, role="committee")
    committee = login(client, "comite")
    made = _suggested(client)
    create_user(store.sessions, username="ferme", password=PASSWORD, role="producer",
                point_of_sale_id=made["pos"]["id"])
    assert client.get("/api/conventionnement").status_code == 401
    assert client.get("/api/conventionnement",
                      headers=login(client, "ferme")).status_code == 403
    view = client.get("/api/conventionnement", headers=committee).json()
    assert view["criteria_illustrative"] is True and len(view["criteria"]) == 12
    mine = next(d for d in view["dossiers"] if d["point_of_sale"]["name"] == "Épicerie Sésame")
    assert mine["proposed_by"] == f"suggestion du public n° {made['suggestion']}"
    assert mine["stage"] == "a_instruire" and mine["point_of_sale"]["status"] == "candidate"
    ident = mine["id"]
    # the candidate no longer waits without a dossier
    assert all(c["name"] != "Épicerie Sésame" for c in view["candidates"])
    # the grid, one criterion at a time; unknown keys and states refused with the reason
    r = client.put(f"/api/conventionnement/dossiers/{ident}/criteria/acces-handicap",
                   json={"state": "met", "comment": "rampe à l'entrée"}, headers=committee)
    assert r.status_code == 200, r.text
    line = next(g for g in r.json()["grid"] if g["key"] == "acces-handicap")
    assert line == {**line, "state": "met", "answered": True, "comment": "rampe à l'entrée",
                    "updated_by": "comite"}
    assert r.json()["stage"] == "en_examen"
    bad = client.put(f"/api/conventionnement/dossiers/{ident}/criteria/inconnu",
                     json={"state": "met"}, headers=committee)
    assert bad.status_code == 422 and "not in the territory's grid" in bad.json()["detail"]
    bad = client.put(f"/api/conventionnement/dossiers/{ident}/criteria/acces-handicap",
                     json={"state": "oui"}, headers=committee)
    assert bad.status_code == 422
    bad = client.put(f"/api/conventionnement/dossiers/{ident}/criteria/acces-handicap",
                     json={"state": "met", "comment": "rampe\x07"}, headers=committee)
    assert bad.status_code == 422 and "control characters" in bad.json()["detail"]
    r = client.post(f"/api/conventionnement/dossiers/{ident}/attachments",
                    json={"reference": "visite du 12 novembre, compte rendu n° 7"},
                    headers=committee)
    assert r.status_code == 201 and r.json()["attachments"][0]["added_by"] == "comite"
    r = client.put(f"/api/conventionnement/dossiers/{ident}/meeting",
                   json={"meeting_on": "2026-12-10"}, headers=committee)
    assert r.json()["meeting_on"] == "2026-12-10"
    # one dossier per point of sale
    again = client.post("/api/conventionnement/dossiers",
                        json={"point_of_sale_id": made["pos"]["id"]}, headers=committee)
    assert again.status_code == 409 and "already has a dossier" in again.json()["detail"]
    # the decision: the status follows, the history says who and why
    bad = client.post(f"/api/conventionnement/dossiers/{ident}/decision",
                      json={"decision": "conventionne", "decided_on": "2026-12-10",
                            "votes_for": -1}, headers=committee)
    assert bad.status_code == 422
    r = client.post(f"/api/conventionnement/dossiers/{ident}/decision",
                    json={"decision": "conventionne", "decided_on": "2026-12-10",
                          "votes_for": 9, "votes_against": 2, "votes_abstention": 1,
                          "note": "à revoir dans un an"}, headers=committee)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "conventionne" and r.json()["accepts_mona"] is True
    full = client.get(f"/api/conventionnement/dossiers/{ident}", headers=committee).json()
    assert full["stage"] == "conventionne"
    assert [(h["status_before"], h["status_after"], h["changed_by"]) for h in
            full["status_history"]] == [("candidate", "conventionne", "comite")]
    assert "décision du comité du 10/12/2026" in full["status_history"][0]["reason"]
    # it takes the MonA on the member map now
    places = client.post("/api/places", json={"lon": 3.8775, "lat": 43.6096,
                                              "kinds": ["epicerie"]}).json()["places"]
    assert any(p["name"] == "Épicerie Sésame" for p in places)
    # the command line goes through the same use case and the same history
    set_status_by_ref(store.sessions, made["pos"]["ref"], _status("suspended"), by="ops")
    full = client.get(f"/api/conventionnement/dossiers/{ident}", headers=committee).json()
    assert [(h["status_after"], h["changed_by"], h["reason"]) for h in
            full["status_history"]][-1] == ("suspended", "ops", "ligne de commande")
    # append-only in the database itself
    with store.engine.connect() as conn:
        for statement in ("UPDATE status_change SET changed_by = 'x'",
                          "DELETE FROM dossier_decision"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def _status(value: str) -> Any:
    from geo_caisse.core.domain import Status

    return Status(value)


def test_a_dossier_shows_what_conventioning_it_would_change(client: TestClient) -> None:
    made = _suggested(client)
    view = client.get("/api/conventionnement", headers=AUTH).json()
    ident = next(d["id"] for d in view["dossiers"]
                 if d["point_of_sale"]["id"] == made["pos"]["id"])
    r = client.get(f"/api/conventionnement/dossiers/{ident}/effect", headers=AUTH)
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["mode"] == "add" and e["people_put_out_of_reach"] == 0
    assert e["desert_after"] == pytest.approx(e["desert_before"]
                                              - e["low_income_brought_within_reach"], abs=0.2)
    assert [b["minutes"] for b in e["bands"]] == [5, 10, 15]
    assert all(b["members"] == 0 or b["members"] >= e["min_members"] for b in e["bands"])
    # what it is compared with: the exact what-if of the walking service
    same = client.post("/api/whatif", json={"add_lon": 3.8775, "add_lat": 43.6096}).json()
    assert e["low_income_brought_within_reach"] == same["low_income_out_of_desert"]
    assert client.get("/api/conventionnement/dossiers/999999/effect",
                      headers=AUTH).status_code == 404


def test_opening_a_dossier_for_any_point_of_sale(client: TestClient) -> None:
    view = client.get("/api/conventionnement", headers=AUTH).json()
    candidate = view["candidates"][0]
    r = client.post("/api/conventionnement/dossiers",
                    json={"point_of_sale_id": candidate["id"],
                          "proposed_by": "l'épicerie elle-même"}, headers=AUTH)
    assert r.status_code == 201, r.text
    one = client.get(f"/api/conventionnement/dossiers/{r.json()['id']}", headers=AUTH).json()
    assert one["proposed_by"] == "l'épicerie elle-même" and one["stage"] == "a_instruire"
    assert all(g["state"] == "unknown" and not g["answered"] for g in one["grid"])
    missing = client.post("/api/conventionnement/dossiers",
                          json={"point_of_sale_id": 999999}, headers=AUTH)
    assert missing.status_code == 404
