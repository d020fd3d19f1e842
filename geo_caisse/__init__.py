"""geo_caisse: the map that runs a Caisse Alimentaire Commune (Sécurité Sociale de l'Alimentation).

The library is laid out as the caisse is, each subpackage a concern, dependencies flowing
one way (``lint-imports`` holds the order; higher may import lower, never the reverse)::

    cli         the ``geo-caisse`` command, one module per area
    planning    where to recruit (MCLP solver, its geographic adapter, explanations),
                producers' demand
    enrolment   the public draw, strata, volunteers, the held draw, exits, coverage,
                the committee
    mona        money and accounts, payments and codes, statements and budget, the flows
                pass and its publications, the transaction import, the simulator
    walk | layers | auth
                walking access (network, kernels, population, deserts, what-if, printable
                maps, the walking service) | points of sale and markets, the address search
                | logins, roles, tokens
    io | storage
                files in and out (formats, GDAL worker, readers, validation, writers) |
                the database (engine, migrations, models, repositories by area)
    core        errors, settings, CRS, domain, opening hours, territory, privacy,
                straight-line proximity, home cells, strata, progress

The web app (``api``) and the map builders (``maps``) use the library, never the reverse.
"""

import gc as _gc
import os as _os

# A worker process of `geo-caisse serve --workers N` is a fresh interpreter that imports
# all of this again: the collector is paused for those imports, as `serve` pauses it in
# its own process (a third of the import time), and the app's lifespan resumes it
# (api.main). The variable is taken here, so that what the worker starts in turn (its
# GDAL processes) collects as usual.
if _os.environ.pop("GEO_CAISSE_SERVE_WORKER_IMPORTS", None) == "1":
    _gc.disable()

from geo_caisse._version import __version__
from geo_caisse.core.domain import (
    Market,
    MarketKind,
    Neighbourhood,
    PointOfSale,
    PointOfSaleKind,
    Status,
    Wheelchair,
)
from geo_caisse.core.errors import (
    AuthError,
    ConflictError,
    CRSError,
    DataError,
    ForbiddenError,
    GeoCaisseError,
    IdempotencyConflictError,
    ImportFileError,
    LedgerError,
    NotFoundError,
    OutOfTerritoryError,
    PaymentRefusedError,
    Problem,
    SpatialiteUnavailableError,
    StorageError,
    ValidationError,
)
from geo_caisse.core.levels import Level
from geo_caisse.core.settings import Settings, load_settings
from geo_caisse.core.territory import Territory

__all__ = [
    "AuthError",
    "CRSError",
    "ConflictError",
    "DataError",
    "ForbiddenError",
    "GeoCaisseError",
    "IdempotencyConflictError",
    "ImportFileError",
    "LedgerError",
    "Level",
    "Market",
    "MarketKind",
    "Neighbourhood",
    "NotFoundError",
    "OutOfTerritoryError",
    "PaymentRefusedError",
    "PointOfSale",
    "PointOfSaleKind",
    "Problem",
    "Settings",
    "SpatialiteUnavailableError",
    "Status",
    "StorageError",
    "Territory",
    "ValidationError",
    "Wheelchair",
    "__version__",
    "load_settings",
]
