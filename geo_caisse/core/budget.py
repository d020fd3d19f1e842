"""The committee's budget planner: what a scenario of the caisse costs and who funds it.

A scenario is a number of members, the MonA each receives a month (1 MonA = 1 €), how the
members spread over the four income quartiles and what each quartile contributes a month,
the State's top-up on contributions (phase 2: 50 %) and the funds already pledged (public or
private, euros a year). The planner gives the MonA issued, the contributions, the top-up,
the gap left to fund and each funder's share, all in :class:`~decimal.Decimal` euros.

The territory's ``[budget]`` section gives the defaults and the reference budget (Montpellier:
200 families × 100 € × 12 months = 240 000 €)::

    [budget]
    members = 350
    contribution_by_quartile_eur = [10, 30, 60, 100]   # illustrative
    reference_budget_eur = 240000
    reference_label = "200 familles × 100 € × 12 mois"

>>> p = plan(Scenario(members=800, allocation_mona=Decimal(100),
...                   quartile_shares=(Decimal("0.25"),) * 4,
...                   contribution_by_quartile_eur=(Decimal(10), Decimal(30), Decimal(60),
...                                                 Decimal(100)),
...                   topup_share=Decimal("0.5"), pledged=(("Métropole", Decimal(100000)),)))
>>> p.yearly_issued_eur, p.yearly_contributions_eur, p.yearly_topup_eur, p.gap_eur
(Decimal('960000'), Decimal('480000.00'), Decimal('240000.00'), Decimal('140000.00'))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from geo_caisse.core.errors import DataError, ValidationError

CENT = Decimal("0.01")
QUARTERS = (Decimal("0.25"),) * 4


@dataclass(frozen=True)
class BudgetConfig:
    """``[budget]``: the planner's defaults and the reference budget."""

    members: int = 350
    contribution_by_quartile_eur: tuple[Decimal, ...] = (Decimal(10), Decimal(30), Decimal(60),
                                                         Decimal(100))
    contributions_illustrative: bool = True
    reference_budget_eur: Decimal = Decimal(240000)
    reference_label: str = "200 familles × 100 € × 12 mois"

    @classmethod
    def parse(cls, table: dict[str, Any], where: str) -> BudgetConfig:
        def dec(value: Any, name: str) -> Decimal:
            try:
                out = Decimal(str(value))
            except InvalidOperation:
                raise DataError(f"{where}: [budget] {name} must be a number") from None
            if not out.is_finite() or out < 0:
                raise DataError(f"{where}: [budget] {name} must be a number ≥ 0")
            return out

        members = table.get("members", 350)
        if not isinstance(members, int) or not 1 <= members <= 1_000_000:
            raise DataError(f"{where}: [budget] members must be a whole number ≥ 1")
        grid = table.get("contribution_by_quartile_eur", [10, 30, 60, 100])
        if not isinstance(grid, list) or len(grid) != 4:
            raise DataError(f"{where}: [budget] contribution_by_quartile_eur needs 4 amounts "
                            "(1st to 4th income quartile, euros a month)")
        label = table.get("reference_label", cls.reference_label)
        if not isinstance(label, str) or len(label) > 120:
            raise DataError(f"{where}: [budget] reference_label must be text (≤ 120)")
        illustrative = table.get("contributions_illustrative", True)
        if not isinstance(illustrative, bool):
            raise DataError(f"{where}: [budget] contributions_illustrative must be true/false")
        return cls(members=members,
                   contribution_by_quartile_eur=tuple(dec(g, "contribution_by_quartile_eur")
                                                      for g in grid),
                   contributions_illustrative=illustrative,
                   reference_budget_eur=dec(table.get("reference_budget_eur", 240000),
                                            "reference_budget_eur"),
                   reference_label=label)


@dataclass(frozen=True)
class Scenario:
    """What the committee sets (see the module's docstring)."""

    members: int
    allocation_mona: Decimal
    quartile_shares: tuple[Decimal, ...]
    contribution_by_quartile_eur: tuple[Decimal, ...]
    topup_share: Decimal
    pledged: tuple[tuple[str, Decimal], ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.members <= 1_000_000:
            problems.append("members must be between 1 and 1,000,000")
        if not Decimal(0) < self.allocation_mona <= Decimal(10000):
            problems.append("allocation_mona must be above 0 and at most 10,000")
        if len(self.quartile_shares) != 4 or len(self.contribution_by_quartile_eur) != 4:
            problems.append("give 4 quartile shares and 4 contributions")
        elif abs(sum(self.quartile_shares, Decimal(0)) - 1) > Decimal("0.001") or any(
                s < 0 for s in self.quartile_shares):
            problems.append("the quartile shares must be ≥ 0 and add up to 100 %")
        if any(c < 0 or c > 10000 for c in self.contribution_by_quartile_eur):
            problems.append("contributions must be between 0 and 10,000 € a month")
        if not Decimal(0) <= self.topup_share <= Decimal(10):
            problems.append("topup_share must be between 0 and 10 (0.5 = 50 %)")
        if any(a < 0 for _, a in self.pledged):
            problems.append("pledged amounts cannot be negative")
        if problems:
            raise ValidationError("; ".join(problems))


@dataclass(frozen=True)
class Plan:
    """A scenario's money, euros (MonA issued = euros to back them)."""

    monthly_issued_eur: Decimal
    yearly_issued_eur: Decimal
    mean_contribution_eur: Decimal
    monthly_contributions_eur: Decimal
    yearly_contributions_eur: Decimal
    yearly_topup_eur: Decimal
    yearly_pledged_eur: Decimal
    gap_eur: Decimal                       #: left to fund a year (0 when covered)
    surplus_eur: Decimal                   #: funded beyond what is issued (0 when not)
    shares: tuple[tuple[str, Decimal], ...] = field(default=())  #: funder, share of issued


def plan(s: Scenario) -> Plan:
    """The money of scenario ``s`` (see the module's docstring)."""
    monthly = s.members * s.allocation_mona
    yearly = monthly * 12
    mean = sum((q * c for q, c in zip(s.quartile_shares, s.contribution_by_quartile_eur,
                                       strict=True)), Decimal(0))
    monthly_contrib = (s.members * mean).quantize(CENT)
    yearly_contrib = monthly_contrib * 12
    topup = (yearly_contrib * s.topup_share).quantize(CENT)
    pledged = sum((a for _, a in s.pledged), Decimal(0))
    left = yearly - yearly_contrib - topup - pledged
    gap, surplus = max(left, Decimal(0)), max(-left, Decimal(0))
    parts = [("Cotisations des membres", yearly_contrib), ("Abondement de l'État", topup),
             *s.pledged, ("Reste à financer", gap)]
    shares = tuple((name, (amount / yearly).quantize(Decimal("0.0001")))
                   for name, amount in parts)
    return Plan(monthly, yearly, mean.quantize(CENT), monthly_contrib, yearly_contrib, topup,
                pledged, gap.quantize(CENT), surplus.quantize(CENT), shares)


__all__ = ["BudgetConfig", "Plan", "Scenario", "plan"]
