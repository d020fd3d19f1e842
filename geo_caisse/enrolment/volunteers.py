"""Volunteers in the pool: registration (all or none), withdrawal, the waiting list.

A volunteer is kept as a random ``ref``, the draw's strata, a neighbourhood and a 200 m home
cell: never a name or an address.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from geoalchemy2.shape import to_shape
from shapely import contains_xy
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.auth.roles import User
from geo_caisse.core.cells import cell_centres, home_cell
from geo_caisse.core.crs import WGS84, reproject
from geo_caisse.core.errors import AuthError, ForbiddenError, NotFoundError, ValidationError
from geo_caisse.core.strata import check_age_band, check_income_quartile, stratum
from geo_caisse.core.territory import Territory
from geo_caisse.enrolment.draw import (
    Volunteer,
)
from geo_caisse.storage.models import (
    CHANNELS,
    NeighbourhoodRow,
    VolunteerRow,
)
from geo_caisse.storage.transaction import commit_or_conflict


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
    return VolunteerInfo(row.ref, row.status, stratum(row.income_quartile, row.age_band),
                         row.channel, row.neighbourhood_code, row.waiting_rank, row.member_id)


def as_drawn(row: VolunteerRow, *, used: set[str]) -> Volunteer:
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
            rank = self._territory.level_rank  # finest first
            rows = sorted(self._session.scalars(select(NeighbourhoodRow)),
                          key=lambda r: -rank(str(r.level)))
            self._metric = [(str(r.code), reproject(to_shape(r.geom), WGS84,
                                                    self._territory.metric_crs))
                            for r in rows]
        return next((code for code, poly in self._metric if contains_xy(poly, x_m, y_m)), None)


def _volunteer_row(zones: _Zones, territory: Territory, spec: Mapping[str, Any]
                   ) -> VolunteerRow:
    channel = spec.get("channel", "open_call")
    if channel not in CHANNELS:
        raise ValidationError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
    quartile = check_income_quartile(spec.get("income_quartile"))
    band = check_age_band(spec.get("age_band"))
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
        # the cell's centre: the home itself is never kept
        x_m, y_m = cell_centres([cell[0], cell[1]])
        code = zones.finest_at(float(x_m), float(y_m))
    elif code is not None and not zones.known(code):
        raise ValidationError(f"unknown neighbourhood_code {code!r}")
    return VolunteerRow(
        ref=spec.get("ref") or "v" + secrets.token_hex(6), registered_on=registered,
        channel=channel, income_quartile=quartile, age_band=band,
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


def register_volunteer(sessions: sessionmaker[Session], territory: Territory,
                       spec: Mapping[str, Any], *, by: User | None = None) -> VolunteerInfo:
    """One volunteer, as :func:`register_volunteers`. The open call is public; a referral or
    a committee nomination is registered ``by`` a coordinator (``enrolment:write``)."""
    channel = spec.get("channel", "open_call")
    if channel != "open_call":
        if by is None:
            raise AuthError(f"a {channel} volunteer is registered by a coordinator: "
                            "log in first (Authorization: Bearer <access token>)")
        if "enrolment:write" not in by.scopes:
            raise ForbiddenError(f"only a coordinator registers a {channel} volunteer")
    [info] = register_volunteers(sessions, territory, [spec])
    return info


def count_volunteers(sessions: sessionmaker[Session]) -> int:
    """How many volunteers were ever registered (for ``volunteers --if-empty``)."""
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(VolunteerRow)) or 0)


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


def waiting_list(sessions: sessionmaker[Session]) -> list[VolunteerInfo]:
    """The waiting list, stratum by stratum in calling order (for the enrolment team)."""
    with sessions() as session:
        rows = session.scalars(select(VolunteerRow).where(VolunteerRow.status == "waiting")
                               .order_by(VolunteerRow.income_quartile, VolunteerRow.age_band,
                                         VolunteerRow.waiting_rank.is_(None),
                                         VolunteerRow.waiting_rank, VolunteerRow.id))
        return [_info(r) for r in rows]
