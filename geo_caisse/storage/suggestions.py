"""The suggestions queue's queries and writes on one session (never commits)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_caisse.core.errors import NotFoundError
from geo_caisse.storage.models import MarketRow, PointOfSaleRow, SuggestionRow


class SuggestionRepository:
    """Suggestions from the public, and the places they are about."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: SuggestionRow) -> SuggestionRow:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, suggestion_id: int, *, for_update: bool = False) -> SuggestionRow:
        row = self.session.get(SuggestionRow, suggestion_id, with_for_update=for_update)
        if row is None:
            raise NotFoundError(f"no suggestion with id {suggestion_id}")
        return row

    def listed(self, *, status: str | None = None, limit: int = 200) -> list[SuggestionRow]:
        stmt = select(SuggestionRow).order_by(SuggestionRow.created_at.desc(),
                                              SuggestionRow.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(SuggestionRow.status == status)
        return list(self.session.scalars(stmt))

    def place_name(self, row: SuggestionRow) -> str | None:
        """The name of the place a correction is about."""
        if row.point_of_sale_id is not None:
            pos = self.session.get(PointOfSaleRow, row.point_of_sale_id)
            return None if pos is None else pos.name
        if row.market_id is not None:
            market = self.session.get(MarketRow, row.market_id)
            return None if market is None else market.name
        return None

    def decide(self, row: SuggestionRow, status: str, *, by: str, note: str | None) -> None:
        row.status, row.decided_by, row.decision_note = status, by, note
        row.decided_at = datetime.now(UTC)
        self.session.flush()
