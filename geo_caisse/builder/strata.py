"""ESTIMATED adults per neighbourhood in each of the draw's 12 strata (territory income
quartile × age band), from the tables INSEE publishes: adults by age band by IRIS or commune
(recensement, ``P19_POP1824``…) and the distribution of income per consumption unit by IRIS
or commune (Filosofi deciles ``DISP_D119``… or quartiles, with the median).

- A neighbourhood's share of persons below an income is read off a piecewise-linear
  distribution through its own published deciles/quartiles (:func:`income_cdf`).
- The territory's quartiles are those of the population-weighted mixture of these
  distributions (:func:`mixture_quantile`).
- Income and age are taken as independent inside a neighbourhood (INSEE publishes no joint
  table), so a stratum's adults there are adults × income share × age share.

Montpellier's ``data/prepare_montpellier.py strata()`` uses the same distribution; the
builder writes ``strata.csv`` with a comment saying how it was estimated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from geo_caisse.builder.sources import number, read_table
from geo_caisse.core.errors import DataError
from geo_caisse.core.strata import AGE_BANDS, STRATA

#: INSEE's age columns (``P19_POP1824``): the share of each falling in each band, ages spread
#: evenly inside a column (25-39: 5 of 15 years under 30)
AGE_COLUMNS: dict[str, dict[str, float]] = {
    "1824": {"<30": 1.0}, "2539": {"<30": 5 / 15, "30-60": 10 / 15}, "4054": {"30-60": 1.0},
    "5564": {"30-60": 5 / 10, ">60": 5 / 10}, "6579": {">60": 1.0}, "80P": {">60": 1.0},
}
#: the other breakdown INSEE publishes (15-29, 30-44…): 18-29 is 12 of 15 years of 15-29
AGE_COLUMNS_ALT: dict[str, dict[str, float]] = {
    "1529": {"<30": 12 / 15}, "3044": {"30-60": 1.0}, "4559": {"30-60": 1.0},
    "6074": {">60": 1.0}, "75P": {">60": 1.0},
}
#: Filosofi's distribution columns (``DISP_D119``, ``DISP_Q119``, ``DISP_MED19``…) and the
#: cumulative share of persons each marks
POINTS = {"D1": 0.1, "D2": 0.2, "Q1": 0.25, "D3": 0.3, "D4": 0.4, "MED": 0.5, "D6": 0.6,
          "D7": 0.7, "Q3": 0.75, "D8": 0.8, "D9": 0.9}


def income_cdf(points: Sequence[tuple[float, float]], threshold: float) -> float:
    """Share of persons below ``threshold`` given (income, cumulative share) points: linear
    between the published deciles/quartiles, from (0, 0) below the first and along the last
    segment's slope above the last (capped at 1).

    >>> income_cdf([(10_000, 0.25), (15_000, 0.5), (22_000, 0.75)], 12_500)
    0.375
    """
    pts = [(0.0, 0.0), *sorted(points)]
    for (x0, f0), (x1, f1) in itertools.pairwise(pts):
        if threshold <= x1:
            return f0 + (f1 - f0) * (threshold - x0) / (x1 - x0) if x1 > x0 else f1
    (x0, f0), (x1, f1) = pts[-2], pts[-1]
    return min(1.0, f1 + (f1 - f0) * (threshold - x1) / (x1 - x0)) if x1 > x0 else 1.0


def quartile_shares(points: Sequence[tuple[float, float]], thresholds: Sequence[float]
                    ) -> tuple[float, float, float, float]:
    """Shares of persons in each of the four quartiles cut at ``thresholds`` (Q1, Q2, Q3)."""
    below = [income_cdf(points, t) for t in thresholds]
    cuts = [0.0, *below, 1.0]
    s = [max(0.0, cuts[q] - cuts[q - 1]) for q in (1, 2, 3, 4)]
    total = sum(s) or 1.0
    return (s[0] / total, s[1] / total, s[2] / total, s[3] / total)


def mixture_quantile(distributions: Sequence[tuple[float, Sequence[tuple[float, float]]]],
                     share: float) -> float:
    """The income below which ``share`` of all persons live, over neighbourhoods given as
    (persons, distribution points): the bisection of the mixture's distribution."""
    persons = sum(w for w, _ in distributions)
    if persons <= 0:
        raise DataError("no person in the income table's neighbourhoods")
    low, high = 0.0, max(x for _, pts in distributions for x, _ in pts) * 4
    for _ in range(80):
        mid = (low + high) / 2
        below = sum(w * income_cdf(pts, mid) for w, pts in distributions) / persons
        low, high = (mid, high) if below < share else (low, mid)
    return (low + high) / 2


