"""The Mona ledger over HTTP: a member's own account, the till, the budget.

Who may call what: a member sees only their own balance and statement and asks for payment
codes; a producer or shop takes payments at its own point of sale; coordinators and the
committee see the budget, whose head counts aggregate at least the territory's minimum group.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from api.deps import (
    BudgetReaderDep,
    OwnMemberDep,
    SessionsDep,
    TerritoryDep,
    TillDep,
    WriterDep,
)
from api.errors import responses
from api.schemas.ledger import (
    Balance,
    BudgetOut,
    CodeOut,
    PaymentIn,
    ReceiptOut,
    StatementLineOut,
)
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


@router.post("/me/payment-code", response_model=CodeOut, responses=responses(401, 403, 409))
def my_payment_code(sessions: WriterDep, territory: TerritoryDep,
                    member_id: OwnMemberDep) -> CodeOut:
    """A one-time code to show at the till: the vendor never learns who pays."""
    issued = issue_payment_code(sessions, territory, member_id)
    return CodeOut(code=issued.code, expires_at=issued.expires_at)


@router.post("/payments", response_model=ReceiptOut, status_code=201,
             responses=responses(401, 403, 404, 409, 413, 422))
def take_payment(body: PaymentIn, sessions: WriterDep, point_of_sale_id: TillDep,
                 idempotency_key: Annotated[str | None, Header(
                     min_length=1, max_length=120,
                     description="retry with the same key: paid once")] = None,
                 ) -> ReceiptOut:
    """A vendor takes a payment with the code the member shows (refused: 409, nothing paid)."""
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
