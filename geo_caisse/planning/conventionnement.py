"""What a conventionnement would change, for the committee reading a dossier.

For a place that does not yet take the MonA: the exact what-if of adding it (people and
low-income people brought within the desert threshold's walk, the food desert before and
after); for one that does: what ending its convention would change. Beside it, the people
and the members living within 5, 10 and 15 minutes' walk, members counted by whole areas of
at least the territory's minimum group (:func:`~geo_caisse.planning.demand.producer_demand`),
so no small group can be read off a dossier. Without income in the territory the low-income
figures are ``None`` and ``unavailable`` says why.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.layers.conventionnement import dossier_place
from geo_caisse.planning.demand import producer_demand
from geo_caisse.walk.missing import low_income_missing

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory
    from geo_caisse.mona.flows import MonaFlows
    from geo_caisse.walk.service import WalkingService


def dossier_effect(walking: WalkingService, sessions: sessionmaker[Session],
                   territory: Territory, dossier_id: int, *,
                   flows: MonaFlows | None = None) -> dict[str, Any]:
    """The what-if and the people and members nearby for one dossier's point of sale."""
    pos = dossier_place(sessions, dossier_id)
    assert pos.id is not None
    pos_id, takes = pos.id, pos.takes_mona
    threshold = territory.access.desert_threshold_min
    if takes:
        change = walking.what_if(sessions, remove_id=pos_id, threshold_min=threshold)
    else:
        change = walking.what_if(sessions, add_lon=pos.lon, add_lat=pos.lat,
                                 threshold_min=threshold)
    before = walking.deserts(sessions, threshold_min=threshold).totals
    desert_before = float(before["desert_population"])
    low_access_before = float(before["low_access_population"])
    desert_after = (desert_before - change.low_income_out_of_low_access
                    + change.low_income_into_low_access)
    low_access_after = (low_access_before - change.people_out_of_low_access
                        + change.people_into_low_access)
    demand = producer_demand(walking, sessions, territory, pos_id, flows=flows)
    # None: the territory holds no income, so no low-income person nor desert is counted
    no_income = low_income_missing(territory, walking.population)

    def low_income(value: float) -> float | None:
        return None if no_income else round(value, 1)

    return {
        "dossier_id": dossier_id, "point_of_sale_id": pos_id,
        "mode": "remove" if takes else "add",
        "status": pos.status.value, "threshold_min": threshold,
        "people_brought_within_reach": round(change.people_out_of_low_access, 1),
        "low_income_brought_within_reach": low_income(change.low_income_out_of_low_access),
        "people_put_out_of_reach": round(change.people_into_low_access, 1),
        "low_income_put_out_of_reach": low_income(change.low_income_into_low_access),
        "people_closer": round(change.people_closer, 1),
        "mean_change_min": round(change.mean_change_min, 2),
        "desert_before": None if math.isnan(desert_before) else round(desert_before, 1),
        "desert_after": None if math.isnan(desert_after) else round(desert_after, 1),
        "low_access_before": round(low_access_before, 1),
        "low_access_after": round(low_access_after, 1),
        "min_members": demand["min_members"],
        "bands": [{k: b[k] for k in ("minutes", "people", "low_income_people", "members")}
                  for b in demand["bands"]],
        "areas_withheld": demand["areas_withheld"],
        "unavailable": demand["unavailable"],
    }


__all__ = ["dossier_effect"]
