"""Suggestions from the member map: a place where to pay in MonA, or a place's hours.

Anyone may suggest (the form is public, throttled by the service); nothing shows on the map
until a coordinator accepts: a new place then enters the layers as a *candidate* point of
sale (the committee's conventionnement decides the rest), a correction of hours replaces
the place's hours. A suggestion keeps no name, contact or address of who made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.domain import PointOfSale, PointOfSaleKind, Status, parse_enum
from geo_caisse.core.errors import ValidationError
from geo_caisse.core.opening_hours import parse_opening_hours
from geo_caisse.core.territory import Territory
from geo_caisse.layers._text import free_text
from geo_caisse.layers.conventionnement import open_for_suggestion
from geo_caisse.storage.layers import MarketRepository, PointOfSaleRepository
from geo_caisse.storage.models import SUGGESTION_KINDS, SuggestionRow
from geo_caisse.storage.suggestions import SuggestionRepository
from geo_caisse.storage.transaction import commit_or_conflict

_PLACE = re.compile(r"^(market|point_of_sale):(\d{1,15})$")


@dataclass(frozen=True)
class Suggestion:
    """A suggestion as coordinators see it (nothing about who made it)."""

    id: int
    kind: str
    status: str
    name: str | None
    place_kind: str | None
    address: str | None
    hours: str | None
    comment: str | None
    place: str | None          # "point_of_sale:12" or "market:3": the place corrected
    place_name: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None


def _suggestion(repo: SuggestionRepository, row: SuggestionRow) -> Suggestion:
    place = (f"point_of_sale:{row.point_of_sale_id}" if row.point_of_sale_id is not None
             else f"market:{row.market_id}" if row.market_id is not None else None)
    return Suggestion(row.id, row.kind, row.status, row.name, row.place_kind, row.address,
                      row.hours, row.comment, place, repo.place_name(row), row.created_at,
                      row.decided_at, row.decided_by, row.decision_note)


def suggest(sessions: sessionmaker[Session], *, kind: str, name: str | None = None,
            place_kind: str | None = None, address: str | None = None,
            hours: str | None = None, comment: str | None = None,
            place: str | None = None) -> Suggestion:
    """Put a suggestion in the queue: a ``new_place`` (its ``name``, ``place_kind``,
    ``address``, ``hours``) or the ``hours`` of an existing ``place``."""
    if kind not in SUGGESTION_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(SUGGESTION_KINDS)}, "
                              f"got {kind!r}")
    row = SuggestionRow(kind=kind, status="pending",
                        hours=free_text(hours, "hours", limit=200, required=kind == "hours"),
                        comment=free_text(comment, "comment", limit=1000))
    if kind == "new_place":
        row.name = free_text(name, "name", limit=200, required=True)
        row.place_kind = parse_enum(PointOfSaleKind, place_kind or "shop", name="place_kind").value
        if row.place_kind == PointOfSaleKind.MARKET_STALL.value:
            raise ValidationError("place_kind: suggest the market itself, not a stall")
        row.address = free_text(address, "address", limit=300)
    with sessions() as session:
        if kind == "hours":
            match = _PLACE.match(place or "")
            if not match:
                raise ValidationError("place must be point_of_sale:<id> or market:<id>, "
                                      f"got {place!r}")
            ident = int(match.group(2))
            if match.group(1) == "market":
                MarketRepository(session).get(ident)
                row.market_id = ident
            else:
                PointOfSaleRepository(session).get(ident)
                row.point_of_sale_id = ident
        repo = SuggestionRepository(session)
        repo.add(row)
        commit_or_conflict(session, "suggestion")
        return _suggestion(repo, row)


def suggestions(sessions: sessionmaker[Session], *, status: str | None = "pending"
                ) -> list[Suggestion]:
    """The queue (``pending``), or the suggestions of another status, newest first."""
    with sessions() as session:
        repo = SuggestionRepository(session)
        return [_suggestion(repo, r) for r in repo.listed(status=status)]


def _pending(repo: SuggestionRepository, suggestion_id: int, kind: str) -> SuggestionRow:
    row = repo.get(suggestion_id, for_update=True)
    if row.status != "pending":
        raise ValidationError(f"suggestion {suggestion_id} was already {row.status}")
    if row.kind != kind:
        raise ValidationError(f"suggestion {suggestion_id} is a {row.kind} suggestion")
    return row


def accept_hours(sessions: sessionmaker[Session], suggestion_id: int, *, opening_hours: str,
                 by: str, note: str | None = None) -> Suggestion:
    """Accept a correction of hours: the place's hours become ``opening_hours`` (OSM syntax,
    as the coordinator wrote them from the suggestion)."""
    hours = parse_opening_hours(opening_hours).source
    with sessions() as session:
        repo = SuggestionRepository(session)
        row = _pending(repo, suggestion_id, "hours")
        if row.market_id is not None:
            MarketRepository(session).set_opening_hours(row.market_id, hours)
        elif row.point_of_sale_id is not None:
            PointOfSaleRepository(session).set_opening_hours(row.point_of_sale_id, hours)
        repo.decide(row, "accepted", by=by, note=free_text(note, "note", limit=1000))
        commit_or_conflict(session, f"suggestion {suggestion_id}")
        return _suggestion(repo, row)


def accept_place(sessions: sessionmaker[Session], territory: Territory, suggestion_id: int,
                 *, lon: float, lat: float, by: str, name: str | None = None,
                 kind: str | None = None, opening_hours: str | None = None,
                 address: str | None = None, note: str | None = None
                 ) -> tuple[Suggestion, PointOfSale]:
    """Accept a new place: it enters the layers as a candidate point of sale, at
    ``lon``/``lat`` (the coordinator places it), with its conventionnement dossier open for
    the committee to decide on."""
    territory.check_inside(lon, lat, name="place")
    hours = parse_opening_hours(opening_hours).source if opening_hours else None
    with sessions() as session:
        repo = SuggestionRepository(session)
        row = _pending(repo, suggestion_id, "new_place")
        point = PointOfSale(
            ref=f"sug-{row.id}", name=free_text(name or row.name, "name", limit=200,
                                            required=True) or "",
            kind=parse_enum(PointOfSaleKind, kind or row.place_kind or "shop", name="kind"),
            lon=lon, lat=lat, status=Status.CANDIDATE, opening_hours=hours,
            address=free_text(address or row.address, "address", limit=300),
            source=f"suggestion {row.id} (public form), accepted by {by}")
        points = PointOfSaleRepository(session)
        points.upsert([point], {})
        placed = points.get_by_ref(point.ref)
        assert placed.id is not None
        open_for_suggestion(session, placed.id, row.id, by=by)   # a candidate for the committee
        repo.decide(row, "accepted", by=by, note=free_text(note, "note", limit=1000))
        commit_or_conflict(session, f"suggestion {suggestion_id}")
        return _suggestion(repo, row), points.get_by_ref(point.ref)


def refuse(sessions: sessionmaker[Session], suggestion_id: int, *, by: str,
           note: str | None = None) -> Suggestion:
    """Refuse a suggestion (it stays in the record, refused)."""
    with sessions() as session:
        repo = SuggestionRepository(session)
        row = repo.get(suggestion_id, for_update=True)
        if row.status != "pending":
            raise ValidationError(f"suggestion {suggestion_id} was already {row.status}")
        repo.decide(row, "refused", by=by, note=free_text(note, "note", limit=1000))
        commit_or_conflict(session, f"suggestion {suggestion_id}")
        return _suggestion(repo, row)


__all__ = ["Suggestion", "accept_hours", "accept_place", "refuse", "suggest", "suggestions"]
