"""How the members mirror the territory, stratum by stratum, and where to mobilise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import ValidationError
from geo_caisse.core.privacy import check_min_members, suppress_table
from geo_caisse.core.strata import STRATA, stratum
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.strata import population_by_stratum, territory_strata
from geo_caisse.storage.models import (
    MemberRow,
    NeighbourhoodRow,
    VolunteerRow,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray


def _counts(session: Session, model: type[MemberRow] | type[VolunteerRow], status: str,
            codes: list[str]) -> NDArray[np.int64]:
    """members (or volunteers) per neighbourhood × stratum; last row: no/other neighbourhood"""
    index = {c: i for i, c in enumerate(codes)}
    table = np.zeros((len(codes) + 1, len(STRATA)), dtype=np.int64)
    col = {s: j for j, s in enumerate(STRATA)}
    query = (select(model.neighbourhood_code, model.income_quartile, model.age_band,
                    func.count()).where(model.status == status)
             .group_by(model.neighbourhood_code, model.income_quartile, model.age_band))
    for code, quartile, band, n in session.execute(query):
        if quartile is None or band is None:
            continue
        table[index.get(str(code), len(codes)), col[stratum(quartile, band)]] += int(n)
    return table


def coverage(sessions: sessionmaker[Session], territory: Territory, *,
             neighbourhoods: Sequence[str] | None = None, top_places: int = 5) -> dict[str, Any]:
    """How the members mirror the territory, stratum by stratum, and where to mobilise.

    For each stratum: its share of the adult population (estimate), the members' share,
    the volunteers waiting, and the seats it is short of a population-proportional
    membership. Under-represented strata list the neighbourhoods where most of their
    people live. Member and volunteer counts are cells of a neighbourhood × stratum table
    shown only at ``min_members_per_cell`` or more, with every published row and column
    keeping its hidden cells at 0 or at least that many (so no total minus shown cells
    gives a smaller group).
    """
    k = check_min_members(territory.caisse.min_members_per_cell)
    strata = territory_strata(territory)
    with sessions() as session:
        names = _names(session)
        codes = sorted(strata)
        members = _counts(session, MemberRow, "active", codes)
        waiting = _counts(session, VolunteerRow, "waiting", codes)
    population = population_by_stratum(strata, neighbourhoods)
    pop_total = sum(population.values())
    shown_m = suppress_table(members, min_members=k)
    shown_w = suppress_table(waiting, min_members=k)
    total_members = int(members.sum())
    # the stratum totals are a row whose total (all members) is published too
    totals_m, totals_w = members.sum(axis=0)[None, :], waiting.sum(axis=0)[None, :]
    show_total_m = suppress_table(totals_m, min_members=k)[0]
    show_total_w = suppress_table(totals_w, min_members=k)[0]
    strata_out = []
    for j, s in enumerate(STRATA):
        pop_share = population[s] / pop_total if pop_total else 0.0
        col_m = int(totals_m[0, j])
        target = pop_share * total_members
        short = max(0, round(target - col_m))
        entry: dict[str, Any] = {
            "stratum": s, "population_adults": round(population[s]),
            "population_share": round(pop_share, 4),
            "members": col_m if show_total_m[j] else None,
            "member_share": round(col_m / total_members, 4) if show_total_m[j] else None,
            "waiting": int(totals_w[0, j]) if show_total_w[j] else None,
            "under_represented": bool(col_m < target - 0.5),
            # seats short would give a hidden count back (target - short): hidden with it
            "seats_short": short if show_total_m[j] else None,
        }
        if entry["under_represented"]:
            places = _most_adults(strata, names, s, top=top_places, within=neighbourhoods)
            for place in places:
                r = codes.index(place["neighbourhood_code"])
                place["members"] = int(members[r, j]) if shown_m[r, j] else None
            entry["where_they_live"] = places
        strata_out.append(entry)
    # the members' and volunteers' totals are published, so each stratum's count hidden
    # above must not be recoverable from them: totals under k are hidden as well
    return {"min_members_per_cell": k, "members": total_members if total_members >= k else None,
            "waiting": int(waiting.sum()) if waiting.sum() >= k else None,
            "population_source": str(territory.strata_path.name if territory.strata_path
                                     else ""),
            "strata": strata_out,
            "hidden_member_cells": int(((members > 0) & ~shown_m).sum()),
            "hidden_waiting_cells": int(((waiting > 0) & ~shown_w).sum())}


def coverage_areas(sessions: sessionmaker[Session], territory: Territory) -> dict[str, Any]:
    """The map of strata coverage: each neighbourhood of the strata table with its adults
    in the strata the members under-represent (census estimates; which strata are
    under-represented is what :func:`coverage` publishes). No member count: a count per
    neighbourhood, nested with the heatmap's areas, could be subtracted from them."""
    from shapely.geometry import mapping

    from geo_caisse.storage.layers import NeighbourhoodRepository

    report = coverage(sessions, territory)
    under = [r["stratum"] for r in report["strata"] if r["under_represented"]]
    table = territory_strata(territory)
    with sessions() as session:
        rows = NeighbourhoodRepository(session).list().items
    features = []
    for n, geom in rows:
        if n.code not in table:
            continue
        row = table[n.code]
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": {
            "code": n.code, "name": n.name, "adults": round(sum(row.values())),
            "under_represented_adults": round(sum(row[s] for s in under)),
            "by_stratum": {s: round(row[s]) for s in under}}})
    return {"type": "FeatureCollection", "features": features, "under_represented": under,
            "source": "census estimates (data/montpellier/strata.csv)"}


def _names(session: Session) -> dict[str, str]:
    return {str(c): str(n) for c, n in session.execute(
        select(NeighbourhoodRow.code, NeighbourhoodRow.name))}


def _most_adults(strata: Mapping[str, Mapping[str, float]], names: Mapping[str, str],
                 stratum: str, *, top: int, within: Sequence[str] | None = None
                 ) -> list[dict[str, Any]]:
    """The ``top`` neighbourhoods (of ``within``, or all) with most adults of ``stratum``."""
    ranked = sorted(((row[stratum], code) for code, row in strata.items()
                     if within is None or code in within), reverse=True)
    return [{"neighbourhood_code": c, "name": names.get(c, c), "adults": round(a)}
            for a, c in ranked[:top]]


def places_to_mobilise(sessions: sessionmaker[Session], territory: Territory,
                       strata: Sequence[str], *, top: int = 5) -> dict[str, list[dict[str, Any]]]:
    """For each stratum, the neighbourhoods where most of its adults live (census estimates,
    no member count): where to look for the volunteers a draw was short of."""
    table = territory_strata(territory)
    with sessions() as session:
        names = _names(session)
    out = {}
    for code in strata:
        if code not in STRATA:
            raise ValidationError(f"unknown stratum {code!r}")
        out[code] = _most_adults(table, names, code, top=top)
    return out
