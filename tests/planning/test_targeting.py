"""Recruitment targeting: the exact MCLP against brute force and PySAL spopt, the greedy's
bound, the Montpellier instance over HTTP, and the producers' demand view."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from geo_caisse import ValidationError
from geo_caisse.auth.users import create_user
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.held import hold_draw
from geo_caisse.enrolment.simulate import simulate_volunteers
from geo_caisse.enrolment.volunteers import register_volunteers
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.planning.mclp import (
    CoverageInstance,
    dominated_sites,
    reduce_instance,
    solve_exact,
    solve_greedy,
    solve_interactive,
)
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.stores import AUTH, PASSWORD, Store, login


def random_instance(seed: int, cells: int, sites: int, radius: float
                    ) -> tuple[CoverageInstance, np.ndarray]:
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 10, (cells, 2))
    s = rng.uniform(0, 10, (sites, 2))
    d = np.hypot(c[:, None, 0] - s[None, :, 0], c[:, None, 1] - s[None, :, 1])
    w = rng.integers(0, 50, cells).astype(float)
    return CoverageInstance.from_dense(w, d <= radius), d


@pytest.mark.parametrize("seed", range(25))
def test_exact_equals_brute_force_and_greedy_is_bounded(seed: int) -> None:
    inst, _ = random_instance(seed, 30, 9, 2.5 + seed % 4)
    k = 1 + seed % 4
    best = max(inst.objective(list(c)) for c in itertools.combinations(range(9), k))
    exact = solve_exact(inst, k)
    assert len(exact.sites) == k and exact.objective == pytest.approx(best)
    greedy = solve_greedy(inst, k)
    assert len(greedy.sites) == k
    assert greedy.objective <= best + 1e-9 <= greedy.bound + 1e-9
    fast = solve_interactive(inst, k)
    assert len(fast.sites) == k and fast.objective == pytest.approx(inst.objective(fast.sites))
    assert fast.objective <= best + 1e-9 <= fast.bound + 1e-6
    # the reductions keep the optimum
    red = reduce_instance(inst)
    assert red.n_cells <= inst.n_cells
    kept = np.flatnonzero(~dominated_sites(inst))
    # a dominated site covers a subset of a kept one: the best k sites, or all the kept ones
    # when fewer than k are kept, reach the optimum
    size = min(k, kept.size)
    assert size >= 1
    assert max(inst.objective(list(c)) for c in itertools.combinations(kept, size)) == \
        pytest.approx(best)


def test_same_optimum_as_spopt_mclp() -> None:
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    inst, d = random_instance(7, 300, 60, 1.2)
    for k in (3, 8):
        model = locate.MCLP.from_cost_matrix(d, inst.weight, service_radius=1.2,
                                             p_facilities=k)
        model.solve(pulp.PULP_CBC_CMD(msg=False))
        theirs = inst.objective([j for j, v in enumerate(model.fac_vars) if v.value() > 0.5])
        ours = solve_exact(inst, k)
        assert ours.objective >= theirs - 1e-6
        assert ours.objective == pytest.approx(theirs)


def test_bad_targeting_input() -> None:
    inst, _ = random_instance(1, 10, 4, 3)
    for k in (0, 5, True, 2.5):
        with pytest.raises(ValidationError, match="k must be"):
            solve_exact(inst, k)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="weights"):
        CoverageInstance.from_dense([1.0, -2.0], np.ones((2, 2), dtype=bool))


def test_targeting_on_montpellier_over_http_beats_or_ties_spopt(
        client: TestClient, store: Store, territory: Territory) -> None:
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    writer = writer_sessions(store.engine)
    register_volunteers(writer, territory, simulate_volunteers(
        territory, n=300, seed=2, registered_on=date(2025, 1, 6)))
    hold_draw(writer, territory, seats=80, seed=3, joined_on=date(2025, 2, 1))
    assert client.get("/api/targeting").status_code == 401
    r = client.get("/api/targeting", params={"k": 4}, headers=AUTH)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["method"] == "exact" and out["gap"] == 0 and len(out["sites"]) == 4
    assert 1000 < out["instance"]["cells"] < 1400 and out["instance"]["sites"] > 500
    for site in out["sites"]:
        assert site["people_reached"] > 0 and site["neighbourhoods"]
        assert set(site["terms"]) == {"desert_low_income", "under_represented",
                                      "spare_capacity"}
        assert site["mona_per_month"]["total"] == 20 * 100
    assert out["cells"]["features"]
    # the same instance through spopt: our optimum is at least theirs
    state = client.app.state  # type: ignore[attr-defined]
    rec = state.targeting.instance(state.sessions)  # the instance the route solved
    inst = rec.instance
    cost = np.where(inst.cover.toarray(), 0.0, 2.0)
    model = locate.MCLP.from_cost_matrix(cost, inst.weight, service_radius=1.0, p_facilities=4)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = inst.objective([j for j, v in enumerate(model.fac_vars) if v.value() > 0.5])
    assert out["objective"] >= round(theirs, 1) - 0.1
    fast = client.get("/api/targeting", params={"k": 4, "mode": "interactive"},
                      headers=AUTH).json()
    assert fast["method"] == "interactive" and fast["objective"] <= out["objective"] + 0.1
    assert fast["bound"] >= out["objective"] - 0.1
    only_deserts = client.get("/api/targeting", params={
        "k": 2, "under_represented": 0, "spare_capacity": 0}, headers=AUTH).json()
    assert only_deserts["objective"] == pytest.approx(
        only_deserts["terms_covered"]["desert_low_income"], abs=2)
    for bad in ({"k": 0}, {"mode": "fast"}, {"reach_min": 90}, {"spare_capacity": -1}):
        assert client.get("/api/targeting", params=bad, headers=AUTH).status_code == 422


def test_producer_demand_never_shows_a_group_under_11(
        client: TestClient, store: Store, territory: Territory) -> None:
    writer = writer_sessions(store.engine)
    # 400 members, the size of Montpellier's caisse: areas of >= 11 small enough to fall
    # within a 15-minute walk
    sim = simulate_year(writer, territory, year=2025, members=400, seed=5)
    import_transactions(writer, sim.csv_bytes, source="synthetic.csv")
    with store.sessions() as s:
        shops = s.scalars(select(PointOfSaleRow.id).where(
            PointOfSaleRow.accepts_mona.is_(True)).order_by(PointOfSaleRow.id)).all()
    create_user(writer, username="ferme", password=PASSWORD, role="producer",
                point_of_sale_id=shops[0])
    producer = login(client, "ferme")
    r = client.get(f"/api/points-of-sale/{shops[0]}/demand", headers=producer)
    assert r.status_code == 200, r.text
    assert client.get(f"/api/points-of-sale/{shops[1]}/demand",
                      headers=producer).status_code == 403
    seen = []
    basin_cells = 0
    for pos_id in shops[:12]:
        out = client.get(f"/api/points-of-sale/{pos_id}/demand", headers=AUTH).json()
        bands = out["bands"]
        assert [b["minutes"] for b in bands] == [5, 10, 15]
        people = [b["people"] for b in bands]
        assert people == sorted(people)
        members = [b["members"] for b in bands]
        assert members == sorted(members)
        for b in bands:
            assert b["members"] == 0 or b["members"] >= 11
            assert b["mona_allocated_per_month"] == b["members"] * 100
        for a, b in itertools.pairwise(members):
            assert b - a == 0 or b - a >= 11
        seen += [(set(b["areas"]), b["members"]) for b in bands]
        drawn = {f["properties"]["area"] for f in out["areas"]["features"]}
        assert drawn == set(bands[-1]["areas"])
        assert all("members" not in f["properties"] for f in out["areas"]["features"])
        spent = out["spent_here"]  # every conventionné has a Mona account
        assert spent is not None and out["received_by_month"] is not None
        basin_cells += len(spent["cells"])
        assert all(c["members"] >= 11 for c in spent["cells"])
        months = out["received_by_month"]["months"]
        assert len(months) == 12
        assert all(m["suppressed"] or m["members"] == 0 or m["members"] >= 11
                   for m in months)
    assert basin_cells > 0
    # two published sets, one inside the other (any bands of any points of sale): their
    # difference is whole areas, 0 or >= 11 members
    nested = [(ma, mb) for (sa, ma), (sb, mb) in itertools.permutations(seen, 2)
              if sa <= sb and mb > ma]
    assert nested
    assert all(mb - ma >= 11 for ma, mb in nested)
    assert any(m > 0 for _, m in seen)
    assert client.get("/api/points-of-sale/999999/demand", headers=AUTH).status_code == 404
