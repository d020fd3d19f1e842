"""What a draw would do before it is held: the waiting volunteers by stratum (under the
minimum group) and the quotas the territory's population gives for a number of seats.

The volunteers' counts are a row of the 12 strata whose total is published: a stratum is
shown only with at least ``min_members_per_cell`` volunteers, and more strata are hidden
until the hidden ones together hold 0 or at least that many (so the total minus the shown
strata never gives a smaller group, :func:`geo_caisse.core.privacy.suppress_table`). The
total itself is shown only when it reaches the minimum group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import ValidationError
from geo_caisse.core.privacy import check_min_members, suppress_table
from geo_caisse.core.strata import STRATA, stratum
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.strata import (
    population_by_stratum,
    population_quotas,
    territory_strata,
)
from geo_caisse.storage.models import VolunteerRow


@dataclass(frozen=True)
class StratumPlan:
    """One stratum of the planned draw."""

    stratum: str
    population_share: float      # of the territory's adults (census estimate)
    quota: int                   # seats for this stratum
    waiting: int | None          # volunteers waiting, None when hidden
    fewer_than_minimum: bool     # hidden because fewer than the minimum group wait
    enough: bool | None          # at least ``quota`` wait (None when hidden)


@dataclass(frozen=True)
class DrawPlan:
    """The quotas a draw of ``seats`` would follow and who waits for it."""

    seats: int
    min_members_per_cell: int
    waiting: int | None          # every waiting volunteer, None under the minimum group
    strata: list[StratumPlan]


def draw_plan(sessions: sessionmaker[Session], territory: Territory, *, seats: int,
              neighbourhoods: Sequence[str] | None = None) -> DrawPlan:
    """The population quotas for ``seats`` and the waiting volunteers of each stratum
    (over ``neighbourhoods`` when the caisse recruits there only), as a draw held now
    would use them."""
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= 100_000:
        raise ValidationError(f"seats must be an integer in 1-100000, got {seats!r}")
    k = check_min_members(territory.caisse.min_members_per_cell)
    table = territory_strata(territory)
    quotas = population_quotas(table, seats, neighbourhoods=neighbourhoods)["stratum"]
    population = population_by_stratum(table, neighbourhoods)
    total_pop = sum(population.values())
    counts = np.zeros((1, len(STRATA)), dtype=np.int64)
    column = {s: j for j, s in enumerate(STRATA)}
    query = (select(VolunteerRow.income_quartile, VolunteerRow.age_band, func.count())
             .where(VolunteerRow.status == "waiting")
             .group_by(VolunteerRow.income_quartile, VolunteerRow.age_band))
    if neighbourhoods is not None:
        query = query.where(VolunteerRow.neighbourhood_code.in_(list(neighbourhoods)))
    with sessions() as session:
        for quartile, band, n in session.execute(query):
            counts[0, column[stratum(quartile, band)]] += int(n)
    # one row (its total published); each column is one cell, whose total is itself
    shown = suppress_table(counts, min_members=k,
                           col_published=np.zeros(len(STRATA), dtype=bool))[0]
    out = []
    for j, code in enumerate(STRATA):
        n, quota = int(counts[0, j]), quotas[code][0]
        out.append(StratumPlan(
            stratum=code, population_share=round(population[code] / total_pop, 4)
            if total_pop else 0.0, quota=quota, waiting=n if shown[j] else None,
            fewer_than_minimum=n < k, enough=n >= quota if shown[j] else None))
    total = int(counts.sum())
    return DrawPlan(seats, k, total if total >= k else None, out)
