"""The flows of the ledger as it stands: computed once, recomputed when the ledger moves."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from geo_caisse.storage.ledger import LedgerRepository

if TYPE_CHECKING:  # the compiled pass (numba) is imported at the first flows request
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.core.territory import Territory
    from geo_caisse.mona.flows import MonaFlows


class FlowsService:
    """The caisse's :class:`MonaFlows`, kept while the ledger stays as it is. Thread-safe.

    Each call reads the ledger's version (its last transfer and its number of members): the
    flows are recomputed only when it changed, by one caller while the others wait.
    """

    def __init__(self, territory: Territory) -> None:
        self.territory = territory
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int | None, int], MonaFlows] | None = None

    def current(self, sessions: sessionmaker[Session]) -> MonaFlows:
        """The flows of the ledger now."""
        from geo_caisse.mona.flowdata import load_flow_data
        from geo_caisse.mona.flows import MonaFlows

        with sessions() as session:
            version = LedgerRepository(session).version()
        with self._lock:
            if self._cached is None or self._cached[0] != version:
                flows = MonaFlows.compute(load_flow_data(sessions, self.territory),
                                          self.territory)
                self._cached = (version, flows)
            return self._cached[1]


__all__ = ["FlowsService"]
