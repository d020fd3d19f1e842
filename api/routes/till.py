"""The till over HTTP: where a vendor cashes, its takings and receipts, its reconversion
requests; coordinators decide those requests and run the month's allocation.

A vendor (``ledger:vendor``) sees only its own points of sale, and never who paid;
coordinators (``ledger:admin``) decide reconversions and allocate.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import (
    MAX_ID,
    LedgerAdminDep,
    SessionsDep,
    TerritoryDep,
    TillInPathDep,
    VendorDep,
    WriterDep,
)
from api.errors import responses
from api.schemas.till import (
    AllocationIn,
    AllocationOut,
    DecisionIn,
    PlaceOut,
    ReconversionIn,
    RequestOut,
    TillReceiptOut,
    TillSummaryOut,
)
from geo_caisse.mona.till import (
    Place,
    Request,
    approve_reconversion,
    places,
    reconversion_requests,
    refuse_reconversion,
    request_reconversion,
    till_summary,
)
from geo_caisse.mona.treasury import allocate_month

router = APIRouter(prefix="/api", tags=["till"])
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _place(p: Place) -> PlaceOut:
    return PlaceOut.model_validate(vars(p))


def _request(r: Request) -> RequestOut:
    return RequestOut.model_validate(vars(r))


@router.get("/till", response_model=list[PlaceOut], responses=responses(401, 403))
def my_places(sessions: SessionsDep, user: VendorDep) -> list[PlaceOut]:
    """The points of sale the caller's login cashes at (first one first)."""
    return [_place(p) for p in places(sessions, user.points_of_sale)]


@router.get("/till/{point_of_sale_id}", response_model=TillSummaryOut,
            responses=responses(401, 403, 404, 422))
def summary(point_of_sale_id: TillInPathDep, sessions: WriterDep,
            territory: TerritoryDep) -> TillSummaryOut:
    """Today's takings, the month's receipts, the balance and the reconversion requests of
    one of the caller's points of sale (never who paid)."""
    s = till_summary(sessions, territory, point_of_sale_id)
    return TillSummaryOut(
        place=_place(s.place), balance_mona=s.balance_mona,
        pending_reconversion_mona=s.pending_reconversion_mona, available_mona=s.available_mona,
        today=s.today, today_mona=s.today_mona, today_payments=s.today_payments, month=s.month,
        month_mona=s.month_mona,
        receipts=[TillReceiptOut.model_validate(vars(r)) for r in s.receipts],
        requests=[_request(r) for r in s.requests])


@router.post("/till/{point_of_sale_id}/reconversions", response_model=RequestOut,
             status_code=201, responses=responses(401, 403, 404, 409, 413, 422))
def ask_reconversion(point_of_sale_id: TillInPathDep, body: ReconversionIn,
                     sessions: WriterDep, user: VendorDep) -> RequestOut:
    """Ask to turn MonA back into euros (1 MonA = 1 €): a coordinator decides."""
    return _request(request_reconversion(sessions, point_of_sale_id=point_of_sale_id,
                                         amount_mona=body.amount_mona, by=user.username))


@router.get("/reconversions", response_model=list[RequestOut], responses=responses(401, 403))
def requests(sessions: SessionsDep, _user: LedgerAdminDep,
             status: Annotated[Literal["pending", "approved", "refused", "all"],
                               Query()] = "pending") -> list[RequestOut]:
    """Reconversion requests of a status (default: waiting for a decision), newest first."""
    return [_request(r) for r in reconversion_requests(
        sessions, status=None if status == "all" else status)]


@router.post("/reconversions/{request_id}/approve", response_model=RequestOut,
             responses=responses(401, 403, 404, 409, 413, 422))
def approve(request_id: RequestId, body: DecisionIn, sessions: WriterDep,
            user: LedgerAdminDep) -> RequestOut:
    """Approve: the ledger posts the reconversion (MonA back to the caisse, euros paid out
    of the treasury); refused with 409 when either does not cover it."""
    return _request(approve_reconversion(sessions, request_id, by=user.username,
                                         note=body.note))


@router.post("/reconversions/{request_id}/refuse", response_model=RequestOut,
             responses=responses(401, 403, 404, 409, 413, 422))
def refuse(request_id: RequestId, body: DecisionIn, sessions: WriterDep,
           user: LedgerAdminDep) -> RequestOut:
    """Refuse (with a note for the vendor): nothing moves in the ledger."""
    return _request(refuse_reconversion(sessions, request_id, by=user.username,
                                        note=body.note))


@router.post("/allocations", response_model=AllocationOut,
             responses=responses(401, 403, 409, 413, 422))
def allocate(body: AllocationIn, sessions: WriterDep, territory: TerritoryDep,
             _user: LedgerAdminDep) -> AllocationOut:
    """Credit the month's MonA to every member active that month, exactly once each (safe
    to run again)."""
    run = allocate_month(sessions, territory, body.month)
    return AllocationOut(month=run.month, credited=run.credited,
                         already=run.already_credited, mona_each=run.amount_mona)
