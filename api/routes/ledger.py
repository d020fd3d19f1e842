"""The Mona ledger over HTTP: a member's own account, the till, the budget.

Who may call what: a member sees only their own balance and statement and asks for payment
codes; a producer or shop takes payments at its own point of sale; coordinators and the
committee see the budget, whose head counts aggregate at least the territory's minimum group.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.deps import (
    BudgetReaderDep,
    OwnMemberDep,
    SessionsDep,
    TerritoryDep,
    VendorDep,
    WriterDep,
    till_point_of_sale,
)
from api.errors import responses
from api.schemas.ledger import (
    AccountLineOut,
    Balance,
    BudgetOut,
    CodeOut,
    MemberAccountOut,
    PaymentIn,
    ReceiptOut,
    StatementLineOut,
)
from geo_caisse.io.qr import qr_svg
from geo_caisse.mona.member_account import member_account
from geo_caisse.mona.payments import issue_payment_code, pay
from geo_caisse.mona.statements import member_balance, member_statement, published_budget

router = APIRouter(prefix="/api", tags=["ledger"])


@router.get("/me/balance", response_model=Balance, responses=responses(401, 403, 422))
def my_balance(sessions: SessionsDep, member_id: OwnMemberDep,
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Balance:
    """The caller's own balance and latest movements (never anyone else's)."""
    lines = member_statement(sessions, member_id, limit=limit)
    return Balance(balance_mona=member_balance(sessions, member_id), statement=[
        StatementLineOut(kind=ln.kind, amount_mona=ln.amount_mona, counterpart=ln.counterpart,
                         occurred_at=ln.occurred_at) for ln in lines])


@router.get("/me/account", response_model=MemberAccountOut,
            responses=responses(401, 403, 422))
def my_account(sessions: SessionsDep, territory: TerritoryDep, member_id: OwnMemberDep,
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> MemberAccountOut:
    """The caller's own account: balance, this month's allocation and the next, the
    contribution paid, and the statement with each point of sale's name."""
    a = member_account(sessions, territory, member_id, limit=limit)
    return MemberAccountOut(
        pseudonym=a.pseudonym, joined_on=a.joined_on, active=a.active,
        balance_mona=a.balance_mona, month=a.month,
        allocated_this_month_mona=a.allocated_this_month_mona,
        next_allocation_on=a.next_allocation_on,
        monthly_allocation_mona=a.monthly_allocation_mona,
        contribution_this_month_eur=a.contribution_this_month_eur,
        contributions_this_year_eur=a.contributions_this_year_eur,
        statement=[AccountLineOut(
            kind=ln.kind, amount_mona=ln.amount_mona, balance_after_mona=ln.balance_after_mona,
            occurred_at=ln.occurred_at, place_name=ln.place_name, place_kind=ln.place_kind,
            market_name=ln.market_name, month=ln.reference, reverses_kind=ln.reverses_kind)
            for ln in a.statement])


@router.post("/me/payment-code", response_model=CodeOut, responses=responses(401, 403, 409))
def my_payment_code(sessions: WriterDep, territory: TerritoryDep,
                    member_id: OwnMemberDep, response: Response) -> CodeOut:
    """A one-time code to show at the till, and its QR code: the vendor never learns who
    pays. In the answer only (never a URL); not to be cached."""
    response.headers["Cache-Control"] = "no-store"
    issued = issue_payment_code(sessions, territory, member_id)
    half = len(issued.code) // 2
    return CodeOut(code=issued.code, display=f"{issued.code[:half]} {issued.code[half:]}",
                   expires_at=issued.expires_at,
                   qr_svg=qr_svg(issued.code, title="Code de paiement"))


@router.post("/payments", response_model=ReceiptOut, status_code=201,
             responses=responses(401, 403, 404, 409, 413, 422))
def take_payment(body: PaymentIn, sessions: WriterDep, user: VendorDep,
                 idempotency_key: Annotated[str | None, Header(
                     min_length=1, max_length=120,
                     description="retry with the same key: paid once")] = None,
                 ) -> ReceiptOut:
    """A vendor takes a payment with the code the member shows (refused: 409, nothing paid),
    at ``point_of_sale_id`` if its login cashes at several."""
    point_of_sale_id = till_point_of_sale(user, body.point_of_sale_id)
    receipt = pay(sessions, code=body.code, point_of_sale_id=point_of_sale_id,
                  amount_mona=body.amount_mona, idempotency_key=idempotency_key)
    return ReceiptOut(payment_id=receipt.payment_id, amount_mona=receipt.amount_mona,
                      vendor_ref=receipt.vendor_ref, occurred_at=receipt.occurred_at,
                      replayed=receipt.replayed)


@router.get("/budget", response_model=BudgetOut, responses=responses(401, 403))
def budget(sessions: SessionsDep, territory: TerritoryDep,
           _user: BudgetReaderDep) -> BudgetOut:
    """Contributions, funding, treasury, MonA issued, held and reconverted, since the start.

    Only whole-ledger totals (no month), so no two budgets can be subtracted; the
    contributions and head counts are null below the territory's minimum group.
    """
    return BudgetOut.model_validate(vars(published_budget(sessions, territory)))
