"""The public, seeded, stratified draw of new members from a volunteer list (pure: no store).

Quotas are given per feature and value (``{"stratum": {"Q1|<30": (3, 3), …},
"channel": {"referral": (5, 20)}}``), each ``(minimum, maximum)`` seats. With the 12
income × age strata alone, each volunteer of a stratum is drawn with the same probability
(its quota over its volunteers). With several features at once the draw is *maximin*:
a lottery over panels that meet every quota, chosen to make the smallest selection
probability of any volunteer as large as possible (Flanigan et al., Nature 2021; the
``sortition-algorithms`` package and the Decidim/gencat module do the same), found by
column generation with HiGHS (``scipy.optimize.linprog`` / ``milp``). Each volunteer's
probability is published with the result.

The draw is reproducible: anyone holding the volunteer list, its published SHA-256 and the
seed re-runs :func:`draw` and must get the same panel (:func:`verify`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from geo_caisse.core.errors import ValidationError
from geo_caisse.core.strata import AGE_BANDS, INCOME_QUARTILES, STRATA, stratum

Quotas = Mapping[str, Mapping[str, tuple[int, int]]]


@dataclass(frozen=True)
class Volunteer:
    """One volunteer as the draw sees them (no name: a reference the enrolment team holds)."""

    ref: str
    income_quartile: int
    age_band: str
    neighbourhood_code: str = ""
    channel: str = "open_call"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def stratum(self) -> str:
        return stratum(self.income_quartile, self.age_band)

    def feature(self, name: str) -> str:
        if name == "stratum":
            return self.stratum
        if name in ("income_quartile", "age_band", "neighbourhood_code", "channel"):
            return str(getattr(self, name))
        return str(self.extra.get(name, ""))


def check_volunteers(volunteers: Sequence[Volunteer]) -> None:
    """Raise naming every bad volunteer (duplicate ref, unknown quartile or age band)."""
    problems = []
    seen: set[str] = set()
    for v in volunteers:
        if not v.ref or v.ref in seen:
            problems.append(f"{v.ref!r}: empty or duplicate ref")
        seen.add(v.ref)
        if v.income_quartile not in INCOME_QUARTILES:
            problems.append(f"{v.ref}: income_quartile must be 1-4, got {v.income_quartile!r}")
        if v.age_band not in AGE_BANDS:
            problems.append(f"{v.ref}: age_band must be one of {', '.join(AGE_BANDS)}, "
                            f"got {v.age_band!r}")
    if problems:
        raise ValidationError("; ".join(problems[:20]))


def list_hash(volunteers: Sequence[Volunteer]) -> str:
    """SHA-256 of the canonical volunteer list (sorted by ref), the hash to publish."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for v in sorted(volunteers, key=lambda v: v.ref):
        writer.writerow([v.ref, v.income_quartile, v.age_band, v.neighbourhood_code, v.channel,
                         *(f"{k}={v.extra[k]}" for k in sorted(v.extra))])
    return hashlib.sha256(out.getvalue().encode()).hexdigest()


def volunteers_csv(volunteers: Sequence[Volunteer]) -> str:
    """The volunteer list as given to observers (sorted by ref; :func:`read_volunteers`
    reads it back to the same volunteers, hence the same :func:`list_hash`)."""
    extras = sorted({k for v in volunteers for k in v.extra})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ref", "income_quartile", "age_band", "neighbourhood_code", "channel",
                     *extras])
    for v in sorted(volunteers, key=lambda v: v.ref):
        writer.writerow([v.ref, v.income_quartile, v.age_band, v.neighbourhood_code, v.channel,
                         *(v.extra.get(k, "") for k in extras)])
    return out.getvalue()


def waiting_order(volunteers: Sequence[Volunteer], selected: Sequence[str], *,
                  seed: int) -> dict[str, int]:
    """The waiting list: each stratum's volunteers not drawn, in a random order derived from
    the draw's seed (rank 1 is called first when a member of that stratum leaves)."""
    chosen = set(selected)
    rng = np.random.default_rng([seed, 1])  # a stream separate from the draw's
    ranks: dict[str, int] = {}
    for code in STRATA:
        refs = sorted(v.ref for v in volunteers if v.stratum == code and v.ref not in chosen)
        for rank, i in enumerate(rng.permutation(len(refs)), start=1):
            ranks[refs[int(i)]] = rank
    return ranks


def proportional_quotas(shares: Mapping[str, float], seats: int) -> dict[str, tuple[int, int]]:
    """Exact seats per value from population shares (largest remainder), as (n, n)."""
    if seats < 1:
        raise ValidationError(f"seats must be at least 1, got {seats}")
    total = sum(shares.values())
    if total <= 0 or any(s < 0 for s in shares.values()):
        raise ValidationError("shares must be non-negative with a positive sum")
    exact = {k: seats * s / total for k, s in shares.items()}
    base = {k: int(np.floor(x)) for k, x in exact.items()}
    left = seats - sum(base.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - base[k]), k))[:left]:
        base[k] += 1
    return {k: (n, n) for k, n in base.items()}


