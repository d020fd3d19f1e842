"""The draw's strata: the territory's adults by income quartile and age band (4 × 3 = 12).

One set of values for the whole caisse (enrolment, members, targeting, the API): income
quartiles 1 to 4 of the territory, age bands under 30, 30 to 60, over 60.
"""

from __future__ import annotations

from typing import Literal

from geo_caisse.core.errors import ValidationError

INCOME_QUARTILES: tuple[int, ...] = (1, 2, 3, 4)
AgeBand = Literal["<30", "30-60", ">60"]
AGE_BANDS: tuple[AgeBand, ...] = ("<30", "30-60", ">60")
STRATA: tuple[str, ...] = tuple(f"Q{q}|{a}" for q in INCOME_QUARTILES for a in AGE_BANDS)


def stratum(income_quartile: int, age_band: str) -> str:
    """The stratum's code, e.g. ``"Q1|<30"``.

    >>> stratum(2, "30-60")
    'Q2|30-60'
    """
    return f"Q{income_quartile}|{age_band}"


def check_income_quartile(value: object, *, name: str = "income_quartile") -> int:
    """``value`` as 1..4, or raise naming the allowed values."""
    if isinstance(value, bool) or value not in INCOME_QUARTILES:
        raise ValidationError(f"{name} must be 1, 2, 3 or 4, got {value!r}")
    return int(value)


def check_age_band(value: object, *, name: str = "age_band") -> AgeBand:
    """``value`` as one of :data:`AGE_BANDS`, or raise naming them."""
    if value not in AGE_BANDS:
        raise ValidationError(f"{name} must be one of {', '.join(AGE_BANDS)}, got {value!r}")
    return value


__all__ = ["AGE_BANDS", "INCOME_QUARTILES", "STRATA", "AgeBand", "check_age_band",
           "check_income_quartile", "stratum"]
