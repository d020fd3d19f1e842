"""The draw's new routes over HTTP, on both backends: the plan before a draw (quotas from
the population, waiting volunteers never shown under the minimum group nor recoverable from
the total), the list of held draws, exits with who replaced them, the public observers'
list and the draw's public page (a French 404 for an unknown draw)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from geo_caisse.auth.users import create_user
from geo_caisse.core.strata import STRATA
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.draw import read_volunteers
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.storage import writer_sessions
from tests.utils.stores import PASSWORD, Store, login


def _volunteers(store: Store, territory: Territory, per_stratum: dict[str, int]) -> None:
    specs = [{"registered_on": date(2026, 1, 5), "income_quartile": int(code[1]),
              "age_band": code.split("|")[1], "channel": "open_call"}
             for code, n in per_stratum.items() for _ in range(n)]
    register_volunteers(writer_sessions(store.engine), territory, specs)


@pytest.fixture
def coord(client: TestClient, store: Store) -> dict[str, str]:
    sessions = writer_sessions(store.engine)
    create_user(sessions, username="coord", password=PASSWORD, role="coordinator")
    create_user(sessions, username="comite", password=PASSWORD, role="committee")
    return login(client, "coord")


def test_the_plan_hides_small_strata_and_never_lets_the_total_give_them_back(
        client: TestClient, store: Store, territory: Territory, coord: dict[str, str]) -> None:
    # 20 in most strata, 3 in one, 12 in another: the 3 alone would be recoverable from the
    # total, so the smallest shown stratum (12) is hidden with it
    counts = dict.fromkeys(STRATA, 20) | {"Q1|<30": 3, "Q2|<30": 12}
    _volunteers(store, territory, counts)
    r = client.get("/api/draws/plan", params={"seats": 60}, headers=coord)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["seats"] == 60 and plan["min_members_per_cell"] == 11
    assert plan["waiting"] == sum(counts.values())
    rows = {s["stratum"]: s for s in plan["strata"]}
    assert list(rows) == list(STRATA)
    assert sum(s["quota"] for s in plan["strata"]) == 60
    assert abs(sum(s["population_share"] for s in plan["strata"]) - 1) < 1e-3
    assert rows["Q1|<30"]["waiting"] is None and rows["Q1|<30"]["fewer_than_minimum"]
    assert rows["Q1|<30"]["enough"] is None
    assert rows["Q2|<30"]["waiting"] is None and not rows["Q2|<30"]["fewer_than_minimum"]
    shown = [s["waiting"] for s in plan["strata"] if s["waiting"] is not None]
    assert all(n >= 11 for n in shown)
    assert plan["waiting"] - sum(shown) >= 11        # what the hidden strata hold together
    for s in plan["strata"]:
        if s["waiting"] is not None:
            assert s["enough"] == (s["waiting"] >= s["quota"])
    # the committee may read it, nobody without a login; bad seats are a 422
    assert client.get("/api/draws/plan", params={"seats": 5},
                      headers=login(client, "comite")).status_code == 200
    assert client.get("/api/draws/plan", params={"seats": 5}).status_code == 401
    for bad in ({"seats": 0}, {"seats": "many"}, {"seats": 100_001}, {}):
        r = client.get("/api/draws/plan", params=bad, headers=coord)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"] == "ValidationError"


def test_a_pool_under_the_minimum_shows_no_count(
        client: TestClient, store: Store, territory: Territory, coord: dict[str, str]) -> None:
    _volunteers(store, territory, {"Q3|30-60": 4, "Q4|>60": 2})
    plan = client.get("/api/draws/plan", params={"seats": 3}, headers=coord).json()
    assert plan["waiting"] is None
    assert all(s["waiting"] is None and s["fewer_than_minimum"] for s in plan["strata"])


def test_draws_listed_exits_replaced_and_the_observers_list_public(
        client: TestClient, store: Store, territory: Territory, coord: dict[str, str]) -> None:
    _volunteers(store, territory, dict.fromkeys(STRATA, 8))
    assert client.get("/api/draws").json() == {"draws": []}
    r = client.post("/api/draws", json={"seats": 24, "seed": 2**62 + 7,
                                        "joined_on": "2026-02-01"}, headers=coord)
    assert r.status_code == 201, r.text
    held = r.json()
    assert '"seed":4611686018427387911' in r.text.replace(" ", "")   # exact, past 2^53
    listed = client.get("/api/draws").json()["draws"]
    assert [d["id"] for d in listed] == [held["id"]]
    assert listed[0]["selected"] == len(held["selected"]) and listed[0]["volunteers"] == 96
    # the observers' list: public, a CSV file, refs and strata only, the published hash
    csv = client.get(f"/api/draws/{held['id']}/volunteers.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[0] == "ref,income_quartile,age_band,neighbourhood_code,channel"
    pool = read_volunteers(csv.content, source="download")
    assert {v.neighbourhood_code for v in pool} == {"-"} and {v.channel for v in pool} == {"-"}
    from geo_caisse.enrolment.draw import list_hash
    assert list_hash(pool) == held["list_sha256"]
    assert client.get("/api/draws/999999/volunteers.csv").status_code == 404
    # an exit: the next volunteer of the stratum enters, and the list says so
    assert client.get("/api/enrolment/exits", headers=coord).json() == {"exits": []}
    accounts = client.get("/api/accounts", headers=coord).json()["entering"]
    leaving = accounts[0]
    r = client.post(f"/api/members/{leaving['member_id']}/exit",
                    json={"on": "2026-03-02"}, headers=coord)
    assert r.status_code == 200, r.text
    replacement = r.json()["replacement"]
    assert replacement is not None
    exits = client.get("/api/enrolment/exits", headers=coord).json()["exits"]
    assert exits == [{"member_pseudonym": leaving["pseudonym"], "left_on": "2026-03-02",
                      "replacement_pseudonym": exits[0]["replacement_pseudonym"],
                      "replacement_ref": replacement["volunteer_ref"],
                      "replacement_draw_id": held["id"]}]
    assert exits[0]["replacement_pseudonym"].startswith("m")
    # an exit without a replacement, then who may read the list
    other = client.get("/api/accounts", headers=coord).json()["entering"][-1]
    client.post(f"/api/members/{other['member_id']}/exit",
                json={"on": "2026-03-03", "replace": False}, headers=coord)
    exits = client.get("/api/enrolment/exits", params={"limit": 1}, headers=coord).json()
    assert exits["exits"][0]["replacement_pseudonym"] is None
    assert client.get("/api/enrolment/exits").status_code == 401
    assert client.get("/api/enrolment/exits", headers=login(client, "comite")).status_code == 403
    assert client.get("/api/enrolment/exits", params={"limit": 0},
                      headers=coord).status_code == 422
    assert client.get("/api/draws", params={"limit": "x"}).status_code == 422


def test_the_public_page_of_a_draw_and_a_french_404(
        client: TestClient, store: Store, territory: Territory, coord: dict[str, str]) -> None:
    _volunteers(store, territory, dict.fromkeys(STRATA, 3))
    held = client.post("/api/draws", json={"seats": 6, "seed": 1, "joined_on": "2026-02-01"},
                       headers=coord).json()
    page = client.get(f"/tirage/{held['id']}")
    assert page.status_code == 200 and "draw_result.js" in page.text
    for unknown in ("999999", "abc", "0", "99999999999999999999", "1.5"):
        r = client.get(f"/tirage/{unknown}")
        assert r.status_code == 404, unknown
        assert r.headers["content-type"].startswith("text/html")
        assert "Ce tirage n'existe pas" in r.text and 'lang="fr"' in r.text
    assert client.get("/coordination/tirage").status_code == 200
    assert 'href="/coordination/tirage"' in client.get("/coordination/comptes").text
