"""A draw held over the store's waiting volunteers, its publication and its re-check.

The draw itself is :mod:`geo_caisse.enrolment.draw` (pure, reproducible); this module runs it
over the volunteers waiting in the store and writes its outcome in one transaction: the
draw record (what is published and the list given to observers), an account for every
drawn volunteer (:class:`geo_caisse.storage.models.MemberRow` and its Mona account), the
waiting list's order.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.errors import NotFoundError, ValidationError
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.coverage import places_to_mobilise
from geo_caisse.enrolment.draw import (
    DrawResult,
    Quotas,
    draw,
    read_volunteers,
    verify,
    volunteers_csv,
    waiting_order,
)
from geo_caisse.enrolment.strata import population_quotas, territory_strata
from geo_caisse.enrolment.volunteers import as_drawn
from geo_caisse.mona.accounts import Member, member_of
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.models import (
    DrawRow,
    MemberRow,
    VolunteerRow,
)
from geo_caisse.storage.transaction import commit_or_conflict


@dataclass(frozen=True)
class HeldDraw:
    """A draw held over the store's pool, and the members it created."""

    draw_id: int
    result: DrawResult
    members: list[Member]
    waiting: int


def open_member(repo: LedgerRepository, row: VolunteerRow, joined_on: date) -> MemberRow:
    member = MemberRow(
        pseudonym="m" + secrets.token_hex(8), status="active", joined_on=joined_on,
        home_cell_x_m=row.home_cell_x_m, home_cell_y_m=row.home_cell_y_m,
        neighbourhood_code=row.neighbourhood_code, income_quartile=row.income_quartile,
        age_band=row.age_band, synthetic=row.synthetic)
    repo.add_member(member)  # opens the member's Mona account too
    row.status, row.member_id, row.waiting_rank = "member", member.id, None
    return member


