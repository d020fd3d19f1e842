"""The budget planner's arithmetic, against hand computations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from geo_caisse.core.budget import Scenario, plan
from geo_caisse.core.errors import ValidationError

GRID = (Decimal(10), Decimal(30), Decimal(60), Decimal(100))


def _scenario(**kw: object) -> Scenario:
    base: dict[str, object] = dict(members=800, allocation_mona=Decimal(100),
                                   quartile_shares=(Decimal("0.25"),) * 4,
                                   contribution_by_quartile_eur=GRID, topup_share=Decimal("0.5"))
    return Scenario(**{**base, **kw})  # type: ignore[arg-type]


def test_800_members_with_the_state_topping_up_half() -> None:
    # by hand: 800 × 100 × 12 = 960 000 issued; mean contribution (10+30+60+100)/4 = 50 €,
    # so 800 × 50 × 12 = 480 000 a year, the State adds half: 240 000; 100 000 pledged
    p = plan(_scenario(pledged=(("Métropole", Decimal(100000)),)))
    assert p.monthly_issued_eur == 80000 and p.yearly_issued_eur == 960000
    assert p.mean_contribution_eur == 50 and p.yearly_contributions_eur == 480000
    assert p.yearly_topup_eur == 240000 and p.gap_eur == 140000 and p.surplus_eur == 0
    assert dict(p.shares) == {"Cotisations des membres": Decimal("0.5000"),
                              "Abondement de l'État": Decimal("0.2500"),
                              "Métropole": Decimal("0.1042"),
                              "Reste à financer": Decimal("0.1458")}


def test_the_reference_year_and_a_surplus() -> None:
    # 200 families × 100 € × 12 = 240 000; 200 × 50 × 12 = 120 000 of contributions, no
    # top-up, 300 000 pledged: 120 000 + 300 000 − 240 000 = 180 000 left over
    p = plan(_scenario(members=200, topup_share=Decimal(0),
                       pledged=(("Fondation", Decimal(300000)),)))
    assert p.yearly_issued_eur == 240000 and p.gap_eur == 0 and p.surplus_eur == 180000


def test_uneven_quartiles() -> None:
    # mean 0.4 × 10 + 0.3 × 30 + 0.2 × 60 + 0.1 × 100 = 35 €
    shares = (Decimal("0.4"), Decimal("0.3"), Decimal("0.2"), Decimal("0.1"))
    p = plan(_scenario(members=350, quartile_shares=shares, topup_share=Decimal(0)))
    assert p.mean_contribution_eur == 35 and p.yearly_contributions_eur == 350 * 35 * 12


@pytest.mark.parametrize(("kw", "match"), [
    ({"members": 0}, "members"),
    ({"quartile_shares": (Decimal("0.5"),) * 4}, "add up to 100 %"),
    ({"topup_share": Decimal(-1)}, "topup_share"),
    ({"pledged": (("x", Decimal(-5)),)}, "negative"),
])
def test_bad_scenarios_are_refused_with_the_reason(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        _scenario(**kw)
