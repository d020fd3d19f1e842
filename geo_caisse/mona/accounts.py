"""Members' accounts: pseudonymous, with a 200 m home cell, never a name or an address.

A member's identity (if any) lives in enrolment and can be erased; the ledger knows a random
pseudonym and the home's 200 m cell (:mod:`geo_caisse.core.cells`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.cells import home_cell
from geo_caisse.core.errors import (
    NotFoundError,
    ValidationError,
)
from geo_caisse.core.strata import check_age_band, check_income_quartile
from geo_caisse.core.territory import Territory
from geo_caisse.storage.ledger import (
    LedgerRepository,
)
from geo_caisse.storage.models import (
    MemberRow,
)
from geo_caisse.storage.transaction import commit_or_conflict


@dataclass(frozen=True)
class Member:
    """A member as the ledger sees them."""

    id: int
    pseudonym: str
    status: str
    joined_on: date
    left_on: date | None
    home_cell_x_m: int | None
    home_cell_y_m: int | None
    neighbourhood_code: str | None
    income_quartile: int | None
    age_band: str | None
    synthetic: bool


def member_of(row: MemberRow) -> Member:
    return Member(row.id, row.pseudonym, row.status, row.joined_on, row.left_on,
                  row.home_cell_x_m, row.home_cell_y_m, row.neighbourhood_code,
                  row.income_quartile, row.age_band, bool(row.synthetic))


def register_member(sessions: sessionmaker[Session], territory: Territory, *, joined_on: date,
                    home_lon: float | None = None, home_lat: float | None = None,
                    neighbourhood_code: str | None = None, income_quartile: int | None = None,
                    age_band: str | None = None, synthetic: bool = False,
                    pseudonym: str | None = None) -> Member:
    """Open a member's account. The home is kept only as its 200 m cell."""
    cell = None
    if (home_lon is None) != (home_lat is None):
        raise ValidationError("give both home_lon and home_lat, or neither")
    if home_lon is not None and home_lat is not None:
        cell = home_cell(territory, lon=home_lon, lat=home_lat)
    return register_members(sessions, [dict(
        joined_on=joined_on, home_cell=cell, neighbourhood_code=neighbourhood_code,
        income_quartile=income_quartile, age_band=age_band, synthetic=synthetic,
        pseudonym=pseudonym)])[0]


def _member_row(spec: dict[str, Any]) -> MemberRow:
    quartile, band = spec.get("income_quartile"), spec.get("age_band")
    if quartile is not None:
        quartile = check_income_quartile(quartile)
    if band is not None:
        band = check_age_band(band)
    joined = spec["joined_on"]
    if not isinstance(joined, date):
        raise ValidationError(f"joined_on must be a date, got {joined!r}")
    cell = spec.get("home_cell")
    return MemberRow(
        pseudonym=spec.get("pseudonym") or "m" + secrets.token_hex(8), status="active",
        joined_on=joined, home_cell_x_m=None if cell is None else int(cell[0]),
        home_cell_y_m=None if cell is None else int(cell[1]),
        neighbourhood_code=spec.get("neighbourhood_code"), income_quartile=quartile,
        age_band=band, synthetic=bool(spec.get("synthetic", False)))


def register_members(sessions: sessionmaker[Session],
                     specs: list[dict[str, Any]]) -> list[Member]:
    """Open several members' accounts in one transaction (``home_cell`` already computed)."""
    rows = [_member_row(s) for s in specs]
    with sessions() as session:
        repo = LedgerRepository(session)
        for row in rows:
            repo.add_member(row)
        commit_or_conflict(session, "member registration")
        return [member_of(r) for r in rows]


def member_leaves(sessions: sessionmaker[Session], member_id: int, *, on: date) -> Member:
    """Record a member's exit: no allocation after the month of ``on``; the account stays."""
    with sessions() as session:
        row = session.get(MemberRow, member_id)
        if row is None:
            raise NotFoundError(f"no member with id {member_id}")
        if on < row.joined_on:
            raise ValidationError(f"left_on {on} is before joined_on {row.joined_on}")
        row.status, row.left_on = "left", on
        commit_or_conflict(session, f"exit of member {member_id}")
        return member_of(row)


def list_members(sessions: sessionmaker[Session]) -> list[Member]:
    with sessions() as session:
        return [member_of(r) for r in session.scalars(select(MemberRow).order_by(MemberRow.id))]


def count_members(sessions: sessionmaker[Session]) -> int:
    """How many members the ledger has ever had (for ``simulate --if-empty``)."""
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(MemberRow)) or 0)


def member_by_pseudonym(sessions: sessionmaker[Session], pseudonym: str) -> Member:
    with sessions() as session:
        row = session.scalar(select(MemberRow).where(MemberRow.pseudonym == pseudonym))
        if row is None:
            raise NotFoundError(f"no member {pseudonym!r}")
        return member_of(row)
