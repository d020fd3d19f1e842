"""Why a low-income figure is unknown: the territory holds no income (or benefit) data at its
``[population] level``. Every answer that counts low-income people gives ``None`` then, with
this reason beside it, never a silent 0."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory
    from geo_caisse.walk.population import Population


def low_income_missing(territory: Territory, population: Population) -> str | None:
    """``None`` when low-income people can be counted, else the reason: the missing field,
    the level it is read at and how to add it."""
    if population.low_income_available:
        return None
    level = territory.population.level if territory.population is not None else "population"
    key = ("benefit_dependent_share" if territory.access.low_income == "benefit_share"
           else "median_income_uc_eur")
    return (f"territory {territory.code} holds no {key} for its {level} neighbourhoods "
            "(the [population] level): low-income people cannot be counted; add "
            f"{key} to the {level} features of neighbourhoods.geojson (docs/territory.md)")


__all__ = ["low_income_missing"]
