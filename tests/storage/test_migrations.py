"""The migrations build exactly the tables the models describe, on both backends."""

from __future__ import annotations

from dataclasses import replace

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo_caisse.storage.models import Base
from tests.utils.stores import Store

#: what each backend adds of its own (spatial metadata, PostGIS' topology and indexes)
IGNORED_TABLES = {"spatial_ref_sys", "geometry_columns", "spatial_ref_sys_aux",
                  "spatialite_history", "sql_statements_log", "views_geometry_columns",
                  "virts_geometry_columns", "geometry_columns_auth", "geometry_columns_time",
                  "geometry_columns_field_infos", "geometry_columns_statistics",
                  "views_geometry_columns_auth", "views_geometry_columns_field_infos",
                  "views_geometry_columns_statistics", "virts_geometry_columns_auth",
                  "virts_geometry_columns_field_infos", "virts_geometry_columns_statistics",
                  "ElementaryGeometries", "SpatialIndex", "KNN", "KNN2", "data_licenses",
                  "alembic_version", "layer", "topology"}


def _ignored(diff: tuple[object, ...]) -> bool:
    kind = diff[0]
    obj = diff[1] if len(diff) > 1 else None
    name = str(getattr(obj, "name", "") or "")
    table = getattr(obj, "table", None)
    if name in IGNORED_TABLES or name.startswith(("idx_", "sqlite_")) or (
            table is not None and str(table.name) in IGNORED_TABLES):
        return True
    # spatial indexes each backend makes its own way
    return kind in ("add_index", "remove_index") and "geom" in name


def test_models_match_the_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    flat = [d for d in diffs if not isinstance(d, list)] + [x for d in diffs
                                                            if isinstance(d, list) for x in d]
    left = [d for d in flat if not _ignored(d)]
    assert left == []


def _level_checks(store: Store) -> list[str]:
    from sqlalchemy import inspect

    with store.engine.connect() as conn:
        return [str(c["name"]) for c in inspect(conn).get_check_constraints("neighbourhood")]


def _schema_objects(store: Store) -> list[tuple[str, str]]:
    from sqlalchemy import inspect, text

    with store.engine.connect() as conn:
        found = [("index", str(i["name"])) for i in inspect(conn).get_indexes("neighbourhood")]
        found += [("unique", str(u["name"]))
                  for u in inspect(conn).get_unique_constraints("neighbourhood")]
        if store.backend == "spatialite":
            found += [("trigger", str(r[0])) for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'neighbourhood'"))]
    return sorted(found)


def test_0011_frees_the_level_and_keeps_the_rows(store: Store) -> None:
    """Migration 0011 on a store holding the territory: the CHECK on the level goes, every
    row, index, unique constraint and SpatiaLite trigger stays, a new level can be written
    and found by level and by bbox; going back refuses while a new level is stored."""
    import pytest

    from geo_caisse.storage.layers import NeighbourhoodRepository
    from geo_caisse.storage.migrate import downgrade, upgrade

    objects = _schema_objects(store)
    with store.sessions() as s:
        before = [(n.code, n.level) for n, _ in NeighbourhoodRepository(s).list().items]
    downgrade(store.engine, "0010")
    assert _level_checks(store) == ["ck_neighbourhood_ck_neighbourhood_level"]
    upgrade(store.engine)
    assert _level_checks(store) == []
    assert _schema_objects(store) == objects
    with store.sessions() as s:
        repo = NeighbourhoodRepository(s)
        items = repo.list().items
        assert [(n.code, n.level) for n, _ in items] == before
        renamed = [(replace(n, level="grand_quartier") if n.level == "quartier" else n, g)
                   for n, g in items]
        repo.replace_all(renamed)
        s.commit()
    with store.sessions() as s:
        repo = NeighbourhoodRepository(s)
        found = repo.list(level="grand_quartier")
        assert found.number_matched == 7
        _, geom = found.items[0]
        minx, miny, maxx, maxy = geom.bounds
        assert repo.list(level="grand_quartier",
                         bbox=(minx, miny, maxx, maxy)).number_matched >= 1
    with pytest.raises(RuntimeError, match=r"cannot go back before 0011: neighbourhoods of "
                       r"level\(s\) grand_quartier are not among commune, quartier"):
        downgrade(store.engine, "0010")
    assert _level_checks(store) == []
