"""What every command opens: the settings, the store and the territory."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from geo_caisse.core.errors import ValidationError
from geo_caisse.core.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.core.territory import Territory
    from geo_caisse.walk.service import WalkingService

    #: what each area's ``register(sub)`` receives
    Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]



def context() -> tuple[Engine, sessionmaker[Session], Territory]:
    """The store's engine and sessions, and the territory, from the environment."""
    from geo_caisse.core.territory import Territory
    from geo_caisse.storage import make_engine, session_factory

    settings = load_settings()
    engine = make_engine(settings.database)
    return engine, session_factory(engine), Territory.from_dir(settings.territory.territory_dir)


def walking_service(territory: Territory) -> WalkingService:
    """The territory's walking analysis, its caches built on first use (progress on stderr)."""
    from geo_caisse.core.progress import to_stderr
    from geo_caisse.walk.service import WalkingService

    return WalkingService.load(territory, cache_dir=load_settings().territory.cache_dir,
                               progress=to_stderr)


def pairs(values: Sequence[str] | None, what: str) -> dict[str, str]:
    """``name=value`` options as a dict, or raise naming the option."""
    out = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValidationError(f"{what} must look like name=value, got {item!r}")
        out[key] = value
    return out