def read_distributions(path: Path) -> dict[str, list[tuple[float, float]]]:
    """Filosofi's published points of the income distribution by IRIS or commune code (at
    least three of D1…D9, Q1, MED, Q3); codes with fewer (INSEE's secret) are left out."""
    header, rows = read_table(path)
    code = next((c for c in ("IRIS", "CODGEO", "codgeo", "COM", "code") if c in header), None)
    if code is None:
        raise DataError(f"{path}: no IRIS or CODGEO column; its columns are {', '.join(header)}")
    cols: dict[str, float] = {}
    for c in header:
        m = re.fullmatch(r"(?:DISP_|DEC_)?(D[1-9]|Q[13]|MED)(\d{2})", c, re.I)
        if m and m.group(1).upper() in POINTS:
            cols[c] = POINTS[m.group(1).upper()]
    out = {}
    for row in rows:
        pts = [(v, f) for c, f in cols.items() if (v := number(row.get(c, ""))) is not None]
        if len(pts) >= 3 and row.get(code):
            out[row[code]] = sorted(pts)
    return out


def read_adults_by_band(path: Path) -> dict[str, dict[str, float]]:
    """Adults by age band (``<30``, ``30-60``, ``>60``) by IRIS or commune code, from an
    INSEE population table by age (``P19_POP1824``… or ``P19_POP1529``…)."""
    header, rows = read_table(path)
    code = next((c for c in ("IRIS", "CODGEO", "codgeo", "COM", "code") if c in header), None)
    if code is None:
        raise DataError(f"{path}: no IRIS or CODGEO column; its columns are {', '.join(header)}")
    for table in (AGE_COLUMNS, AGE_COLUMNS_ALT):
        found = {}
        for c in header:
            m = re.fullmatch(r"P\d{2}_POP(\w+)", c, re.I)
            if m and m.group(1).upper() in table:
                found[c] = table[m.group(1).upper()]
        if len(found) == len(table):
            break
    else:
        raise DataError(f"{path}: no INSEE age columns (P19_POP1824, P19_POP2539, … or "
                        f"P19_POP1529, …); its columns are {', '.join(header)}")
    out = {}
    for row in rows:
        bands: dict[str, float] = dict.fromkeys(AGE_BANDS, 0.0)
        for c, split in found.items():
            v = number(row.get(c, "")) or 0.0
            for band, part in split.items():
                bands[band] += v * part
        if row.get(code):
            out[row[code]] = bands
    return out


def estimate_strata(neighbourhoods: Mapping[str, tuple[float, str | None]],
                    adults: Mapping[str, Mapping[str, float]],
                    distributions: Mapping[str, Sequence[tuple[float, float]]],
                    ) -> tuple[dict[str, dict[str, int]], tuple[float, float, float], list[str]]:
    """Adults per neighbourhood and stratum.

    ``neighbourhoods``: code -> (population, parent code) of the level the strata are for;
    ``adults`` and ``distributions`` are by code of that level or of the parent (a
    neighbourhood without its own takes its parent's shares). Returns the table, the
    territory's income quartile thresholds and what was estimated from a parent."""
    from_parent: list[str] = []

    def own_or_parent(code: str, parent: str | None, table: Mapping[str, object]) -> str | None:
        if code in table:
            return code
        if parent is not None and parent in table:
            from_parent.append(code)
            return parent
        return None

    weighted = []
    for code, (population, parent) in neighbourhoods.items():
        key = own_or_parent(code, parent, distributions)
        if key is not None and population > 0:
            weighted.append((population, distributions[key]))
    if not weighted:
        raise DataError("no neighbourhood has an income distribution: strata need Filosofi's "
                        "deciles or quartiles by IRIS or commune")
    q1, q2, q3 = (mixture_quantile(weighted, s) for s in (0.25, 0.5, 0.75))
    mean_shares = [sum(w * quartile_shares(p, (q1, q2, q3))[i] for w, p in weighted)
                   / sum(w for w, _ in weighted) for i in range(4)]
    out: dict[str, dict[str, int]] = {}
    for code, (population, parent) in neighbourhoods.items():
        key = own_or_parent(code, parent, adults)
        if key is None or population <= 0:
            continue
        bands = adults[key]
        # a parent's adults are shared among its parts by their populations
        scale = 1.0 if key == code else population / _population_of(key, neighbourhoods,
                                                                    population)
        inc_key = own_or_parent(code, parent, distributions)
        shares = (quartile_shares(distributions[inc_key], (q1, q2, q3)) if inc_key
                  else tuple(mean_shares))
        out[code] = {s: round(bands[s.split("|")[1]] * scale * shares[int(s[1]) - 1])
                     for s in STRATA}
    return out, (q1, q2, q3), sorted(set(from_parent))


def _population_of(key: str, neighbourhoods: Mapping[str, tuple[float, str | None]],
                   population: float) -> float:
    """The population of ``key`` (a parent) as the sum of its children's."""
    total = sum(p for p, par in neighbourhoods.values() if par == key)
    return total or population
