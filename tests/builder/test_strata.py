"""The strata estimate from INSEE's tables: ages by band, income deciles, their mixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_caisse.builder.strata import (
    estimate_strata,
    income_cdf,
    mixture_quantile,
    quartile_shares,
    read_adults_by_band,
    read_distributions,
)
from geo_caisse.core.errors import DataError
from geo_caisse.core.strata import STRATA

# two IRIS shaped as INSEE publishes them (the figures are made up for the arithmetic)
AGES = """IRIS;P19_POP;P19_POP0002;P19_POP1824;P19_POP2539;P19_POP4054;P19_POP5564;\
P19_POP6579;P19_POP80P
930100101;3000;100;300;750;600;300;300;100
930100102;2000;50;100;450;400;400;400;200
"""
FILO = """IRIS;DISP_D119;DISP_Q119;DISP_MED19;DISP_Q319;DISP_D919
930100101;7000;9000;13000;17000;22000
930100102;12000;15000;21000;28000;36000
930100103;s;s;s;s;s
"""


def _tables(tmp_path: Path) -> tuple[Path, Path]:
    ages, filo = tmp_path / "ages.csv", tmp_path / "filo.csv"
    ages.write_text(AGES, encoding="utf-8")
    filo.write_text(FILO, encoding="utf-8")
    return ages, filo


def test_the_distribution_through_published_points() -> None:
    pts = [(7000, .1), (9000, .25), (13000, .5), (17000, .75), (22000, .9)]
    assert income_cdf(pts, 9000) == pytest.approx(.25)
    assert income_cdf(pts, 11000) == pytest.approx(.375)
    assert income_cdf(pts, 3500) == pytest.approx(.05)
    assert income_cdf(pts, 1e9) == 1.0
    shares = quartile_shares(pts, (9000, 13000, 17000))
    assert shares == pytest.approx((.25, .25, .25, .25))
    # the mixture of one distribution is itself
    assert mixture_quantile([(1.0, pts)], 0.5) == pytest.approx(13000, rel=1e-6)


def test_strata_keep_the_adults_and_put_the_poorer_iris_lower(tmp_path: Path) -> None:
    ages_path, filo_path = _tables(tmp_path)
    adults = read_adults_by_band(ages_path)
    # 25-39 is split 5/15 under 30, 55-64 half and half; children are not adults
    assert adults["930100101"] == pytest.approx({"<30": 300 + 250, "30-60": 500 + 600 + 150,
                                                 ">60": 150 + 300 + 100})
    dist = read_distributions(filo_path)
    assert set(dist) == {"930100101", "930100102"}  # the secret IRIS has no distribution
    zones = {"930100101": (3000.0, "93010"), "930100102": (2000.0, "93010")}
    table, (q1, q2, q3), from_parent = estimate_strata(zones, adults, dist)
    assert q1 < q2 < q3 and from_parent == []
    # a quarter of all persons below the territory's first quartile
    below = sum(p * income_cdf(dist[c], q1) for c, (p, _) in zones.items()) / 5000
    assert below == pytest.approx(0.25, abs=1e-6)
    for code, row in table.items():
        assert set(row) == set(STRATA)
        assert sum(row.values()) == pytest.approx(sum(adults[code].values()), abs=12)
    poor, rich = table["930100101"], table["930100102"]
    share_q1 = [sum(v for s, v in r.items() if s.startswith("Q1")) / sum(r.values())
                for r in (poor, rich)]
    assert share_q1[0] > 0.3 > share_q1[1]


def test_a_part_without_its_own_tables_takes_its_parents(tmp_path: Path) -> None:
    ages_path, filo_path = _tables(tmp_path)
    adults = read_adults_by_band(ages_path)
    dist = read_distributions(filo_path)
    # two sub-zones of 930100101 (codes of another level), half its population each
    zones = {"A": (1500.0, "930100101"), "B": (1500.0, "930100101")}
    table, _, from_parent = estimate_strata(zones, adults, dist)
    assert from_parent == ["A", "B"]
    assert table["A"] == table["B"]
    assert sum(table["A"].values()) == pytest.approx(sum(adults["930100101"].values()) / 2,
                                                     abs=12)


def test_tables_without_the_expected_columns_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("IRIS;habitants\n930100101;3000\n", encoding="utf-8")
    with pytest.raises(DataError, match="no INSEE age columns"):
        read_adults_by_band(bad)
    assert read_distributions(bad) == {}
    with pytest.raises(DataError, match="no neighbourhood has an income distribution"):
        estimate_strata({"x": (10.0, None)}, {}, {})
