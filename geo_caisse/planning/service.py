"""Recruitment targeting as a service: the instance kept while nothing it reads has moved."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported at the first targeting (scipy's optimiser): not at start-up
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.core.territory import Territory
    from geo_caisse.mona.service import FlowsService
    from geo_caisse.planning.recruitment import RecruitmentInstance
    from geo_caisse.walk.service import WalkingService


class TargetingService:
    """Where to recruit, for one territory and store. Thread-safe.

    Building an instance walks from every point of sale and market: it is kept (one per
    ``reach_min``, the latest) until the ledger, the members or the conventionnés change;
    a change of the terms' coefficients reuses it.
    """

    def __init__(self, territory: Territory, walking: WalkingService,
                 flows: FlowsService) -> None:
        self.territory = territory
        self.walking = walking
        self.flows = flows
        self._lock = threading.Lock()
        self._cached: tuple[tuple[object, ...], RecruitmentInstance] | None = None

    def instance(self, sessions: sessionmaker[Session], *,
                 reach_min: float = 10.0) -> RecruitmentInstance:
        """The targeting instance now (rebuilt when what it reads has moved)."""
        from geo_caisse.planning.recruitment import recruitment_instance

        flows = self.flows.current(sessions)
        key = (float(reach_min), id(flows), self.walking.state_key(sessions))
        with self._lock:
            if self._cached is not None and self._cached[0] == key:
                return self._cached[1]
        years = flows.years()
        rec = recruitment_instance(self.walking, sessions, self.territory, reach_min=reach_min,
                                   flows=flows, year=years[-1] if years else None)
        with self._lock:
            self._cached = (key, rec)
        return rec

    def target(self, sessions: sessionmaker[Session], k: int, *, reach_min: float = 10.0,
               mode: str = "exact", coefficients: Mapping[str, float] | None = None,
               members_per_site: int = 20) -> dict[str, Any]:
        """``k`` places for recruitment stands, explained (see
        :func:`geo_caisse.planning.targeting.target`)."""
        from geo_caisse.planning.recruitment import with_coefficients
        from geo_caisse.planning.targeting import target

        rec = with_coefficients(self.instance(sessions, reach_min=reach_min), coefficients)
        return target(rec, k, mode=mode, members_per_site=members_per_site,
                      monthly_allocation_mona=float(
                          self.territory.caisse.monthly_allocation_mona))


__all__ = ["TargetingService"]
