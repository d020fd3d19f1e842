"""The targeting answer: solve the instance, then say what each chosen place brings.

The answer is what a coordinator reads: the chosen sites in the order of what they add, the
people per term, the neighbourhoods and the Mona a stand there could bring to which
conventionnés, the covered cells as GeoJSON, and how the answer was obtained (exact or
interactive, bound and gap). A term the territory lacks the input for counts ``None`` people,
its reason in ``unavailable``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geo_caisse.core.errors import ValidationError
from geo_caisse.planning.mclp import Solution, solve_exact, solve_interactive
from geo_caisse.planning.recruitment import TERMS, RecruitmentInstance


def _per_term(rec: RecruitmentInstance, cells: Any) -> dict[str, int | None]:
    """People per term over ``cells``; None for a term the territory lacks the input for."""
    return {t: None if t in rec.missing else round(float(rec.terms[t][cells].sum()))
            for t in TERMS}


def explain(rec: RecruitmentInstance, solution: Solution, *, members_per_site: int,
            monthly_allocation_mona: float) -> list[dict[str, Any]]:
    """What each chosen site brings, in the order of what it adds (first come, first
    counted: a cell covered by two chosen sites is counted for the first)."""
    cover = rec.instance.cover
    indptr, indices = cover.indptr, cover.indices
    taken = np.zeros(rec.instance.n_cells, dtype=bool)
    order = sorted(solution.sites, key=lambda j: -float(
        rec.instance.weight[indices[indptr[j]:indptr[j + 1]]].sum()))
    out = []
    for j in order:
        cells = indices[indptr[j]:indptr[j + 1]]
        new = cells[~taken[cells]]
        taken[new] = True
        areas: dict[str, float] = {}
        for i in new:
            areas[rec.cell_area[i]] = areas.get(rec.cell_area[i], 0.0) + rec.cell_people[i]
        nearby = rec.site_conventionnes[j]
        mona = members_per_site * monthly_allocation_mona
        inv = np.array([1.0 / (1.0 + t) for _, t in nearby]) if nearby else np.zeros(0)
        share = inv / inv.sum() if inv.size else inv
        out.append({
            "site": {"kind": rec.site_kind[j], "id": int(rec.site_id[j]),
                     "name": rec.site_name[j], "lon": round(float(rec.site_lonlat[j, 0]), 6),
                     "lat": round(float(rec.site_lonlat[j, 1]), 6)},
            "value": round(float(rec.instance.weight[new].sum()), 1),
            "people_reached": round(float(rec.cell_people[new].sum())),
            "terms": _per_term(rec, new),
            "neighbourhoods": [c for c, _ in sorted(areas.items(), key=lambda kv: -kv[1])
                               if c][:4],
            "mona_per_month": {
                "assumed_new_members": members_per_site, "total": round(mona),
                "to": [{"id": int(rec.conv_id[c]), "name": rec.conv_name[c],
                        "walk_min": round(t, 1), "spare": round(float(rec.conv_spare[c]), 2),
                        "mona": round(mona * float(s))}
                       for (c, t), s in sorted(zip(nearby, share, strict=True),
                                               key=lambda p: -p[1])[:5]]},
        })
    return out


def target(rec: RecruitmentInstance, k: int, *, mode: str = "exact",
           members_per_site: int = 20, monthly_allocation_mona: float = 100.0
           ) -> dict[str, Any]:
    """Solve and explain: the chosen sites, the covered cells (GeoJSON, WGS84), the
    objective per term and how the answer was obtained."""
    from shapely.geometry import box, mapping

    from geo_caisse.core.crs import WGS84, reproject

    if mode not in ("exact", "interactive"):
        raise ValidationError(f"mode must be 'exact' or 'interactive', got {mode!r}")
    if isinstance(members_per_site, bool) or not 1 <= members_per_site <= 10_000:
        raise ValidationError("members_per_site must be between 1 and 10000")
    solution = (solve_exact(rec.instance, k) if mode == "exact"
                else solve_interactive(rec.instance, k))
    chosen = np.zeros(rec.instance.n_sites, dtype=bool)
    chosen[list(solution.sites)] = True
    covering = rec.instance.cover @ chosen.astype(np.int32)
    covered = np.flatnonzero(covering > 0)
    features = []
    size = rec.cell_size_m
    for i in covered:
        x0, y0 = float(rec.cell_x_m[i]), float(rec.cell_y_m[i])
        geom = reproject(box(x0, y0, x0 + size, y0 + size), rec.metric_crs, WGS84)
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": {
            "people": round(float(rec.cell_people[i])),
            "value": round(float(rec.instance.weight[i]), 1),
            **_per_term(rec, [i])}})
    return {
        "k": len(solution.sites), "reach_min": rec.reach_min, "method": solution.method,
        "objective": round(solution.objective, 1), "bound": round(solution.bound, 1),
        "gap": round(solution.gap, 4), "seconds": round(solution.seconds, 4),
        "notes": list(solution.notes), "coefficients": dict(rec.coefficients),
        "terms_covered": _per_term(rec, covered),
        "terms_total": _per_term(rec, slice(None)),
        "unavailable": dict(rec.missing),
        "instance": {"cells": rec.instance.n_cells, "sites": rec.instance.n_sites},
        "sites": explain(rec, solution, members_per_site=members_per_site,
                         monthly_allocation_mona=monthly_allocation_mona),
        "cells": {"type": "FeatureCollection", "features": features},
        "estimates": "people are census estimates spread over address points (see data/README)",
    }
