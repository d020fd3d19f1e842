"""The Mona ledger and its flows over HTTP.

Who may call what (``require_scope``): a member sees only their own balance and
statement and asks for payment codes; a producer takes payments at its own point of sale
and sees its own payment basin; coordinators and the committee see the budget and the
flows, every figure of which aggregates at least 11 members (:mod:`geo_caisse.privacy`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.deps import (
    SessionsDep,
    SettingsDep,
    TerritoryDep,
    UserDep,
    get_jwt_secret,
    require_scope,
)
from geo_caisse import auth, payment
from geo_caisse._errors import ForbiddenError, NotFoundError, ValidationError
from geo_caisse.auth import User
from geo_caisse.flows import MonaFlows, load_flow_data
from geo_caisse.storage.models import MemberRow, TransferRow

router = APIRouter(prefix="/api", tags=["ledger"])


def get_writer(request: Request) -> sessionmaker[Session]:
    return request.app.state.writer_sessions  # type: ignore[no-any-return]


WriterDep = Annotated[sessionmaker[Session], Depends(get_writer)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str
    expires_in_s: int


@router.post("/token", response_model=Token, tags=["auth"])
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], sessions: SessionsDep,
          settings: SettingsDep, secret: Annotated[str, Depends(get_jwt_secret)]) -> Token:
    """OAuth2 password flow: a short-lived access token (JWT, HS256)."""
    user = auth.authenticate(sessions, form.username, form.password)
    ttl = settings.api.token_ttl_min
    return Token(access_token=auth.issue_token(user, secret=secret, ttl_min=ttl),
                 role=user.role, expires_in_s=int(ttl * 60))


@router.get("/me", tags=["auth"])
def me(user: UserDep) -> dict[str, Any]:
    """Who the token says the caller is: role, scopes and their own links."""
    return {"username": user.username, "role": user.role, "scopes": list(user.scopes),
            "member_id": user.member_id, "point_of_sale_id": user.point_of_sale_id}


class Balance(BaseModel):
    balance_mona: Decimal
    statement: list[dict[str, Any]]


def _member_id(user: User) -> int:
    if user.member_id is None:
        raise ForbiddenError("only a member has a balance")
    return user.member_id


@router.get("/me/balance", response_model=Balance)
def my_balance(sessions: SessionsDep,
               user: Annotated[User, require_scope("ledger:self")],
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Balance:
    """The caller's own balance and latest movements (never anyone else's)."""
    member = _member_id(user)
    lines = payment.member_statement(sessions, member, limit=limit)
    return Balance(balance_mona=payment.member_balance(sessions, member), statement=[
        {"kind": ln.kind, "amount_mona": str(ln.amount_mona),
         "counterpart": ln.counterpart.split(":", 1)[0] if ln.counterpart.startswith(
             "member:") else ln.counterpart, "occurred_at": ln.occurred_at.isoformat()}
        for ln in lines])


class CodeOut(BaseModel):
    code: str
    expires_at: datetime


@router.post("/me/payment-code", response_model=CodeOut)
def my_payment_code(sessions: WriterDep, territory: TerritoryDep,
                    user: Annotated[User, require_scope("ledger:self")]) -> CodeOut:
    """A one-time code to show at the till: the vendor never learns who pays."""
    issued = payment.issue_payment_code(sessions, territory, _member_id(user))
    return CodeOut(code=issued.code, expires_at=issued.expires_at)


class PaymentIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, description="the member's one-time code")
    amount_mona: Decimal = Field(gt=0, le=10000, decimal_places=2,
                                 description="amount as a decimal string, e.g. \"12.50\"")


class ReceiptOut(BaseModel):
    payment_id: int
    amount_mona: Decimal
    vendor_ref: str
    occurred_at: datetime
    replayed: bool


@router.post("/payments", response_model=ReceiptOut, status_code=201)
def take_payment(body: PaymentIn, sessions: WriterDep, request: Request,
                 user: Annotated[User, require_scope("ledger:vendor")],
                 idempotency_key: Annotated[str | None, Header(
                     max_length=120, description="retry with the same key: paid once")] = None,
                 ) -> ReceiptOut:
    """A vendor takes a payment with the code the member shows (refused: 409, nothing paid)."""
    if user.point_of_sale_id is None:
        raise ForbiddenError("only a producer or shop account takes payments")
    receipt = payment.pay(sessions, code=body.code, point_of_sale_id=user.point_of_sale_id,
                          amount_mona=body.amount_mona, idempotency_key=idempotency_key)
    return ReceiptOut(payment_id=receipt.payment_id, amount_mona=receipt.amount_mona,
                      vendor_ref=receipt.vendor_ref, occurred_at=receipt.occurred_at,
                      replayed=receipt.replayed)


@router.get("/budget")
def budget(sessions: SessionsDep, _user: Annotated[User, require_scope("budget:read")]
           ) -> dict[str, Any]:
    """Contributions, funding, treasury, Mona issued, held and reconverted, since the start.

    Only whole-ledger totals (no month), so no two budgets can be subtracted; the
    contributions are hidden while fewer than 11 members have contributed.
    """
    b = payment.budget_summary(sessions)
    out = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in vars(b).items()}
    out["funding_eur"] = {k: str(v) for k, v in b.funding_eur.items()}
    if b.contributors < 11:
        out["contributions_eur"] = out["contributors"] = None
    if b.members_active < 11:
        out["members_active"] = None  # a caisse this small does not publish its head count
    return out


def _flows(request: Request, sessions: sessionmaker[Session], territory: Any) -> MonaFlows:
    """The flows, recomputed when the ledger has moved (cached per ledger state)."""
    with sessions() as session:
        version = (session.scalar(select(func.max(TransferRow.id))),
                   session.scalar(select(func.count()).select_from(MemberRow)))
    cached = request.app.state.flows
    if cached is not None and cached[0] == version:
        return cached[1]  # type: ignore[no-any-return]
    flows = MonaFlows.compute(load_flow_data(sessions, territory), territory)
    request.app.state.flows = (version, flows)
    return flows


def _year(flows: MonaFlows, year: str | None) -> str:
    years = flows.years()
    if year is None:
        if not years:
            raise NotFoundError("the ledger holds no movement yet")
        return years[-1]
    return year


Period = Annotated[str | None, Query(description="YYYY or YYYY-MM (default: latest year)",
                                     max_length=7)]
Year = Annotated[str | None, Query(description="YYYY (default: latest year)", max_length=4)]
FlowsReader = Annotated[User, require_scope("flows:read")]


@router.get("/flows/heatmap")
def heatmap(request: Request, sessions: SessionsDep, territory: TerritoryDep,
            _user: FlowsReader, period: Period = None) -> dict[str, Any]:
    """Mona spent by members, by home area of ≥ 11 members (GeoJSON)."""
    flows = _flows(request, sessions, territory)
    return flows.home_heatmap(period or _year(flows, None))


@router.get("/flows/spend")
def spend(request: Request, sessions: SessionsDep, territory: TerritoryDep,
          _user: FlowsReader, year: Year = None) -> dict[str, Any]:
    """Where the Mona is spent: areas of points of sale paid by ≥ 11 members (GeoJSON)."""
    flows = _flows(request, sessions, territory)
    return flows.spend_heatmap(_year(flows, year))


@router.get("/flows/lines")
def lines(request: Request, sessions: SessionsDep, territory: TerritoryDep,
          _user: FlowsReader, year: Year = None,
          by: Annotated[str, Query(pattern="^(market|point_of_sale)$")] = "market"
          ) -> dict[str, Any]:
    """Flows from home areas to markets (or points of sale), ≥ 11 members each (GeoJSON)."""
    flows = _flows(request, sessions, territory)
    return flows.flows(_year(flows, year), by=by)


@router.get("/flows/summary")
def summary(request: Request, sessions: SessionsDep, territory: TerritoryDep,
            _user: FlowsReader, period: Period = None) -> dict[str, Any]:
    """Centre share, producers' share and every transfer by kind, for a year or month."""
    flows = _flows(request, sessions, territory)
    chosen = period or _year(flows, None)
    return {"period": chosen, "years": flows.years(), "months": flows.data.months,
            "centre": flows.centre_share(chosen), "producers": flows.producer_share(chosen),
            "classification": flows.classification(chosen)}


@router.get("/flows/respend")
def respend(request: Request, sessions: SessionsDep, territory: TerritoryDep,
            _user: FlowsReader, year: Year = None) -> dict[str, Any]:
    """Mona that points of sale pay each other, by kind (no member involved)."""
    flows = _flows(request, sessions, territory)
    return flows.vendor_respend(_year(flows, year))


@router.get("/flows/basin")
def basin(request: Request, sessions: SessionsDep, territory: TerritoryDep,
          user: UserDep, year: Year = None,
          point_of_sale_id: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    """Where a point of sale's payers live (a producer: only its own point of sale)."""
    if "flows:own" not in user.scopes and "flows:read" not in user.scopes:
        raise ForbiddenError(f"the {user.role} role may not see payment basins")
    target = point_of_sale_id or user.point_of_sale_id
    if "flows:read" not in user.scopes and target != user.point_of_sale_id:
        raise ForbiddenError("a producer sees only its own point of sale")
    if target is None:
        raise ValidationError("point_of_sale_id is required")
    flows = _flows(request, sessions, territory)
    return flows.basin(target, _year(flows, year))
