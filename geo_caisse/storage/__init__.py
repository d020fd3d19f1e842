"""Storage: SQLAlchemy 2 + GeoAlchemy2 on SpatiaLite (embedded default) or PostGIS.

- ``engine``: the engine (SpatiaLite capability check, write sessions); ``migrate`` and
  ``migrations/``: the schema (Alembic), with the ledger's invariants held in the database
- ``models``: the tables; ``transaction``: commit, or name what the store refused
- repositories by area: ``layers`` (points of sale, markets, neighbourhoods), ``ledger``
  (accounts, events, transfers, codes)

Geometries are stored in WGS84 (SRID 4326) and converted to shapely objects at this
boundary; repositories never commit, the use cases do (one transaction each).
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
