"""geo_caisse: the map that runs a Caisse Alimentaire Commune (Sécurité Sociale de l'Alimentation).

The library holds the domain, the spatial core and the store; the web app (``api``)
and the map builders (``maps``) use it, never the reverse.
"""

from geo_caisse._errors import (
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
from geo_caisse.domain import (
    Market,
    MarketKind,
    Neighbourhood,
    NeighbourhoodLevel,
    PointOfSale,
    PointOfSaleKind,
    Status,
    Wheelchair,
)
from geo_caisse.settings import Settings, load_settings
from geo_caisse.territory import Territory

__version__ = "0.1.0"

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
    "Market",
    "MarketKind",
    "Neighbourhood",
    "NeighbourhoodLevel",
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
    "load_settings",
]
