"""Storage: SQLAlchemy 2 + GeoAlchemy2 on SpatiaLite (embedded default) or PostGIS.

Geometries are stored in WGS84 (SRID 4326) and converted to shapely objects at
this boundary; repositories never commit, services do.
"""

from geo_caisse.storage.engine import (
    backend_name,
    make_engine,
    session_factory,
    writer_sessions,
)
from geo_caisse.storage.migrate import current_revision, upgrade

__all__ = ["backend_name", "current_revision", "make_engine", "session_factory", "upgrade",
           "writer_sessions"]
