"""Suggestions from the member map: public, kept pending, shown only once accepted."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.utils.stores import AUTH


def _place(client: TestClient, kind: str = "shop") -> dict[str, object]:
    every = client.post("/api/places", json={"kinds": [kind]}).json()["places"]
    return dict(every[0])


def test_a_correction_of_hours_shows_once_a_coordinator_accepts_it(client: TestClient) -> None:
    place = _place(client)
    r = client.post("/api/suggestions", json={"kind": "hours", "place": place["key"],
                                               "hours": "mardi 9 h - 12 h",
                                               "comment": "fermé l'après-midi"})
    assert r.status_code == 201, r.text
    ident = r.json()["id"]
    # nothing shows before a decision
    again = {p["key"]: p for p in client.post("/api/places", json={}).json()["places"]}
    assert again[str(place["key"])]["opening_hours"] == place["opening_hours"]
    assert client.get("/api/suggestions").status_code == 401
    queue = client.get("/api/suggestions", headers=AUTH).json()
    mine = next(s for s in queue if s["id"] == ident)
    assert mine["place_name"] == place["name"] and mine["hours"] == "mardi 9 h - 12 h"
    bad = client.post(f"/api/suggestions/{ident}/accept", json={"opening_hours": "mardi 9h"},
                      headers=AUTH)
    assert bad.status_code == 422 and "opening_hours" in bad.json()["detail"]
    ok = client.post(f"/api/suggestions/{ident}/accept", json={"opening_hours": "Tu 09:00-12:00"},
                     headers=AUTH)
    assert ok.status_code == 200, ok.text
    assert ok.json()["suggestion"]["status"] == "accepted"
    assert ok.json()["suggestion"]["decided_by"] == "coordinator-token"
    shown = {p["key"]: p for p in client.post("/api/places", json={"when": "Tu 10:00"}).json()[
        "places"]}
    assert shown[str(place["key"])]["opening_hours"] == "Tu 09:00-12:00"
    twice = client.post(f"/api/suggestions/{ident}/accept",
                        json={"opening_hours": "Tu 09:00-12:00"}, headers=AUTH)
    assert twice.status_code == 422 and "already accepted" in twice.json()["detail"]
    assert client.get("/api/suggestions", headers=AUTH).json() == [
        s for s in queue if s["id"] != ident]


def test_a_new_place_enters_as_a_candidate(client: TestClient) -> None:
    r = client.post("/api/suggestions", json={"kind": "new_place", "name": "Épicerie Sésame",
                                               "place_kind": "epicerie",
                                               "address": "3 rue de la Loge"})
    assert r.status_code == 201
    ident = r.json()["id"]
    half = client.post(f"/api/suggestions/{ident}/accept", json={"lon": 3.8775},
                       headers=AUTH)
    assert half.status_code == 422
    done = client.post(f"/api/suggestions/{ident}/accept",
                       json={"lon": 3.8775, "lat": 43.6096, "opening_hours": "Mo-Sa 09:00-19:00"},
                       headers=AUTH)
    assert done.status_code == 200, done.text
    pos = done.json()["point_of_sale"]["properties"]
    assert pos["status"] == "candidate" and pos["kind"] == "epicerie" and not pos["accepts_mona"]
    assert pos["ref"] == f"sug-{ident}" and pos["name"] == "Épicerie Sésame"
    # a candidate is not a place where to pay: the member map does not show it
    names = {p["name"] for p in client.post("/api/places", json={}).json()["places"]}
    assert "Épicerie Sésame" not in names


def test_refusals_and_bad_suggestions(client: TestClient) -> None:
    r = client.post("/api/suggestions", json={"kind": "new_place", "name": "Un lieu"})
    refused = client.post(f"/api/suggestions/{r.json()['id']}/refuse",
                          json={"note": "hors du territoire"}, headers=AUTH)
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert client.get("/api/suggestions", params={"status": "refused"},
                      headers=AUTH).json()[0]["decision_note"] == "hors du territoire"
    for body, status in (({"kind": "new_place"}, 422),
                         ({"kind": "hours", "place": "market:999999", "hours": "lundi"}, 404),
                         ({"kind": "hours", "place": "point_of_sale:1"}, 422),
                         ({"kind": "new_place", "name": "a\x00b"}, 422),
                         ({"kind": "new_place", "name": "x" * 201}, 422),
                         ({"kind": "gossip"}, 422)):
        answer = client.post("/api/suggestions", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["detail"]
    assert client.post("/api/suggestions/999999/refuse", json={},
                       headers=AUTH).status_code == 404
