"""Every suppression reads the territory's minimum group: a caisse that raises it to 15
publishes no group of 11 to 14 on any route (and at 11, the same data does show some)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from geo_caisse.core.settings import ApiSettings, DatabaseSettings, Settings, TerritorySettings
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.committee import add_committee_seat
from geo_caisse.layers import queries
from geo_caisse.mona.accounts import register_members
from geo_caisse.mona.simulate import simulate_year
from geo_caisse.mona.transactions import import_transactions
from geo_caisse.mona.treasury import record_contribution
from geo_caisse.storage import writer_sessions
from geo_caisse.storage.layers import PointOfSaleFilter
from tests.utils.stores import AUTH, TOKEN, Store
from tests.utils.territories import variant

#: keys whose numbers count members (or contributors, or volunteers)
COUNTS = {"members", "contributors", "members_active", "waiting", "residents"}


def _counts(doc: Any) -> Iterator[int]:
    """Every member count anywhere in a JSON answer."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in COUNTS and isinstance(value, int) and not isinstance(value, bool):
                yield value
            else:
                yield from _counts(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _counts(item)


def _published(client: TestClient, pos_ids: list[int]) -> list[int]:
    """The member counts of every route that publishes some, for one caisse."""
    gets: list[tuple[str, dict[str, Any]]] = [
        ("/api/budget", {}), ("/api/flows/heatmap", {"period": "2025"}),
        ("/api/flows/heatmap", {"period": "2025-03"}), ("/api/flows/spend", {"year": "2025"}),
        ("/api/flows/lines", {"year": "2025"}),
        ("/api/flows/lines", {"year": "2025", "by": "point_of_sale"}),
        ("/api/flows/summary", {"period": "2025"}), ("/api/flows/summary", {"period": "2025-06"}),
        ("/api/enrolment/coverage", {}), ("/api/enrolment/coverage/areas", {}),
        ("/api/committee/composition", {"on": "2025-12-31"}),
        ("/api/targeting", {"k": 3, "mode": "interactive"}),
    ]
    gets += [("/api/flows/basin", {"year": "2025", "point_of_sale_id": p}) for p in pos_ids]
    gets += [(f"/api/points-of-sale/{p}/demand", {"year": "2025"}) for p in pos_ids]
    found: list[int] = []
    for url, params in gets:
        r = client.get(url, params=params, headers=AUTH)
        for _ in range(12):  # a targeting over its budget: asked again as its answer says
            if r.status_code != 503 or r.json().get("error") != "StillComputingError":
                break
            time.sleep(float(r.headers["Retry-After"]))
            r = client.get(url, params=params, headers=AUTH)
        assert r.status_code == 200, (url, r.text)
        found += list(_counts(r.json()))
    return found


def _client(store: Store, cache_dir: Path, folder: Path | None) -> TestClient:
    territory = TerritorySettings(cache_dir=cache_dir) if folder is None else \
        TerritorySettings(territory_dir=folder, cache_dir=cache_dir)
    return TestClient(create_app(Settings(DatabaseSettings(database_url=store.url), territory,
                                          ApiSettings(coordinator_token=TOKEN))))


def test_a_raised_minimum_group_holds_on_every_route(store: Store, territory: Territory,
                                                     cache_dir: Path, tmp_path: Path) -> None:
    writer = writer_sessions(store.engine)
    sim = simulate_year(writer, territory, year=2025, members=150, seed=5)
    import_transactions(writer, sim.csv_bytes, source="synthetic.csv")
    for i in range(16):
        add_committee_seat(writer, joined_on=date(2025, 1, 1), in_poverty=i < 8)
    paid = queries.points_of_sale(store.sessions, PointOfSaleFilter(takes_mona=True)).items
    pos_ids = [int(p.id or 0) for p in paid[:6]]
    raised = variant(tmp_path / "k15", caisse={"min_members_per_cell": 15})
    with _client(store, cache_dir, raised) as c15:
        at_15 = _published(c15, pos_ids)
    with _client(store, cache_dir, None) as c11:
        at_11 = _published(c11, pos_ids)
    assert len(at_15) > 50
    assert [n for n in at_15 if 0 < n < 15] == []
    # the same data at the default rule does publish groups of 11 to 14: the check above
    # would have seen a suppression still reading 11
    assert any(11 <= n < 15 for n in at_11)
    assert [n for n in at_11 if 0 < n < 11] == []


def test_the_budget_withholds_head_counts_below_the_raised_group(
        store: Store, territory: Territory, cache_dir: Path, tmp_path: Path) -> None:
    writer = writer_sessions(store.engine)
    members = register_members(writer, [{"joined_on": date(2026, 1, 1)} for _ in range(13)])
    for m in members:
        record_contribution(writer, territory, member_id=m.id, amount_eur="10", month="2026-01")
    raised = variant(tmp_path / "k15", caisse={"min_members_per_cell": 15})
    with _client(store, cache_dir, raised) as c15:
        at_15 = c15.get("/api/budget", headers=AUTH).json()
    with _client(store, cache_dir, None) as c11:
        at_11 = c11.get("/api/budget", headers=AUTH).json()
    assert at_11["contributors"] == at_11["members_active"] == 13
    assert at_11["contributions_eur"] == "130.00" and at_11["min_members"] == 11
    assert at_15["contributors"] is None and at_15["members_active"] is None
    assert at_15["contributions_eur"] is None and at_15["min_members"] == 15
