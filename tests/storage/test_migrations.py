"""The migrations build exactly the tables the models describe, on both backends."""

from __future__ import annotations

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
