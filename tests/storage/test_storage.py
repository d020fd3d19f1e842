"""The store on both backends: bundled data, filters, constraints, all-or-nothing imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from geo_caisse import (
    ImportFileError,
    PointOfSaleKind,
    Status,
    ValidationError,
)
from geo_caisse.core.territory import Territory
from geo_caisse.layers.loading import import_layer
from geo_caisse.layers.nearest import nearest_conventionnes
from geo_caisse.layers.status import set_status
from geo_caisse.storage.layers import (
    MarketFilter,
    MarketRepository,
    NeighbourhoodRepository,
    PointOfSaleFilter,
    PointOfSaleRepository,
)
from geo_caisse.storage.migrate import current_revision
from geo_caisse.storage.models import PointOfSaleRow
from tests.utils.stores import Store

MIGRATIONS = Path(__file__).resolve().parents[2] / "geo_caisse/storage/migrations/versions"


def snapshot(store: Store) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT ref, name, status, accepts_mona, categories FROM point_of_sale ORDER BY ref"))]


def test_bundled_data_loaded(store: Store) -> None:
    migrations = sorted(p.name for p in MIGRATIONS.glob("0*.py"))
    assert current_revision(store.engine) == migrations[-1][:4]   # migrated to the last
    with store.sessions() as s:
        pos = PointOfSaleRepository(s)
        assert pos.list().number_matched == 529
        conv = pos.list(PointOfSaleFilter(statuses=[Status.CONVENTIONNE])).items
        names = {p.name for p in conv}
        assert "La Cagette" in names
        cagette = next(p for p in conv if p.name == "La Cagette")
        assert cagette.kind is PointOfSaleKind.COOPERATIVE and cagette.accepts_mona
        markets = MarketRepository(s).list().items
        assert len(markets) == 18
        celleneuve = next(m for m in markets if m.ref == "celleneuve")
        assert celleneuve.conventionne_stall_count >= 1
        assert celleneuve.visibility == pytest.approx(1 / 3)
        sq = NeighbourhoodRepository(s).list(level="sous_quartier")
        assert sq.number_matched == 31
        assert all(n.population and n.population > 0 for n, _ in sq.items)


def test_filters_agree_with_python(store: Store) -> None:
    bbox = (3.86, 43.60, 3.89, 43.62)
    with store.sessions() as s:
        repo = PointOfSaleRepository(s)
        every = repo.list().items
        in_box = repo.list(PointOfSaleFilter(bbox=bbox)).items
        expected = {p.ref for p in every
                    if bbox[0] <= p.lon <= bbox[2] and bbox[1] <= p.lat <= bbox[3]}
        assert {p.ref for p in in_box} == expected and expected
        bakeries = repo.list(PointOfSaleFilter(category="bakery")).items
        assert {p.ref for p in bakeries} == {p.ref for p in every if "bakery" in p.categories}
        wednesday = repo.list(PointOfSaleFilter(open_on="We")).items
        assert wednesday and all(p.opening_hours for p in wednesday)
        page1 = repo.list(limit=50, offset=0)
        page2 = repo.list(limit=50, offset=50)
        assert page1.number_matched == 529
        assert not {p.ref for p in page1.items} & {p.ref for p in page2.items}
        sunday = MarketRepository(s).list(MarketFilter(open_on="Su")).items
        assert "mosson" in {m.ref for m in sunday}
        assert "arceaux" not in {m.ref for m in sunday}


def test_database_refuses_mona_without_conventionnement(store: Store) -> None:
    with store.sessions() as s:
        row = s.scalars(select(PointOfSaleRow).where(PointOfSaleRow.status == "candidate")
                        .limit(1)).one()
        row.accepts_mona = True
        with pytest.raises(IntegrityError):
            s.flush()


def test_set_status(store: Store) -> None:
    with store.sessions() as s:
        cand = PointOfSaleRepository(s).list(
            PointOfSaleFilter(statuses=[Status.CANDIDATE]), limit=1).items[0]
    assert cand.id is not None
    pos = set_status(store.sessions, cand.id, Status.CONVENTIONNE)
    assert pos.status is Status.CONVENTIONNE and pos.accepts_mona
    pos = set_status(store.sessions, cand.id, Status.SUSPENDED)
    assert pos.accepts_mona is False
    with pytest.raises(ValidationError, match="only possible when status is conventionne"):
        set_status(store.sessions, cand.id, Status.SUSPENDED, accepts_mona=True)


def _fc(features: list[dict[str, object]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _feat(ref: str, lon: float, lat: float, **props: object) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"ref": ref, "name": f"Test {ref}", "kind": "shop", **props}}


def test_bad_import_leaves_store_unchanged(store: Store, territory: Territory,
                                           tmp_path: Path) -> None:
    before = snapshot(store)
    existing = before[0][0]
    good = [_feat(f"new-{i}", 3.87 + i / 1000, 43.61) for i in range(10)]
    bad = _feat("broken", 3.88, float("nan"))
    update = _feat(str(existing), 3.88, 43.61, status="suspended")
    path = tmp_path / "mixed.geojson"
    path.write_text(_fc([update, *good, bad]).replace("NaN", "NaN"))
    with pytest.raises(ImportFileError, match="row 12"):
        import_layer(store.sessions, territory, path, "points_of_sale")
    assert snapshot(store) == before


def test_import_failing_in_database_rolls_back(store: Store, territory: Territory,
                                               tmp_path: Path) -> None:
    before = snapshot(store)
    path = tmp_path / "stall.geojson"
    path.write_text(_fc([_feat("ok-1", 3.87, 43.61),
                         _feat("stall-x", 3.87, 43.61, kind="market_stall",
                               market_ref="no-such-market")]))
    with pytest.raises(ValidationError, match="unknown market_ref"):
        import_layer(store.sessions, territory, path, "points_of_sale")
    assert snapshot(store) == before


def test_import_upserts_by_ref(store: Store, territory: Territory, tmp_path: Path) -> None:
    existing = snapshot(store)[0][0]
    path = tmp_path / "ok.geojson"
    path.write_text(_fc([_feat(str(existing), 3.88, 43.61, status="conventionne"),
                         _feat("brand-new", 3.87, 43.60, categories="bakery;organic")]))
    result = import_layer(store.sessions, territory, path, "points_of_sale")
    assert (result.inserted, result.updated) == (1, 1)
    with store.sessions() as s:
        repo = PointOfSaleRepository(s)
        assert repo.get_by_ref(str(existing)).status is Status.CONVENTIONNE
        assert repo.get_by_ref("brand-new").categories == ("bakery", "organic")
        assert s.scalar(select(func.count()).select_from(PointOfSaleRow)) == 530


def test_nearest_conventionnes(store: Store, territory: Territory) -> None:
    found = nearest_conventionnes(store.sessions, territory, lon=3.87326, lat=43.60396,
                                           n=3)
    assert found[0].point_of_sale.name == "La Cagette"
    assert found[0].distance_m < 1
    assert [r.distance_m for r in found] == sorted(r.distance_m for r in found)
    assert all(r.point_of_sale.accepts_mona for r in found)