@dataclass(frozen=True)
class DrawResult:
    """The drawn panel and everything needed to check it."""

    selected: tuple[str, ...]
    probability: dict[str, float]          # each volunteer's selection probability
    stratum_probability: dict[str, float]  # the smallest probability within each stratum
    shortfall: dict[str, dict[str, int]]   # feature → value → seats missing volunteers
    list_sha256: str
    seed: int
    method: str                            # "stratified" or "maximin"
    min_probability: float


def _matrix(volunteers: Sequence[Volunteer], quotas: Quotas, seats: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, dict[str, int]]]:
    """Rows of the constraint matrix: every (feature, value) quota and the panel size."""
    rows, lo, hi = [], [], []
    shortfall: dict[str, dict[str, int]] = {}
    for feature, values in quotas.items():
        for value, (qmin, qmax) in values.items():
            if qmin < 0 or qmax < qmin:
                raise ValidationError(f"quota {feature}={value}: ({qmin}, {qmax}) is not "
                                      "0 <= min <= max")
            member = np.array([v.feature(feature) == value for v in volunteers], dtype=float)
            available = int(member.sum())
            if available < qmin:
                shortfall.setdefault(feature, {})[value] = qmin - available
            rows.append(member)
            lo.append(min(qmin, available))
            hi.append(qmax)
    rows.append(np.ones(len(volunteers)))
    lo.append(seats)
    hi.append(seats)
    return np.array(rows), np.array(lo, float), np.array(hi, float), shortfall


def _best_panel(weights: np.ndarray, a: np.ndarray, lo: np.ndarray, hi: np.ndarray
                ) -> np.ndarray | None:
    from scipy.optimize import Bounds, LinearConstraint, milp  # at the draw, not at start-up

    n = weights.size
    res = milp(-weights, constraints=LinearConstraint(a, lo, hi), integrality=np.ones(n),
               bounds=Bounds(0, 1), options={"presolve": True})
    if res.status != 0 or res.x is None:
        return None
    panel: np.ndarray = np.round(res.x).astype(bool)
    return panel


def _maximin(a: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int,
             rng: np.random.Generator, max_rounds: int = 200
             ) -> tuple[list[np.ndarray], np.ndarray]:
    """Panels and their lottery weights maximising the smallest selection probability."""
    from scipy.optimize import linprog

    panels: list[np.ndarray] = []
    first = _best_panel(rng.random(n), a, lo, hi)
    if first is None:
        raise ValidationError("no panel meets every quota with these volunteers")
    panels.append(first)
    # make every volunteer who can be on some panel appear in one
    for i in range(n):
        if not any(p[i] for p in panels):
            w = rng.random(n) * 1e-3
            w[i] = 1.0
            p = _best_panel(w, a, lo, hi)
            if p is not None and p[i]:
                panels.append(p)
    coverable = np.any(panels, axis=0)
    idx = np.flatnonzero(coverable)
    for _ in range(max_rounds):
        m = len(panels)
        p_matrix = np.array(panels, dtype=float).T[idx]           # coverable × panels
        # minimise -z: z - P λ <= 0 for each coverable volunteer; Σ λ = 1
        c = np.zeros(m + 1)
        c[-1] = -1.0
        a_ub = np.hstack([-p_matrix, np.ones((idx.size, 1))])
        res = linprog(c, A_ub=a_ub, b_ub=np.zeros(idx.size),
                      A_eq=np.hstack([np.ones((1, m)), np.zeros((1, 1))]), b_eq=[1.0],
                      bounds=[(0, None)] * m + [(None, None)], method="highs")
        if res.status != 0:
            raise ValidationError(f"the maximin lottery could not be solved: {res.message}")
        z = -res.fun
        duals = np.maximum(0.0, -np.asarray(res.ineqlin.marginals))
        weights = np.zeros(n)
        weights[idx] = duals
        panel = _best_panel(weights, a, lo, hi)
        if panel is None or weights[panel].sum() <= z + 1e-7:
            break
        panels.append(panel)
    lam = np.maximum(res.x[:-1], 0.0)
    return panels, lam / lam.sum()


