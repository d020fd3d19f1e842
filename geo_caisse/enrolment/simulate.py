"""SYNTHETIC volunteers for the demo and the tests (seeded, clearly labelled)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from geo_caisse.core.errors import ValidationError
from geo_caisse.core.territory import Territory


def simulate_volunteers(territory: Territory, *, n: int, seed: int, registered_on: date
                        ) -> list[dict[str, Any]]:
    """``n`` SYNTHETIC volunteers (specs for :func:`.volunteers.register_volunteers`).

    They live in the sous-quartiers of the strata table; their strata are drawn from each
    neighbourhood's own population by stratum, then skewed the way open calls are known to
    skew (Q3-Q4 and 30-60 year-olds answer more; referrals bring Q1): an open call answers
    with weight ``1 + 0.4 (quartile - 1)`` × (1.5 for 30-60), a referral (20 %) only Q1-Q2,
    the committee channel 5 %. The point is a pool where some strata are short, as real
    pools are; the numbers are not findings.
    """
    from geo_caisse.core.strata import STRATA
    from geo_caisse.enrolment.strata import territory_strata

    if not 1 <= n <= 200_000:
        raise ValidationError(f"n must be between 1 and 200000, got {n}")
    strata = territory_strata(territory)
    codes = sorted(strata)
    rng = np.random.default_rng([seed, 7])
    table = np.array([[strata[c][s] for s in STRATA] for c in codes])
    quartile = np.array([int(s[1]) for s in STRATA])
    middle = np.array([1.5 if s.endswith("30-60") else 1.0 for s in STRATA])
    specs: list[dict[str, Any]] = []
    for i in range(n):
        u = rng.random()
        channel = "referral" if u < 0.2 else "committee" if u < 0.25 else "open_call"
        weight = table * (middle * (1 + 0.4 * (quartile - 1)))[None, :]
        if channel == "referral":
            weight = table * (quartile <= 2)[None, :]
        flat = weight.ravel() / weight.sum()
        cell = int(rng.choice(flat.size, p=flat))
        code, stratum = codes[cell // len(STRATA)], STRATA[cell % len(STRATA)]
        specs.append(dict(ref=f"syn-v{seed}-{i:05d}", registered_on=registered_on,
                          channel=channel, income_quartile=int(stratum[1]),
                          age_band=stratum.split("|")[1], neighbourhood_code=code,
                          synthetic=True))
    return specs
