"""The territory's adults per neighbourhood and draw stratum, and the quotas they give."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geo_caisse.core.errors import DataError, ValidationError
from geo_caisse.core.strata import STRATA
from geo_caisse.enrolment.draw import proportional_quotas

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory


def read_strata(path: Path) -> dict[str, dict[str, float]]:
    """Adults per neighbourhood and stratum: a CSV ``neighbourhood_code, Q1|<30, …`` (lines
    starting with ``#`` are comments), as built for Montpellier by ``data/prepare_montpellier``.
    """
    if not path.is_file():
        raise DataError(f"strata file {path} not found ([enrolment] strata)")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    reader = csv.DictReader(lines)
    missing = [c for c in ("neighbourhood_code", *STRATA) if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    out: dict[str, dict[str, float]] = {}
    for n, row in enumerate(reader, start=2):
        try:
            values = {s: float(row[s]) for s in STRATA}
        except (TypeError, ValueError):
            raise DataError(f"{path}: line {n}: every stratum must be a number") from None
        if any(not np.isfinite(x) or x < 0 for x in values.values()):
            raise DataError(f"{path}: line {n}: stratum populations must be >= 0")
        out[row["neighbourhood_code"]] = values
    if not out:
        raise DataError(f"{path}: no neighbourhood")
    return out


def territory_strata(territory: Territory) -> dict[str, dict[str, float]]:
    """The territory's adults per neighbourhood and stratum (``[enrolment] strata``)."""
    if territory.strata_path is None:
        raise DataError(f"territory {territory.code} has no [enrolment] strata file: "
                        "population quotas cannot be computed; give the quotas instead")
    return read_strata(territory.strata_path)


def population_by_stratum(strata: Mapping[str, Mapping[str, float]],
                          neighbourhoods: Sequence[str] | None = None) -> dict[str, float]:
    """Adults per stratum, over the whole table or the given neighbourhoods."""
    codes = list(strata) if neighbourhoods is None else list(neighbourhoods)
    unknown = [c for c in codes if c not in strata]
    if unknown:
        raise ValidationError(f"no stratum population for neighbourhood(s) {', '.join(unknown)}")
    return {s: float(sum(strata[c][s] for c in codes)) for s in STRATA}


def population_quotas(strata: Mapping[str, Mapping[str, float]], seats: int, *,
                      neighbourhoods: Sequence[str] | None = None
                      ) -> dict[str, dict[str, tuple[int, int]]]:
    """Exact stratum quotas for ``seats`` in proportion to the population."""
    return {"stratum": proportional_quotas(population_by_stratum(strata, neighbourhoods),
                                           seats)}