def draw(volunteers: Sequence[Volunteer], quotas: Quotas, *, seats: int,
         seed: int) -> DrawResult:
    """Draw ``seats`` members meeting the quotas (bounds cut to the volunteers available)."""
    check_volunteers(volunteers)
    if not volunteers:
        raise ValidationError("the volunteer list is empty")
    if seats > len(volunteers):
        raise ValidationError(f"{seats} seats but only {len(volunteers)} volunteers")
    ordered = sorted(volunteers, key=lambda v: v.ref)  # the list's order does not matter
    n = len(ordered)
    rng = np.random.default_rng(seed)
    a, lo, hi, shortfall = _matrix(ordered, quotas, seats)
    exact_strata = (set(quotas) == {"stratum"}
                    and all(q[0] == q[1] for q in quotas["stratum"].values()))
    if exact_strata:
        method = "stratified"
        prob = np.zeros(n)
        chosen: list[int] = []
        for value, (q, _) in sorted(quotas["stratum"].items()):
            members = [i for i, v in enumerate(ordered) if v.stratum == value]
            take = min(q, len(members))
            if members:
                prob[members] = take / len(members)
                chosen += sorted(rng.choice(members, size=take, replace=False).tolist())
        filled = len(chosen)
        if filled < seats:  # under-subscribed strata: the remaining seats stay empty
            shortfall.setdefault("seats", {})["unfilled"] = seats - filled
        panel = np.zeros(n, dtype=bool)
        panel[chosen] = True
    else:
        method = "maximin"
        panels, lam = _maximin(a, lo, hi, n, rng)
        prob = (np.array(panels, dtype=float).T @ lam)
        panel = panels[int(rng.choice(len(panels), p=lam))]
    probability = {v.ref: round(float(prob[i]), 6) for i, v in enumerate(ordered)}
    by_stratum: dict[str, float] = {}
    for i, v in enumerate(ordered):
        by_stratum[v.stratum] = min(by_stratum.get(v.stratum, 1.0), float(prob[i]))
    return DrawResult(
        selected=tuple(v.ref for i, v in enumerate(ordered) if panel[i]),
        probability=probability,
        stratum_probability={k: round(p, 6) for k, p in sorted(by_stratum.items())},
        shortfall=shortfall, list_sha256=list_hash(ordered), seed=seed, method=method,
        min_probability=round(float(prob.min()), 6))


def verify(volunteers: Sequence[Volunteer], quotas: Quotas, *, seats: int, seed: int,
           published_sha256: str, published_selection: Sequence[str]) -> list[str]:
    """Re-run a published draw: the list of discrepancies (empty when it checks out)."""
    problems = []
    digest = list_hash(volunteers)
    if digest != published_sha256:
        problems.append(f"the volunteer list's SHA-256 is {digest}, not the published "
                        f"{published_sha256}")
    again = draw(volunteers, quotas, seats=seats, seed=seed)
    if sorted(again.selected) != sorted(published_selection):
        missing = sorted(set(again.selected) - set(published_selection))
        extra = sorted(set(published_selection) - set(again.selected))
        problems.append(f"the draw gives another panel: {len(missing)} drawn but not "
                        f"published, {len(extra)} published but not drawn")
    return problems


def read_volunteers(data: bytes, *, source: str) -> list[Volunteer]:
    """A volunteer CSV: ``ref, income_quartile, age_band`` and optional
    ``neighbourhood_code, channel``; other columns become extra features."""
    from geo_caisse.core.errors import ImportFileError, Problem

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(source, [Problem(0, "not UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("ref", "income_quartile", "age_band")
               if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFileError(source, [Problem(0, f"missing column(s) {', '.join(missing)}",
                                               "header")])
    out, problems = [], []
    known = {"ref", "income_quartile", "age_band", "neighbourhood_code", "channel"}
    for n, row in enumerate(reader, start=1):
        quartile = (row.get("income_quartile") or "").strip().upper().lstrip("Q")
        if quartile not in ("1", "2", "3", "4"):
            problems.append(Problem(n, f"must be 1-4, got {row.get('income_quartile')!r}",
                                    "income_quartile"))
            continue
        band = (row.get("age_band") or "").strip()
        if band not in AGE_BANDS:
            problems.append(Problem(n, f"must be one of {', '.join(AGE_BANDS)}, got {band!r}",
                                    "age_band"))
            continue
        out.append(Volunteer(
            (row.get("ref") or "").strip(), int(quartile), band,
            (row.get("neighbourhood_code") or "").strip(),
            (row.get("channel") or "open_call").strip(),
            {k: (v or "").strip() for k, v in row.items() if k and k not in known}))
    if problems:
        raise ImportFileError(source, problems)
    return out


def read_quotas(data: bytes, *, source: str) -> dict[str, dict[str, tuple[int, int]]]:
    """Quotas as JSON: ``{"stratum": {"Q1|<30": 3 or [min, max], …}, …}``."""
    import json

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{source}: not a JSON document ({exc})") from None
    if not isinstance(doc, dict):
        raise ValidationError(f"{source}: quotas must be an object of features")
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for feature, values in doc.items():
        if not isinstance(values, dict):
            raise ValidationError(f"{source}: {feature} must map values to seats")
        out[feature] = {}
        for value, q in values.items():
            pair = (q, q) if isinstance(q, int) else tuple(q) if isinstance(q, list) else ()
            if len(pair) != 2 or not all(isinstance(x, int) and not isinstance(x, bool)
                                         for x in pair):
                raise ValidationError(f"{source}: {feature}={value} must be an integer or "
                                      f"[min, max], got {q!r}")
            out[feature][str(value)] = (int(pair[0]), int(pair[1]))
    return out
