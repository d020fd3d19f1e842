"""Use cases of enrolment with the store: volunteers, the held draw, the waiting list,
entry and exit of members, coverage of the strata, the committee's composition.

The draw itself is :mod:`geo_caisse.enrolment` (pure, reproducible); this module runs it
over the volunteers waiting in the store and writes its outcome in one transaction: the
draw record (what is published and the list given to observers), an account for every
drawn volunteer (:class:`geo_caisse.storage.models.MemberRow` and its Mona account), the
waiting list's order. A volunteer is kept as a random ``ref``, the draw's strata, a
neighbourhood and a 200 m home cell: never a name or an address.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from geoalchemy2.shape import to_shape
from shapely import contains_xy
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse._errors import NotFoundError, ValidationError
from geo_caisse.crs import WGS84, reproject
from geo_caisse.enrolment import (
    AGE_BANDS,
    STRATA,
    DrawResult,
    Quotas,
    Volunteer,
    draw,
    population_by_stratum,
    population_quotas,
    read_volunteers,
    territory_strata,
    verify,
    volunteers_csv,
    waiting_order,
)
from geo_caisse.payment import Member, _member, home_cell
from geo_caisse.privacy import check_min_members, suppress_table
from geo_caisse.services import commit_or_conflict
from geo_caisse.storage.ledger import LedgerRepository
from geo_caisse.storage.models import (
    CHANNELS,
    CommitteeSeatRow,
    DrawRow,
    MemberRow,
    NeighbourhoodRow,
    VolunteerRow,
)
from geo_caisse.territory import Territory

if TYPE_CHECKING:
    from numpy.typing import NDArray


@dataclass(frozen=True)
class VolunteerInfo:
    """A volunteer as the enrolment team sees them (no identity)."""

    ref: str
    status: str
    stratum: str
    channel: str
    neighbourhood_code: str | None
    waiting_rank: int | None
    member_id: int | None


def _info(row: VolunteerRow) -> VolunteerInfo:
    return VolunteerInfo(row.ref, row.status, f"Q{row.income_quartile}|{row.age_band}",
                         row.channel, row.neighbourhood_code, row.waiting_rank, row.member_id)


def _as_volunteer(row: VolunteerRow, *, used: set[str]) -> Volunteer:
    """The volunteer as the draw sees them: features no quota uses are blanked ("-")."""
    return Volunteer(row.ref, row.income_quartile, row.age_band,
                     (row.neighbourhood_code or "-") if "neighbourhood_code" in used else "-",
                     row.channel if "channel" in used else "-")


class _Zones:
    """The store's neighbourhoods, read (and projected) once for a batch of registrations."""

    def __init__(self, session: Session, territory: Territory) -> None:
        self._session, self._territory = session, territory
        self._codes: set[str] | None = None
        self._metric: list[tuple[str, Any]] | None = None

    def known(self, code: str) -> bool:
        if self._codes is None:
            self._codes = {str(c) for c in self._session.scalars(select(NeighbourhoodRow.code))}
        return code in self._codes

    def finest_at(self, x_m: float, y_m: float) -> str | None:
        """The code of the smallest neighbourhood containing the point (metric CRS)."""
        if self._metric is None:
            order = {"sous_quartier": 0, "quartier": 1, "commune": 2}
            rows = sorted(self._session.scalars(select(NeighbourhoodRow)),
                          key=lambda r: order.get(str(r.level), 3))
            self._metric = [(str(r.code), reproject(to_shape(r.geom), WGS84,
                                                    self._territory.metric_crs))
                            for r in rows]
        return next((code for code, poly in self._metric if contains_xy(poly, x_m, y_m)), None)


