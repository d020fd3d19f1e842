"""Roles, the scopes their tokens carry, and who is calling (see :mod:`geo_caisse.auth`)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("member", "producer", "committee", "coordinator", "admin")


SCOPES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "member": ("ledger:self",),
    "producer": ("ledger:vendor", "flows:own"),
    "committee": ("flows:read", "budget:read", "enrolment:read", "conventionnement",
                  "budget:write"),
    "coordinator": ("flows:read", "budget:read", "layers:write", "ledger:admin",
                    "enrolment:read", "enrolment:write", "accounts:write", "conventionnement",
                    "budget:write"),
    "admin": ("ledger:self", "ledger:vendor", "flows:own", "flows:read", "budget:read",
              "layers:write", "ledger:admin", "enrolment:read", "enrolment:write",
              "accounts:write", "conventionnement", "budget:write"),
}


@dataclass(frozen=True)
class User:
    """Who is calling, as a token says. A vendor's ``points_of_sale``: the stalls or shops
    it cashes at, its first one first."""

    username: str
    role: str
    scopes: tuple[str, ...]
    member_id: int | None = None
    points_of_sale: tuple[int, ...] = ()

    @property
    def point_of_sale_id(self) -> int | None:
        """The vendor's first point of sale (None for anyone else)."""
        return self.points_of_sale[0] if self.points_of_sale else None
