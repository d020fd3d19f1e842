"""Settings, one class per concern, read from ``GEO_CAISSE_*`` environment variables.

Nothing here is read at import time: call :func:`load_settings` (or build the
classes yourself) where the settings are needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_TERRITORY_DIR = Path(__file__).resolve().parents[2] / "data" / "montpellier"

_PREFIX = SettingsConfigDict(env_prefix="GEO_CAISSE_", extra="ignore")


def default_database_url() -> str:
    """The embedded default: a SpatiaLite file under ``$XDG_DATA_HOME/geo_caisse``."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'geo_caisse' / 'geo_caisse.sqlite'}"


class DatabaseSettings(BaseSettings):
    """Where the store lives: ``sqlite:///file`` (SpatiaLite) or ``postgresql+psycopg://``."""

    model_config = _PREFIX

    database_url: str = Field(default_factory=default_database_url)
    spatialite_library: str = "mod_spatialite"
    echo_sql: bool = False
    #: how long a SpatiaLite writer waits for another's lock before the request answers 503
    sqlite_busy_timeout_s: float = Field(default=30.0, ge=0, le=600)

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme = value.split(":", 1)[0]
        if scheme not in ("sqlite", "postgresql", "postgresql+psycopg"):
            raise ValueError(
                "GEO_CAISSE_DATABASE_URL must start with sqlite:/// (SpatiaLite) or "
                f"postgresql+psycopg:// (PostGIS), got scheme {scheme!r}"
            )
        return value


def default_cache_dir() -> Path:
    """Built caches (walk network arrays, population points): ``$XDG_CACHE_HOME/geo_caisse``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "geo_caisse"


class TerritorySettings(BaseSettings):
    """Which territory the caisse covers: a folder with ``territory.toml`` and its data.

    ``cache_dir`` holds what is built from the territory's files (walk network arrays,
    population points), keyed by their content: deleting it only costs a rebuild.
    """

    model_config = _PREFIX

    territory_dir: Path = BUNDLED_TERRITORY_DIR
    cache_dir: Path = Field(default_factory=default_cache_dir)


class ApiSettings(BaseSettings):
    """The web service."""

    model_config = _PREFIX

    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # server processes (uvicorn workers), each with its own copy of the read-only caches
    workers: int = Field(default=1, ge=1, le=64)
    coordinator_token: SecretStr | None = None
    # every request body is capped as it arrives (declared or chunked): the imports at
    # max_upload_bytes, every other route at max_body_bytes
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=64 * 1024 * 1024)
    max_page_size: int = Field(default=1000, ge=1, le=10000)
    # heavy analyses (targeting, a producer's demand, printed maps) run on this many threads
    # at most, with at most heavy_queue waiting: the other routes keep their share of CPU
    heavy_workers: int = Field(default=1, ge=1, le=64)
    heavy_queue: int = Field(default=4, ge=0, le=1000)
    # a targeting request answers within this many seconds: the exact optimum when it is
    # found by then, else the interactive answer (labelled, the exact one still computed
    # for the next request) once the instance is built, else 503 with Retry-After
    targeting_budget_s: float = Field(default=5.0, ge=0.05, le=120)
    # a second after start-up, prepare the members' nearest-on-foot search (the first search
    # then answers in milliseconds, not a second) and read or cut the base map, on a
    # background thread; `geo-caisse serve` sets it
    warm_up: bool = False
    # signs access tokens; unset in development: a random secret per process
    jwt_secret: SecretStr | None = None
    token_ttl_min: float = Field(default=15.0, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _no_weak_secret_in_production(self) -> ApiSettings:
        token = self.coordinator_token.get_secret_value() if self.coordinator_token else ""
        if self.environment == "production" and len(token) < 24:
            raise ValueError(
                "GEO_CAISSE_COORDINATOR_TOKEN must be set to at least 24 characters "
                "when GEO_CAISSE_ENVIRONMENT=production"
            )
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if self.environment == "production" and len(secret) < 32:
            raise ValueError("GEO_CAISSE_JWT_SECRET must be set to at least 32 characters "
                             "when GEO_CAISSE_ENVIRONMENT=production")
        return self


class ThrottleSettings(BaseSettings):
    """How often one client (or one account) may call the routes open to abuse.

    A client is its address as the server sees it (behind a reverse proxy, the address it
    forwards: ``geo-caisse serve`` trusts ``X-Forwarded-For`` from 127.0.0.1 only).
    Counts are per process: two server processes each allow them.
    """

    model_config = SettingsConfigDict(env_prefix="GEO_CAISSE_THROTTLE_", extra="ignore")

    #: logins tried from one client, per minute (right or wrong)
    login_per_minute: int = Field(default=10, ge=1, le=10_000)
    #: wrong passwords for one account before each further one doubles its wait
    login_free_failures: int = Field(default=5, ge=1, le=1000)
    #: the first wait after them, and the longest, in seconds
    login_backoff_s: float = Field(default=2.0, gt=0, le=3600)
    login_backoff_max_s: float = Field(default=900.0, gt=0, le=24 * 3600)
    #: public forms, per client per hour: volunteering, suggesting a place
    volunteers_per_hour: int = Field(default=10, ge=1, le=100_000)
    suggestions_per_hour: int = Field(default=10, ge=1, le=100_000)
    #: invitation codes tried at /bienvenue, per client per hour (right or wrong)
    welcome_per_hour: int = Field(default=30, ge=1, le=100_000)
    #: the address search and the member map's questions, per client per minute
    search_per_minute: int = Field(default=60, ge=1, le=100_000)
    places_per_minute: int = Field(default=120, ge=1, le=100_000)

    def rate(self, name: str) -> tuple[int, float]:
        """The throttle ``name`` as (requests, per seconds): ``search`` reads
        ``search_per_minute``, ``volunteers`` ``volunteers_per_hour``."""
        for suffix, period_s in (("_per_minute", 60.0), ("_per_hour", 3600.0)):
            value = getattr(self, name + suffix, None)
            if isinstance(value, int):
                return value, period_s
        raise ValueError(f"no throttle named {name!r} in ThrottleSettings")


@dataclass(frozen=True)
class Settings:
    """All settings of one geo_caisse process."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    territory: TerritorySettings = field(default_factory=TerritorySettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)


def load_settings() -> Settings:
    """Read every settings class from the environment now."""
    return Settings(DatabaseSettings(), TerritorySettings(), ApiSettings(), ThrottleSettings())