def _volunteer_row(zones: _Zones, territory: Territory, spec: Mapping[str, Any]
                   ) -> VolunteerRow:
    channel = spec.get("channel", "open_call")
    if channel not in CHANNELS:
        raise ValidationError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
    quartile, band = spec.get("income_quartile"), spec.get("age_band")
    if isinstance(quartile, bool) or quartile not in (1, 2, 3, 4):
        raise ValidationError(f"income_quartile must be 1, 2, 3 or 4, got {quartile!r}")
    if band not in AGE_BANDS:
        raise ValidationError(f"age_band must be one of {', '.join(AGE_BANDS)}, got {band!r}")
    registered = spec.get("registered_on")
    if not isinstance(registered, date):
        raise ValidationError(f"registered_on must be a date, got {registered!r}")
    lon, lat = spec.get("home_lon"), spec.get("home_lat")
    cell = spec.get("home_cell")
    if (lon is None) != (lat is None):
        raise ValidationError("give both home_lon and home_lat, or neither")
    if lon is not None and lat is not None:
        cell = home_cell(territory, lon=float(lon), lat=float(lat))
    code = spec.get("neighbourhood_code")
    if code is None and cell is not None:
        half = 100  # the cell's centre: the home itself is never kept
        code = zones.finest_at(cell[0] + half, cell[1] + half)
    elif code is not None and not zones.known(code):
        raise ValidationError(f"unknown neighbourhood_code {code!r}")
    return VolunteerRow(
        ref=spec.get("ref") or "v" + secrets.token_hex(6), registered_on=registered,
        channel=channel, income_quartile=int(quartile), age_band=str(band),
        neighbourhood_code=code, home_cell_x_m=None if cell is None else int(cell[0]),
        home_cell_y_m=None if cell is None else int(cell[1]), status="waiting",
        synthetic=bool(spec.get("synthetic", False)))


def register_volunteers(sessions: sessionmaker[Session], territory: Territory,
                        specs: Sequence[Mapping[str, Any]]) -> list[VolunteerInfo]:
    """Put volunteers in the pool, all or none. Each spec: ``registered_on``,
    ``income_quartile``, ``age_band``, ``channel`` and optionally ``home_lon``/``home_lat``
    (kept only as the 200 m cell and its neighbourhood) or ``neighbourhood_code``."""
    with sessions() as session:
        rows = []
        zones = _Zones(session, territory)
        for i, spec in enumerate(specs):
            try:
                rows.append(_volunteer_row(zones, territory, spec))
            except ValidationError as exc:
                raise ValidationError(f"volunteer {i + 1}: {exc}") from None
        session.add_all(rows)
        commit_or_conflict(session, "volunteer registration")
        return [_info(r) for r in rows]


def withdraw(sessions: sessionmaker[Session], ref: str) -> VolunteerInfo:
    """Take a waiting volunteer off the pool and the waiting list."""
    with sessions() as session:
        row = session.scalar(select(VolunteerRow).where(VolunteerRow.ref == ref))
        if row is None:
            raise NotFoundError(f"no volunteer {ref!r}")
        if row.status != "waiting":
            raise ValidationError(f"volunteer {ref} is {row.status}, not waiting")
        row.status, row.waiting_rank = "withdrawn", None
        commit_or_conflict(session, f"withdrawal of {ref}")
        return _info(row)


# --- the draw -----------------------------------------------------------------------------

@dataclass(frozen=True)
class HeldDraw:
    """A draw held over the store's pool, and the members it created."""

    draw_id: int
    result: DrawResult
    members: list[Member]
    waiting: int


def _open_member(repo: LedgerRepository, row: VolunteerRow, joined_on: date) -> MemberRow:
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
        pool = [_as_volunteer(r, used=set(quotas)) for r in rows.values()]
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
            members.append(_open_member(repo, rows[ref], joined_on))
        for ref, rank in waiting_order(pool, result.selected, seed=seed).items():
            rows[ref].waiting_rank, rows[ref].draw_id = rank, record.id
        commit_or_conflict(session, "the draw")
        return HeldDraw(record.id, result, [_member(m) for m in members],
                        len(rows) - len(result.selected))


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


