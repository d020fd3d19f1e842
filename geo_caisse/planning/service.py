"""Recruitment targeting as a service: the instance kept while nothing it reads has moved."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported at the first targeting (scipy's optimiser): not at start-up
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.core.territory import Territory
    from geo_caisse.mona.flows import MonaFlows
    from geo_caisse.mona.service import FlowsService
    from geo_caisse.planning.recruitment import RecruitmentInstance
    from geo_caisse.walk.service import WalkingService


class TargetingService:
    """Where to recruit, for one territory and store. Thread-safe.

    Building an instance walks from every point of sale and market: it is kept (one per
    ``reach_min``, the latest) until the ledger, the members or the conventionnés change;
    a change of the terms' coefficients reuses it. The last answers are kept too (by their
    parameters, while the instance is the same): asking again costs nothing.
    """

    #: answers kept
    ANSWERS = 32

    def __init__(self, territory: Territory, walking: WalkingService,
                 flows: FlowsService) -> None:
        self.territory = territory
        self.walking = walking
        self.flows = flows
        self._lock = threading.Lock()
        self._cached: tuple[tuple[object, ...], RecruitmentInstance] | None = None
        self._answers: OrderedDict[tuple[object, ...], dict[str, Any]] = OrderedDict()

    def _state(self, sessions: sessionmaker[Session], reach_min: float
               ) -> tuple[tuple[object, ...], MonaFlows]:
        flows = self.flows.current(sessions)
        return (float(reach_min), id(flows), self.walking.state_key(sessions)), flows

    def instance(self, sessions: sessionmaker[Session], *,
                 reach_min: float = 10.0) -> RecruitmentInstance:
        """The targeting instance now (rebuilt when what it reads has moved)."""
        from geo_caisse.planning.recruitment import recruitment_instance

        key, flows = self._state(sessions, reach_min)
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
        rec = self.instance(sessions, reach_min=reach_min)
        return self._answer(rec, sessions, k, reach_min=reach_min, mode=mode,
                            coefficients=coefficients, members_per_site=members_per_site)

    def ready(self, sessions: sessionmaker[Session], k: int, *, reach_min: float = 10.0,
              mode: str = "exact", coefficients: Mapping[str, float] | None = None,
              members_per_site: int = 20) -> dict[str, Any] | None:
        """The answer if it costs no walk and no long solve: kept from before, or (an
        interactive one) solved on the instance already built; else ``None``."""
        key, _ = self._state(sessions, reach_min)
        answer = self._kept(key, k, mode, coefficients, members_per_site)
        if answer is not None or mode != "interactive":
            return answer
        with self._lock:
            rec = self._cached[1] if self._cached is not None and \
                self._cached[0] == key else None
        if rec is None:
            return None
        return self._answer(rec, sessions, k, reach_min=reach_min, mode=mode,
                            coefficients=coefficients, members_per_site=members_per_site)

    @staticmethod
    def _params(k: int, mode: str, coefficients: Mapping[str, float] | None,
                members_per_site: int) -> tuple[object, ...]:
        return (k, mode, tuple(sorted((coefficients or {}).items())), members_per_site)

    def _kept(self, key: tuple[object, ...], k: int, mode: str,
              coefficients: Mapping[str, float] | None,
              members_per_site: int) -> dict[str, Any] | None:
        full = (*key, *self._params(k, mode, coefficients, members_per_site))
        with self._lock:
            answer = self._answers.get(full)
            if answer is not None:
                self._answers.move_to_end(full)
            return answer

    def _answer(self, rec: RecruitmentInstance, sessions: sessionmaker[Session], k: int, *,
                reach_min: float, mode: str, coefficients: Mapping[str, float] | None,
                members_per_site: int) -> dict[str, Any]:
        from geo_caisse.planning.recruitment import with_coefficients
        from geo_caisse.planning.targeting import target

        key, _ = self._state(sessions, reach_min)
        kept = self._kept(key, k, mode, coefficients, members_per_site)
        if kept is not None:
            return kept
        answer = target(with_coefficients(rec, coefficients), k, mode=mode,
                        members_per_site=members_per_site,
                        monthly_allocation_mona=float(
                            self.territory.caisse.monthly_allocation_mona))
        with self._lock:
            self._answers[(*key, *self._params(k, mode, coefficients, members_per_site))] = \
                answer
            while len(self._answers) > self.ANSWERS:
                self._answers.popitem(last=False)
        return answer


__all__ = ["TargetingService"]
