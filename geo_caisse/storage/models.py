"""Tables. Geometries are WGS84 (SRID 4326); metric work happens in-process."""

from __future__ import annotations

from datetime import UTC, date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo_caisse.core.domain import (
    MarketKind,
    PointOfSaleKind,
    Status,
    Wheelchair,
)

SRID = 4326

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: type) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"  # type: ignore[attr-defined]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NeighbourhoodRow(Base):
    __tablename__ = "neighbourhood"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # one of the territory's levels (territory.toml levels; no CHECK since migration 0011)
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(32))
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    median_income_uc_eur: Mapped[float | None] = mapped_column(Float)
    benefit_dependent_share: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True, nullable=False)
    )


class MarketRow(Base):
    __tablename__ = "market"
    __table_args__ = (CheckConstraint(_in("kind", MarketKind), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    opening_hours: Mapped[str] = mapped_column(Text)
    open_days: Mapped[str] = mapped_column(String(7))  # "0100010": Monday first
    address: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True, nullable=False)
    )


class PointOfSaleRow(Base):
    __tablename__ = "point_of_sale"
    __table_args__ = (
        CheckConstraint(_in("kind", PointOfSaleKind), name="kind"),
        CheckConstraint(_in("status", Status), name="status"),
        CheckConstraint(_in("wheelchair", Wheelchair), name="wheelchair"),
        CheckConstraint("NOT accepts_mona OR status = 'conventionne'", name="mona_needs_status"),
        CheckConstraint("kind <> 'market_stall' OR market_id IS NOT NULL", name="stall_market"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # ";bakery;cheese;": delimited so one LIKE filter works on both backends
    categories: Mapped[str] = mapped_column(Text, default=";")
    opening_hours: Mapped[str | None] = mapped_column(Text)
    open_days: Mapped[str | None] = mapped_column(String(7))
    wheelchair: Mapped[str] = mapped_column(String(10), default=Wheelchair.UNKNOWN.value)
    accepts_mona: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(Text)
    market_id: Mapped[int | None] = mapped_column(
        ForeignKey("market.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True, nullable=False)
    )


# --- the Mona ledger (pseudonymous: no name, no address; see geo_caisse.mona) -------------
# Amounts are integer cents (exact on both backends); the domain speaks Decimal.

ACCOUNT_KINDS = ("member", "vendor", "issuance", "reconversion", "treasury", "payout")
TRANSFER_KINDS = ("allocation", "payment", "vendor_payment", "reconversion", "payout",
                  "contribution", "funding", "reversal", "adjustment")
CURRENCIES = ("MONA", "EUR")


def _in_values(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class MemberRow(Base):
    """A member as the ledger and the flows know them: a pseudonym and a 200 m home cell.

    The link to the person (name, address, contact) lives in enrolment and can be
    erased without touching the ledger.
    """

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'left')", name="status"),
        CheckConstraint("income_quartile IS NULL OR income_quartile BETWEEN 1 AND 4",
                        name="income_quartile"),
        CheckConstraint("age_band IS NULL OR age_band IN ('<30', '30-60', '>60')",
                        name="age_band"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # lower-left corner of the 200 m Lambert-93 cell of the home (never the address)
    home_cell_x_m: Mapped[int | None] = mapped_column(Integer)
    home_cell_y_m: Mapped[int | None] = mapped_column(Integer)
    neighbourhood_code: Mapped[str | None] = mapped_column(String(32), index=True)
    income_quartile: Mapped[int | None] = mapped_column(Integer)
    age_band: Mapped[str | None] = mapped_column(String(6))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class AccountRow(Base):
    __tablename__ = "ledger_account"
    __table_args__ = (
        CheckConstraint(_in_values("kind", ACCOUNT_KINDS), name="kind"),
        CheckConstraint(_in_values("currency", CURRENCIES), name="currency"),
        CheckConstraint("balance_cents >= 0 OR kind = 'issuance'", name="no_overdraft"),
        CheckConstraint("(kind = 'member') = (member_id IS NOT NULL)", name="member_link"),
        CheckConstraint("(kind = 'vendor') = (point_of_sale_id IS NOT NULL)", name="vendor_link"),
        UniqueConstraint("id", "currency", name="uq_ledger_account_id_currency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(4))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), unique=True)
    point_of_sale_id: Mapped[int | None] = mapped_column(ForeignKey("point_of_sale.id"),
                                                         unique=True)
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class EventRow(Base):
    """One business event (a payment, an allocation, an imported movement group)."""

    __tablename__ = "ledger_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class TransferRow(Base):
    """One movement: ``amount_cents`` leaves ``debit`` and reaches ``credit``. Append-only."""

    __tablename__ = "ledger_transfer"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        CheckConstraint(_in_values("kind", TRANSFER_KINDS), name="kind"),
        CheckConstraint(_in_values("currency", CURRENCIES), name="currency"),
        CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_link"),
        ForeignKeyConstraint(["debit_account_id", "currency"],
                             ["ledger_account.id", "ledger_account.currency"],
                             name="fk_ledger_transfer_debit_currency"),
        ForeignKeyConstraint(["credit_account_id", "currency"],
                             ["ledger_account.id", "ledger_account.currency"],
                             name="fk_ledger_transfer_credit_currency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("ledger_event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(4))
    debit_account_id: Mapped[int] = mapped_column(Integer, index=True)
    credit_account_id: Mapped[int] = mapped_column(Integer, index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # a contribution names whose it is (pseudonymous); other transfers leave it empty
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    funder: Mapped[str | None] = mapped_column(String(40))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfer.id"),
                                                    unique=True)


class PaymentCodeRow(Base):
    """A one-time code a member shows at the till; stored hashed, used once."""

    __tablename__ = "payment_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """Someone who logs in (see geo_caisse.auth.users); never part of the ledger."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('member', 'producer', 'committee', 'coordinator', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), unique=True)
    #: a vendor's first point of sale (the others: UserPointOfSaleRow)
    point_of_sale_id: Mapped[int | None] = mapped_column(ForeignKey("point_of_sale.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=_now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserPointOfSaleRow(Base):
    """The other stalls or shops a vendor account cashes at (a producer at two markets)."""

    __tablename__ = "user_point_of_sale"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    point_of_sale_id: Mapped[int] = mapped_column(ForeignKey("point_of_sale.id"),
                                                  primary_key=True)


INVITATION_PURPOSES = ("member", "vendor", "reset")


class InvitationRow(Base):
    """A one-time code that lets a person make their login (a drawn or referred member, a
    new conventionné) or choose a new password; stored hashed, with an expiry."""

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint(_in_values("purpose", INVITATION_PURPOSES), name="purpose"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    point_of_sale_id: Mapped[int | None] = mapped_column(ForeignKey("point_of_sale.id"))
    #: a vendor's further points of sale (ids), beyond ``point_of_sale_id``
    more_points_of_sale: Mapped[list[int] | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- enrolment (issue 5) -------------------------------------------------------------------

CHANNELS = ("open_call", "referral", "committee")


class DrawRow(Base):
    """A held draw: everything published, plus the volunteer list given to observers."""

    __tablename__ = "draw"
    __table_args__ = (CheckConstraint("method IN ('stratified', 'maximin')", name="method"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    seed: Mapped[int] = mapped_column(BigInteger)
    seats: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(12))
    quotas: Mapped[dict[str, object]] = mapped_column(JSON)
    list_sha256: Mapped[str] = mapped_column(String(64))
    # the canonical volunteer list (refs and strata, no identity): what observers re-run
    volunteer_list_csv: Mapped[str] = mapped_column(Text)
    selected: Mapped[list[str]] = mapped_column(JSON)
    stratum_probability: Mapped[dict[str, float]] = mapped_column(JSON)
    shortfall: Mapped[dict[str, object]] = mapped_column(JSON)
    min_probability: Mapped[float] = mapped_column(Float)


class VolunteerRow(Base):
    """Someone who asked to join: a random ref, the draw's strata, a 200 m home cell.

    ``status``: ``waiting`` (in the pool and on the waiting list), ``member`` (drawn or
    called from the waiting list; ``member_id`` is their ledger member), ``withdrawn``.
    ``waiting_rank`` orders the waiting list inside a stratum (set by the latest draw from
    its seed, so it is as public and checkable as the draw).
    """

    __tablename__ = "volunteer"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'member', 'withdrawn')", name="status"),
        CheckConstraint("channel IN ('open_call', 'referral', 'committee')", name="channel"),
        CheckConstraint("income_quartile BETWEEN 1 AND 4", name="income_quartile"),
        CheckConstraint("age_band IN ('<30', '30-60', '>60')", name="age_band"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    registered_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(12))
    income_quartile: Mapped[int] = mapped_column(Integer)
    age_band: Mapped[str] = mapped_column(String(6))
    neighbourhood_code: Mapped[str | None] = mapped_column(String(32))
    home_cell_x_m: Mapped[int | None] = mapped_column(Integer)
    home_cell_y_m: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    waiting_rank: Mapped[int | None] = mapped_column(Integer)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("draw.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), unique=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # called from the waiting list when this member left (None: drawn, admitted, waiting)
    replaced_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class CommitteeSeatRow(Base):
    """A seat on the citizens' committee. ``in_poverty``: the holder declared a household
    income under the poverty line (60 % of the median) when taking the seat."""

    __tablename__ = "committee_seat"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    in_poverty: Mapped[bool] = mapped_column(Boolean)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


SUGGESTION_KINDS = ("new_place", "hours")
SUGGESTION_STATUSES = ("pending", "accepted", "refused")


class SuggestionRow(Base):
    """What the public suggests from the member map: a place where to pay in MonA, or the
    hours of a place. Nothing of it shows until a coordinator accepts it; it holds no name
    or contact of who suggested it (nor any address of theirs)."""

    __tablename__ = "suggestion"
    __table_args__ = (
        CheckConstraint(_in_values("kind", SUGGESTION_KINDS), name="kind"),
        CheckConstraint(_in_values("status", SUGGESTION_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    place_kind: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    hours: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(String(1000))
    point_of_sale_id: Mapped[int | None] = mapped_column(ForeignKey("point_of_sale.id"))
    market_id: Mapped[int | None] = mapped_column(ForeignKey("market.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_note: Mapped[str | None] = mapped_column(String(1000))


# --- reconversion requests (issue 14) ----------------------------------------------------

RECONVERSION_STATUSES = ("pending", "approved", "refused")


class ReconversionRequestRow(Base):
    """A vendor asks to turn MonA back into euros; a coordinator approves (the ledger then
    posts the reconversion) or refuses."""

    __tablename__ = "reconversion_request"
    __table_args__ = (
        CheckConstraint(_in_values("status", RECONVERSION_STATUSES), name="status"),
        CheckConstraint("amount_cents > 0", name="amount_cents"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_of_sale_id: Mapped[int] = mapped_column(ForeignKey("point_of_sale.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(1000))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_event.id"))


# --- conventionnement dossiers and the history of statuses (issue 15) ---------------------

CRITERION_STATES = ("met", "not_met", "unknown")
DECISIONS = ("conventionne", "refuse", "suspendu")


class DossierRow(Base):
    """The committee's file on one point of sale: who proposed it, the meeting it goes to.
    Its criteria, attachments and decisions hang off it."""

    __tablename__ = "conventionnement_dossier"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_of_sale_id: Mapped[int] = mapped_column(ForeignKey("point_of_sale.id"), unique=True)
    proposed_by: Mapped[str] = mapped_column(String(200))
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestion.id"))
    meeting_on: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    opened_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DossierCriterionRow(Base):
    """One criterion of a dossier's grid: met, not met or unknown, with a comment."""

    __tablename__ = "dossier_criterion"
    __table_args__ = (CheckConstraint(_in_values("state", CRITERION_STATES), name="state"),)

    dossier_id: Mapped[int] = mapped_column(ForeignKey("conventionnement_dossier.id"),
                                            primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    state: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_by: Mapped[str] = mapped_column(String(80))


class DossierAttachmentRow(Base):
    """A reference to a document the committee holds (a file number, a visit report): the
    document itself stays where the caisse keeps its papers."""

    __tablename__ = "dossier_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("conventionnement_dossier.id"),
                                            index=True)
    reference: Mapped[str] = mapped_column(String(300))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    added_by: Mapped[str] = mapped_column(String(80))


class DossierDecisionRow(Base):
    """A committee decision on a dossier (append-only: a later decision supersedes it)."""

    __tablename__ = "dossier_decision"
    __table_args__ = (
        CheckConstraint(_in_values("decision", DECISIONS), name="decision"),
        CheckConstraint("(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR "
                        "votes_against >= 0) AND (votes_abstention IS NULL OR "
                        "votes_abstention >= 0)", name="votes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("conventionnement_dossier.id"),
                                            index=True)
    decision: Mapped[str] = mapped_column(String(12))
    decided_on: Mapped[date] = mapped_column(Date)
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    votes_abstention: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(1000))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    recorded_by: Mapped[str] = mapped_column(String(80))


class StatusChangeRow(Base):
    """Every change of a point of sale's status, whoever made it and how (append-only)."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_of_sale_id: Mapped[int] = mapped_column(ForeignKey("point_of_sale.id"), index=True)
    status_before: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    accepts_mona: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    changed_by: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(200))
    dossier_decision_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_decision.id"))


# --- the committee's budget scenarios (issue 15) ------------------------------------------


class BudgetScenarioRow(Base):
    """A scenario the committee saved in the budget planner (its settings, as JSON)."""

    __tablename__ = "budget_scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    params: Mapped[dict[str, object]] = mapped_column(JSON)
    saved_by: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