# --- entry and exit -------------------------------------------------------------------------

@dataclass(frozen=True)
class Exit:
    """A member's exit and who entered from the waiting list in their place."""

    left: Member
    replacement: Member | None
    replacement_ref: str | None


def member_exit(sessions: sessionmaker[Session], member_id: int, *, on: date,
                replace: bool = True) -> Exit:
    """Record a member's exit and, with ``replace``, call the first volunteer of the same
    stratum on the waiting list (lowest rank; then the earliest registered)."""
    with sessions() as session:
        row = session.get(MemberRow, member_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no member with id {member_id}")
        if row.status == "left":
            raise ValidationError(f"member {member_id} already left on {row.left_on}")
        if on < row.joined_on:
            raise ValidationError(f"left_on {on} is before joined_on {row.joined_on}")
        row.status, row.left_on = "left", on
        new, ref = None, None
        if replace and row.income_quartile is not None and row.age_band is not None:
            nxt = session.scalar(
                select(VolunteerRow).where(
                    VolunteerRow.status == "waiting",
                    VolunteerRow.income_quartile == row.income_quartile,
                    VolunteerRow.age_band == row.age_band)
                .order_by(VolunteerRow.waiting_rank.is_(None), VolunteerRow.waiting_rank,
                          VolunteerRow.registered_on, VolunteerRow.id)
                .limit(1).with_for_update())
            if nxt is not None:
                new, ref = _open_member(LedgerRepository(session), nxt, on), nxt.ref
        commit_or_conflict(session, f"exit of member {member_id}")
        return Exit(_member(row), None if new is None else _member(new), ref)


# --- coverage of the strata -------------------------------------------------------------------

def _counts(session: Session, model: type[MemberRow] | type[VolunteerRow], status: str,
            codes: list[str]) -> NDArray[np.int64]:
    """members (or volunteers) per neighbourhood × stratum; last row: no/other neighbourhood"""
    index = {c: i for i, c in enumerate(codes)}
    table = np.zeros((len(codes) + 1, len(STRATA)), dtype=np.int64)
    col = {s: j for j, s in enumerate(STRATA)}
    query = (select(model.neighbourhood_code, model.income_quartile, model.age_band,
                    func.count()).where(model.status == status)
             .group_by(model.neighbourhood_code, model.income_quartile, model.age_band))
    for code, quartile, band, n in session.execute(query):
        if quartile is None or band is None:
            continue
        table[index.get(str(code), len(codes)), col[f"Q{quartile}|{band}"]] += int(n)
    return table


def coverage(sessions: sessionmaker[Session], territory: Territory, *,
             neighbourhoods: Sequence[str] | None = None, top_places: int = 5) -> dict[str, Any]:
    """How the members mirror the territory, stratum by stratum, and where to mobilise.

    For each stratum: its share of the adult population (estimate), the members' share,
    the volunteers waiting, and the seats it is short of a population-proportional
    membership. Under-represented strata list the neighbourhoods where most of their
    people live. Member and volunteer counts are cells of a neighbourhood × stratum table
    shown only at ``min_members_per_cell`` or more, with every published row and column
    keeping its hidden cells at 0 or at least that many (so no total minus shown cells
    gives a smaller group).
    """
    k = check_min_members(territory.caisse.min_members_per_cell)
    strata = territory_strata(territory)
    with sessions() as session:
        names = _names(session)
        codes = sorted(strata)
        members = _counts(session, MemberRow, "active", codes)
        waiting = _counts(session, VolunteerRow, "waiting", codes)
    population = population_by_stratum(strata, neighbourhoods)
    pop_total = sum(population.values())
    shown_m = suppress_table(members, min_members=k)
    shown_w = suppress_table(waiting, min_members=k)
    total_members = int(members.sum())
    # the stratum totals are a row whose total (all members) is published too
    totals_m, totals_w = members.sum(axis=0)[None, :], waiting.sum(axis=0)[None, :]
    show_total_m = suppress_table(totals_m, min_members=k)[0]
    show_total_w = suppress_table(totals_w, min_members=k)[0]
    strata_out = []
    for j, s in enumerate(STRATA):
        pop_share = population[s] / pop_total if pop_total else 0.0
        col_m = int(totals_m[0, j])
        target = pop_share * total_members
        short = max(0, round(target - col_m))
        entry: dict[str, Any] = {
            "stratum": s, "population_adults": round(population[s]),
            "population_share": round(pop_share, 4),
            "members": col_m if show_total_m[j] else None,
            "member_share": round(col_m / total_members, 4) if show_total_m[j] else None,
            "waiting": int(totals_w[0, j]) if show_total_w[j] else None,
            "under_represented": bool(col_m < target - 0.5),
            # seats short would give a hidden count back (target - short): hidden with it
            "seats_short": short if show_total_m[j] else None,
        }
        if entry["under_represented"]:
            places = _most_adults(strata, names, s, top=top_places, within=neighbourhoods)
            for place in places:
                r = codes.index(place["neighbourhood_code"])
                place["members"] = int(members[r, j]) if shown_m[r, j] else None
            entry["where_they_live"] = places
        strata_out.append(entry)
    # the members' and volunteers' totals are published, so each stratum's count hidden
    # above must not be recoverable from them: totals under k are hidden as well
    return {"min_members_per_cell": k, "members": total_members if total_members >= k else None,
            "waiting": int(waiting.sum()) if waiting.sum() >= k else None,
            "population_source": str(territory.strata_path.name if territory.strata_path
                                     else ""),
            "strata": strata_out,
            "hidden_member_cells": int(((members > 0) & ~shown_m).sum()),
            "hidden_waiting_cells": int(((waiting > 0) & ~shown_w).sum())}


def coverage_areas(sessions: sessionmaker[Session], territory: Territory) -> dict[str, Any]:
    """The map of strata coverage: each neighbourhood of the strata table with its adults
    in the strata the members under-represent (census estimates; which strata are
    under-represented is what :func:`coverage` publishes). No member count: a count per
    neighbourhood, nested with the heatmap's areas, could be subtracted from them."""
    from shapely.geometry import mapping

    from geo_caisse.storage.repositories import NeighbourhoodRepository

    report = coverage(sessions, territory)
    under = [r["stratum"] for r in report["strata"] if r["under_represented"]]
    table = territory_strata(territory)
    with sessions() as session:
        rows = NeighbourhoodRepository(session).list().items
    features = []
    for n, geom in rows:
        if n.code not in table:
            continue
        row = table[n.code]
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": {
            "code": n.code, "name": n.name, "adults": round(sum(row.values())),
            "under_represented_adults": round(sum(row[s] for s in under)),
            "by_stratum": {s: round(row[s]) for s in under}}})
    return {"type": "FeatureCollection", "features": features, "under_represented": under,
            "source": "census estimates (data/montpellier/strata.csv)"}


