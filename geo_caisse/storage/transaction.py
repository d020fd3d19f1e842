"""Committing a use case's transaction, or naming what the store refused."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo_caisse.core.errors import ConflictError


def commit_or_conflict(session: Session, what: str) -> None:
    """Commit, or roll back and raise :class:`ConflictError` naming what the store refused."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"{what}: the store refused the change ({exc.orig})") from exc
