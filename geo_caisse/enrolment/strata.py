"""The territory's adults per neighbourhood and draw stratum, and the quotas they give."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from geo_caisse.core.errors import MissingInputError, ValidationError
from geo_caisse.core.strata import STRATA
from geo_caisse.enrolment.draw import proportional_quotas
from geo_caisse.io.strata import read_strata

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory


def territory_strata(territory: Territory) -> dict[str, dict[str, float]]:
    """The territory's adults per neighbourhood and stratum (``[enrolment] strata``)."""
    if territory.strata_path is None:
        raise MissingInputError(
            f"territory {territory.code} has no [enrolment] strata file (adults per "
            "neighbourhood and draw stratum): the enrolment coverage, the targeting's "
            "under-represented strata and population quotas cannot be computed; add "
            "[enrolment] strata = \"strata.csv\" to territory.toml (docs/territory.md), or "
            "give the draw's quotas yourself")
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