def _names(session: Session) -> dict[str, str]:
    return {str(c): str(n) for c, n in session.execute(
        select(NeighbourhoodRow.code, NeighbourhoodRow.name))}


def _most_adults(strata: Mapping[str, Mapping[str, float]], names: Mapping[str, str],
                 stratum: str, *, top: int, within: Sequence[str] | None = None
                 ) -> list[dict[str, Any]]:
    """The ``top`` neighbourhoods (of ``within``, or all) with most adults of ``stratum``."""
    ranked = sorted(((row[stratum], code) for code, row in strata.items()
                     if within is None or code in within), reverse=True)
    return [{"neighbourhood_code": c, "name": names.get(c, c), "adults": round(a)}
            for a, c in ranked[:top]]


def places_to_mobilise(sessions: sessionmaker[Session], territory: Territory,
                       strata: Sequence[str], *, top: int = 5) -> dict[str, list[dict[str, Any]]]:
    """For each stratum, the neighbourhoods where most of its adults live (census estimates,
    no member count): where to look for the volunteers a draw was short of."""
    table = territory_strata(territory)
    with sessions() as session:
        names = _names(session)
    out = {}
    for stratum in strata:
        if stratum not in STRATA:
            raise ValidationError(f"unknown stratum {stratum!r}")
        out[stratum] = _most_adults(table, names, stratum, top=top)
    return out