def hold_draw(sessions: sessionmaker[Session], territory: Territory, *, seats: int, seed: int,
              joined_on: date, quotas: Quotas | None = None,
              neighbourhoods: Sequence[str] | None = None) -> HeldDraw:
    """Draw ``seats`` members from the waiting volunteers and open their accounts.

    Without ``quotas`` they follow the territory's population by stratum (over
    ``neighbourhoods`` when the caisse recruits in chosen neighbourhoods only, in which case
    only volunteers living there are in the pool). Everything is written in one
    transaction: the record, the new members and accounts, the waiting list's order.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ValidationError(f"seed must be an integer in [0, 2^63), got {seed!r}")
    if quotas is None:
        quotas = population_quotas(territory_strata(territory), seats,
                                   neighbourhoods=neighbourhoods)
    with sessions() as session:
        query = select(VolunteerRow).where(VolunteerRow.status == "waiting")
        if neighbourhoods is not None:
            query = query.where(VolunteerRow.neighbourhood_code.in_(list(neighbourhoods)))
        rows = {r.ref: r for r in session.scalars(query.with_for_update())}
        # the list given to observers carries only the features the quotas use
        pool = [as_drawn(r, used=set(quotas)) for r in rows.values()]
        result = draw(pool, quotas, seats=seats, seed=seed)
        record = DrawRow(
            seed=seed, seats=seats, method=result.method,
            quotas={f: {v: list(q) for v, q in vals.items()} for f, vals in quotas.items()},
            list_sha256=result.list_sha256, volunteer_list_csv=volunteers_csv(pool),
            selected=list(result.selected), stratum_probability=result.stratum_probability,
            shortfall=result.shortfall, min_probability=result.min_probability)
        session.add(record)
        session.flush()
        repo = LedgerRepository(session)
        members = []
        for ref in result.selected:
            rows[ref].draw_id = record.id
            members.append(open_member(repo, rows[ref], joined_on))
        for ref, rank in waiting_order(pool, result.selected, seed=seed).items():
            rows[ref].waiting_rank, rows[ref].draw_id = rank, record.id
        commit_or_conflict(session, "the draw")
        return HeldDraw(record.id, result, [member_of(m) for m in members],
                        len(rows) - len(result.selected))


def hold_and_publish(sessions: sessionmaker[Session], territory: Territory, *, seats: int,
                     seed: int, joined_on: date, quotas: Quotas | None = None,
                     neighbourhoods: Sequence[str] | None = None) -> dict[str, Any]:
    """Hold a draw (:func:`hold_draw`) and say what it did: the published draw, how many
    accounts it opened, how many volunteers still wait, and, for each stratum the pool could
    not fill, where most of its people live (to mobilise there; a territory without a
    strata estimate has no census figures to point to, and the quotas were given by hand)."""
    held = hold_draw(sessions, territory, seats=seats, seed=seed, joined_on=joined_on,
                     quotas=quotas, neighbourhoods=neighbourhoods)
    short = sorted(held.result.shortfall.get("stratum", {}))
    return {**published_draw(sessions, held.draw_id), "members_opened": len(held.members),
            "waiting": held.waiting,
            "places_to_mobilise": places_to_mobilise(sessions, territory, short)
            if territory.strata_path is not None else {}}


def published_draw(sessions: sessionmaker[Session], draw_id: int) -> dict[str, Any]:
    """What is published of a draw: seed, list hash, quotas, drawn refs, probabilities."""
    with sessions() as session:
        row = session.get(DrawRow, draw_id)
        if row is None:
            raise NotFoundError(f"no draw with id {draw_id}")
        return {"id": row.id, "held_at": row.held_at.isoformat(), "seed": row.seed,
                "seats": row.seats, "method": row.method, "quotas": row.quotas,
                "list_sha256": row.list_sha256, "volunteers": row.volunteer_list_csv.count("\n")
                - 1, "selected": sorted(row.selected),
                "stratum_probability": row.stratum_probability, "shortfall": row.shortfall,
                "min_probability": row.min_probability}


@dataclass(frozen=True)
class DrawSummary:
    """A held draw in the list of draws (everything here is published)."""

    id: int
    held_at: datetime
    seats: int
    selected: int
    volunteers: int
    method: str


def list_draws(sessions: sessionmaker[Session], *, limit: int = 100) -> list[DrawSummary]:
    """The latest held draws, newest first."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationError(f"limit must be an integer in 1-1000, got {limit!r}")
    with sessions() as session:
        rows = session.scalars(select(DrawRow).order_by(DrawRow.id.desc()).limit(limit))
        return [DrawSummary(r.id, r.held_at, r.seats, len(r.selected),
                            r.volunteer_list_csv.count("\n") - 1, r.method) for r in rows]


def draw_exists(sessions: sessionmaker[Session], draw_id: int) -> bool:
    """Whether a draw with this id was held."""
    with sessions() as session:
        return session.scalar(select(DrawRow.id).where(DrawRow.id == draw_id)) is not None


def draw_volunteer_list(sessions: sessionmaker[Session], draw_id: int) -> str:
    """The volunteer list of a draw (refs and strata), as given to observers."""
    with sessions() as session:
        row = session.get(DrawRow, draw_id)
        if row is None:
            raise NotFoundError(f"no draw with id {draw_id}")
        return row.volunteer_list_csv


def verify_held_draw(sessions: sessionmaker[Session], draw_id: int) -> list[str]:
    """Re-run a stored draw from its published list and seed: the discrepancies."""
    with sessions() as session:
        row = session.get(DrawRow, draw_id)
        if row is None:
            raise NotFoundError(f"no draw with id {draw_id}")
        pool = read_volunteers(row.volunteer_list_csv.encode(), source=f"draw {draw_id}")
        stored: dict[str, dict[str, list[int]]] = dict(row.quotas)  # type: ignore[arg-type]
        quotas = {f: {v: (int(q[0]), int(q[1])) for v, q in vals.items()}
                  for f, vals in stored.items()}
        return verify(pool, quotas, seats=row.seats, seed=row.seed,
                      published_sha256=row.list_sha256, published_selection=row.selected)
