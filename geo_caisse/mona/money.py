"""Money: amounts in integer cents, months, the funders' vocabulary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from geo_caisse.core.errors import (
    ValidationError,
)

CENT = Decimal("0.01")


FUNDERS = ("public", "foundation", "state_topup", "other")


def to_cents(amount: object, *, name: str = "amount_mona", low: Decimal | None = None,
             high: Decimal | None = None) -> int:
    """Integer cents of a positive amount with at most 2 decimals (``Decimal``, str or int).

    >>> to_cents("12.5")
    1250
    >>> to_cents("0.001")
    Traceback (most recent call last):
    ...
    geo_caisse.core.errors.ValidationError: amount_mona has more than 2 decimals: '0.001'
    """
    if isinstance(amount, bool | float):
        raise ValidationError(
            f"{name} must be a decimal string or integer, not a float: {amount!r}")
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValidationError(f"{name} must be a number, got {str(amount)[:40]!r}") from None
    if not value.is_finite() or value <= 0:
        raise ValidationError(f"{name} must be a positive amount, got {str(amount)[:40]!r}")
    if value > Decimal("1000000"):  # before quantize, which fails past 28 digits
        raise ValidationError(f"{name} is implausibly large: {str(value)[:40]}")
    if value != value.quantize(CENT):
        raise ValidationError(f"{name} has more than 2 decimals: {amount!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValidationError(f"{name} must be between {low} and {high}, got {value}")
    if value > Decimal("1000000"):
        raise ValidationError(f"{name} is implausibly large: {value}")
    return int(value * 100)


def from_cents(cents: int) -> Decimal:
    """The ``Decimal`` amount of integer cents: ``from_cents(1250) == Decimal("12.50")``."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


def parse_month(month: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` → its first instant and the next month's first instant (UTC)."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise ValidationError(f"month must be YYYY-MM, got {month!r}") from None
    nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, nxt