def waiting_list(sessions: sessionmaker[Session]) -> list[VolunteerInfo]:
    """The waiting list, stratum by stratum in calling order (for the enrolment team)."""
    with sessions() as session:
        rows = session.scalars(select(VolunteerRow).where(VolunteerRow.status == "waiting")
                               .order_by(VolunteerRow.income_quartile, VolunteerRow.age_band,
                                         VolunteerRow.waiting_rank.is_(None),
                                         VolunteerRow.waiting_rank, VolunteerRow.id))
        return [_info(r) for r in rows]


# --- the committee ----------------------------------------------------------------------------

def add_committee_seat(sessions: sessionmaker[Session], *, joined_on: date, in_poverty: bool,
                       member_id: int | None = None) -> str:
    """Give a seat on the committee; returns the seat's ref."""
    if not isinstance(in_poverty, bool):
        raise ValidationError(f"in_poverty must be true or false, got {in_poverty!r}")
    with sessions() as session:
        if member_id is not None and session.get(MemberRow, member_id) is None:
            raise NotFoundError(f"no member with id {member_id}")
        row = CommitteeSeatRow(ref="c" + secrets.token_hex(6), joined_on=joined_on,
                               in_poverty=in_poverty, member_id=member_id)
        session.add(row)
        commit_or_conflict(session, "committee seat")
        return row.ref


def leave_committee(sessions: sessionmaker[Session], ref: str, *, on: date) -> None:
    with sessions() as session:
        row = session.scalar(select(CommitteeSeatRow).where(CommitteeSeatRow.ref == ref))
        if row is None:
            raise NotFoundError(f"no committee seat {ref!r}")
        if row.left_on is not None or on < row.joined_on:
            raise ValidationError(f"seat {ref}: already left, or {on} before it was taken")
        row.left_on = on
        commit_or_conflict(session, f"end of committee seat {ref}")


def committee_composition(sessions: sessionmaker[Session], territory: Territory, *,
                          on: date) -> dict[str, Any]:
    """Seats held on ``on`` and the share of their holders in poverty.

    The share is published only when the committee has at least ``min_members_per_cell``
    seats and both groups (in poverty or not) are empty or that large; otherwise it is
    given as withheld, with the reason.
    """
    k = check_min_members(territory.caisse.min_members_per_cell)
    with sessions() as session:
        rows = session.scalars(select(CommitteeSeatRow).where(
            CommitteeSeatRow.joined_on <= on,
            (CommitteeSeatRow.left_on.is_(None)) | (CommitteeSeatRow.left_on > on))).all()
    seats = len(rows)
    poor = sum(1 for r in rows if r.in_poverty)
    ok = seats >= k and all(n == 0 or n >= k for n in (poor, seats - poor))
    return {"on": on.isoformat(), "seats": seats,
            "in_poverty_share": round(poor / seats, 3) if ok else None,
            "withheld": None if ok else
            f"shown when the committee has >= {k} seats and each group 0 or >= {k}"}


__all__ = [
    "Exit",
    "HeldDraw",
    "VolunteerInfo",
    "add_committee_seat",
    "committee_composition",
    "coverage",
    "coverage_areas",
    "draw_volunteer_list",
    "hold_draw",
    "leave_committee",
    "member_exit",
    "places_to_mobilise",
    "published_draw",
    "register_volunteers",
    "verify_held_draw",
    "waiting_list",
    "withdraw",
]
