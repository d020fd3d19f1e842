"""Enrolment with the store: the held draw, waiting list, entry and exit, coverage, committee
(on SpatiaLite and PostGIS)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select, text

from geo_caisse import ValidationError
from geo_caisse.core.strata import STRATA
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.committee import add_committee_seat, committee_composition
from geo_caisse.enrolment.coverage import coverage
from geo_caisse.enrolment.draw import read_volunteers
from geo_caisse.enrolment.exits import member_exit
from geo_caisse.enrolment.held import (
    draw_volunteer_list,
    hold_draw,
    published_draw,
    verify_held_draw,
)
from geo_caisse.enrolment.simulate import simulate_volunteers
from geo_caisse.enrolment.strata import population_quotas, territory_strata
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.storage.engine import writer_sessions
from geo_caisse.storage.models import AccountRow, VolunteerRow
from tests.utils.stores import Store


def _pool(store: Store, territory: Territory, n: int = 500, seed: int = 3) -> None:
    register_volunteers(
        store.sessions, territory,
        simulate_volunteers(territory, n=n, seed=seed, registered_on=date(2025, 1, 6)))


def test_population_quotas_follow_the_bundled_strata(territory: Territory) -> None:
    strata = territory_strata(territory)
    assert len(strata) == 31 and all(set(v) == set(STRATA) for v in strata.values())
    by_quartile = Counter[str]()
    for row in strata.values():
        for s, adults in row.items():
            by_quartile[s[:2]] += int(adults)
    total = sum(by_quartile.values())
    # the city's own income quartiles: each near a quarter of the adults
    assert all(0.22 < n / total < 0.28 for n in by_quartile.values())
    quotas = population_quotas(strata, 120)["stratum"]
    assert sum(q for q, _ in quotas.values()) == 120
    assert all(lo == hi for lo, hi in quotas.values())


def test_held_draw_fills_quotas_opens_accounts_and_is_verifiable(store: Store,
                                                                 territory: Territory) -> None:
    _pool(store, territory)
    writer = writer_sessions(store.engine)
    held = hold_draw(writer, territory, seats=120, seed=2025,
                                joined_on=date(2025, 2, 1))
    quotas = population_quotas(territory_strata(territory), 120)["stratum"]
    drawn = Counter(f"Q{m.income_quartile}|{m.age_band}" for m in held.members)
    with store.sessions() as s:
        available = Counter(f"Q{q}|{a}" for q, a in s.execute(
            select(VolunteerRow.income_quartile, VolunteerRow.age_band)))
        accounts = s.scalar(select(func.count()).select_from(AccountRow)
                            .where(AccountRow.kind == "member"))
        ranks = s.execute(select(VolunteerRow.income_quartile, VolunteerRow.age_band,
                                 VolunteerRow.waiting_rank)
                          .where(VolunteerRow.status == "waiting")).all()
    for stratum, (q, _) in quotas.items():
        assert drawn[stratum] == min(q, available[stratum])
    assert accounts == len(held.members) == 120 - sum(
        held.result.shortfall.get("stratum", {}).values())
    by_stratum: dict[str, list[int]] = {}
    for q, a, r in ranks:
        by_stratum.setdefault(f"Q{q}|{a}", []).append(r)
    assert all(sorted(r) == list(range(1, len(r) + 1)) for r in by_stratum.values())
    assert verify_held_draw(store.sessions, held.draw_id) == []
    published = published_draw(store.sessions, held.draw_id)
    assert published["list_sha256"] == held.result.list_sha256
    assert published["volunteers"] == 500
    # the list given to observers carries no neighbourhood and no channel (unused by quotas)
    pool = read_volunteers(draw_volunteer_list(store.sessions, held.draw_id).encode(),
                           source="list")
    assert {v.neighbourhood_code for v in pool} == {"-"} and {v.channel for v in pool} == {"-"}
    # a tampered record no longer checks out
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE draw SET seed = seed + 1 WHERE id = :i"), {"i": held.draw_id})
    assert verify_held_draw(store.sessions, held.draw_id)


def test_exit_calls_the_next_volunteer_of_the_same_stratum(store: Store,
                                                           territory: Territory) -> None:
    _pool(store, territory, n=200)
    writer = writer_sessions(store.engine)
    held = hold_draw(writer, territory, seats=60, seed=9, joined_on=date(2025, 2, 1))
    leaving = held.members[0]
    stratum = (leaving.income_quartile, leaving.age_band)
    with store.sessions() as s:
        first = s.scalar(select(VolunteerRow.ref).where(
            VolunteerRow.status == "waiting", VolunteerRow.income_quartile == stratum[0],
            VolunteerRow.age_band == stratum[1], VolunteerRow.waiting_rank == 1))
    out = member_exit(writer, leaving.id, on=date(2025, 4, 30))
    assert out.left.status == "left" and out.left.left_on == date(2025, 4, 30)
    assert out.replacement_ref == first
    assert out.replacement is not None
    assert (out.replacement.income_quartile, out.replacement.age_band) == stratum
    with pytest.raises(ValidationError, match="already left"):
        member_exit(writer, leaving.id, on=date(2025, 5, 1))
    # exit without replacement when asked
    other = member_exit(writer, held.members[1].id, on=date(2025, 5, 1),
                                   replace=False)
    assert other.replacement is None


def test_registration_is_all_or_nothing_and_names_the_bad_volunteer(
        store: Store, territory: Territory) -> None:
    good = dict(registered_on=date(2025, 1, 2), income_quartile=1, age_band="<30",
                channel="referral", home_lon=3.8767, home_lat=43.6108)
    bad = dict(good, age_band="18-25")
    with pytest.raises(ValidationError, match="volunteer 2: age_band"):
        register_volunteers(store.sessions, territory, [good, bad])
    with pytest.raises(ValidationError, match=r"volunteer 1: .*outside"):
        register_volunteers(store.sessions, territory,
                                       [dict(good, home_lon=2.35, home_lat=48.85)])
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(VolunteerRow)) == 0
    [info] = register_volunteers(store.sessions, territory, [good])
    # the home is kept as its 200 m cell and neighbourhood (the Comédie: Centre)
    assert info.neighbourhood_code is not None and info.neighbourhood_code.startswith("34172-SQ")
    with store.sessions() as s:
        row = s.scalar(select(VolunteerRow))
        assert row is not None and row.home_cell_x_m is not None
        assert row.home_cell_x_m % 200 == 0 and row.home_cell_y_m % 200 == 0


def test_coverage_never_shows_or_leaks_a_group_under_11(store: Store,
                                                        territory: Territory) -> None:
    _pool(store, territory, n=260, seed=5)
    writer = writer_sessions(store.engine)
    hold_draw(writer, territory, seats=90, seed=1, joined_on=date(2025, 2, 1))
    report = coverage(store.sessions, territory)
    k = report["min_members_per_cell"]
    assert k == 11
    for key in ("members", "waiting"):
        shown = [s[key] for s in report["strata"] if s[key] is not None]
        assert shown and all(n >= k for n in shown)
        hidden_total = (report[key] or 0) - sum(shown)
        assert hidden_total == 0 or hidden_total >= k
    for s in report["strata"]:
        if s["members"] is None:
            assert s["seats_short"] is None and s["member_share"] is None
        for place in s.get("where_they_live", []):
            assert place["members"] is None or place["members"] >= k
    assert any(s["members"] is None for s in report["strata"])  # small strata exist here


def test_committee_share_in_poverty_only_for_large_groups(store: Store,
                                                          territory: Territory) -> None:
    for i in range(14):
        add_committee_seat(store.sessions, joined_on=date(2024, 9, 1),
                                      in_poverty=i < 5)
    small = committee_composition(store.sessions, territory, on=date(2025, 1, 1))
    assert small["seats"] == 14 and small["in_poverty_share"] is None and small["withheld"]
    for _ in range(8):  # 13 in poverty, 9 not: the 9 would be a group under 11
        add_committee_seat(store.sessions, joined_on=date(2024, 9, 1),
                                      in_poverty=True)
    assert committee_composition(store.sessions, territory,
                                            on=date(2025, 1, 1))["in_poverty_share"] is None
    for _ in range(2):
        add_committee_seat(store.sessions, joined_on=date(2024, 9, 1),
                                      in_poverty=False)
    full = committee_composition(store.sessions, territory, on=date(2025, 1, 1))
    assert full["seats"] == 24 and full["in_poverty_share"] == pytest.approx(13 / 24, abs=1e-3)
    before = committee_composition(store.sessions, territory, on=date(2024, 8, 1))
    assert before["seats"] == 0


def test_enrolment_over_http(client, store: Store, territory: Territory) -> None:  # type: ignore[no-untyped-def]
    from tests.utils.stores import AUTH

    body = {"income_quartile": 1, "age_band": ">60", "home_lon": 3.8767, "home_lat": 43.6108}
    r = client.post("/api/volunteers", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["stratum"] == "Q1|>60" and "home_lon" not in r.json()
    # referrals go through a coordinator; bad input is named
    assert client.post("/api/volunteers", json={**body, "channel": "referral"}).status_code == 401
    assert client.post("/api/volunteers", json={**body, "channel": "referral"},
                       headers=AUTH).status_code == 201
    for bad in ({**body, "age_band": "old"}, {**body, "income_quartile": 5},
                {**body, "home_lon": 2.35, "home_lat": 48.85}, {**body, "name": "Jeanne"}):
        r = client.post("/api/volunteers", json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"] == "ValidationError" and r.json()["detail"]
    register_volunteers(store.sessions, territory, simulate_volunteers(
        territory, n=150, seed=8, registered_on=date(2025, 1, 6)))
    draw_body = {"seats": 110, "seed": 123, "joined_on": "2025-02-01"}  # more than some strata hold
    assert client.post("/api/draws", json=draw_body).status_code == 401
    r = client.post("/api/draws", json=draw_body, headers=AUTH)
    assert r.status_code == 201, r.text
    held = r.json()
    assert held["members_opened"] == len(held["selected"]) and held["seed"] == 123
    # strata the pool could not fill: where their people live, to mobilise there
    assert held["shortfall"]["stratum"]
    assert set(held["places_to_mobilise"]) == set(held["shortfall"]["stratum"])
    for places in held["places_to_mobilise"].values():
        assert len(places) == 5 and places[0]["adults"] >= places[-1]["adults"]
    published = client.get(f"/api/draws/{held['id']}").json()
    assert published["list_sha256"] == held["list_sha256"]
    assert client.get(f"/api/draws/{held['id']}/verify").json()["ok"] is True
    # the observers' list is public (no identity), as a CSV file
    listing = client.get(f"/api/draws/{held['id']}/volunteers.csv")
    assert listing.status_code == 200 and listing.text.startswith("ref,income_quartile")
    assert listing.headers["content-type"].startswith("text/csv")
    cov = client.get("/api/enrolment/coverage", headers=AUTH).json()
    assert len(cov["strata"]) == 12
    areas = client.get("/api/enrolment/coverage/areas", headers=AUTH).json()
    assert len(areas["features"]) == 31
    assert areas["under_represented"] == [
        s["stratum"] for s in cov["strata"] if s["under_represented"]]
    assert all("members" not in f["properties"] for f in areas["features"])
    assert client.get("/api/draws/999").status_code == 404
    assert client.get("/api/committee/composition", headers=AUTH).json()["seats"] == 0
