"""The till (a vendor's cashing screen), reconversion requests and the monthly allocation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Instant


class PlaceOut(BaseModel):
    id: int
    ref: str
    name: str
    kind: str
    market_name: str | None
    takes_mona: bool


class TillReceiptOut(BaseModel):
    number: int = Field(description="the receipt's number")
    amount_mona: Decimal
    occurred_at: Instant


class RequestOut(BaseModel):
    id: int
    point_of_sale_id: int
    point_of_sale_name: str
    amount_mona: Decimal
    status: str
    requested_by: str
    requested_at: Instant
    decided_by: str | None
    decided_at: Instant | None
    note: str | None


class TillSummaryOut(BaseModel):
    """A point of sale's till: never who paid."""

    place: PlaceOut
    balance_mona: Decimal
    pending_reconversion_mona: Decimal
    available_mona: Decimal = Field(description="what may still be asked to reconvert")
    today: date
    today_mona: Decimal
    today_payments: int
    month: str
    month_mona: Decimal
    receipts: list[TillReceiptOut]
    requests: list[RequestOut]


class ReconversionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_mona: Decimal = Field(gt=0, le=1_000_000, decimal_places=2)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=1000)


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")


class AllocationOut(BaseModel):
    month: str
    credited: int = Field(description="members credited now")
    already: int = Field(description="members already credited for that month")
    mona_each: Decimal
