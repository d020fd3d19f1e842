"""The stratified draw: quotas filled, probabilities published, reproducible and verifiable."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from geo_caisse import ValidationError
from geo_caisse.core.strata import STRATA
from geo_caisse.enrolment.draw import Volunteer, draw, list_hash, proportional_quotas, verify


def volunteers(n: int, seed: int) -> list[Volunteer]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        q = int(rng.choice(4, p=[0.1, 0.2, 0.3, 0.4])) + 1
        a = ("<30", "30-60", ">60")[int(rng.choice(3, p=[0.2, 0.6, 0.2]))]
        ch = ("open_call", "referral", "committee")[int(rng.choice(3, p=[0.7, 0.2, 0.1]))]
        out.append(Volunteer(f"v{i:04d}", q, a, f"SQ{i % 7}", ch))
    return out


def test_stratified_draw_fills_every_quota_it_can_and_reports_the_rest() -> None:
    vols = volunteers(300, 1)
    quotas = {"stratum": proportional_quotas({s: 1 for s in STRATA}, 60)}
    result = draw(vols, quotas, seats=60, seed=7)
    available = Counter(v.stratum for v in vols)
    drawn = Counter(v.stratum for v in vols if v.ref in result.selected)
    for stratum, (q, _) in quotas["stratum"].items():
        assert drawn[stratum] == min(q, available[stratum])
        if available[stratum]:
            assert result.stratum_probability[stratum] == pytest.approx(
                min(q, available[stratum]) / available[stratum], abs=1e-6)
    short = {s: q - available[s] for s, (q, _) in quotas["stratum"].items() if available[s] < q}
    assert result.shortfall.get("stratum", {}) == short
    assert result.method == "stratified"
    assert sum(result.probability.values()) == pytest.approx(len(result.selected))


def test_the_draw_is_reproducible_and_verifiable() -> None:
    vols = volunteers(200, 2)
    quotas = {"stratum": proportional_quotas({s: 1 for s in STRATA}, 40)}
    a = draw(vols, quotas, seats=40, seed=2026)
    b = draw(list(reversed(vols)), quotas, seats=40, seed=2026)  # order does not matter
    assert a.selected == b.selected and a.list_sha256 == b.list_sha256
    assert draw(vols, quotas, seats=40, seed=2027).selected != a.selected
    assert verify(vols, quotas, seats=40, seed=2026, published_sha256=a.list_sha256,
                  published_selection=a.selected) == []
    tampered = [*vols[:-1], Volunteer(vols[-1].ref, 1, "<30")]
    problems = verify(tampered, quotas, seats=40, seed=2026, published_sha256=a.list_sha256,
                      published_selection=a.selected)
    assert problems and "SHA-256" in problems[0]
    wrong = verify(vols, quotas, seats=40, seed=2026, published_sha256=a.list_sha256,
                   published_selection=[*a.selected[1:], "v9999"])
    assert wrong and "another panel" in wrong[0]


def test_maximin_meets_every_quota_and_beats_a_plain_lottery() -> None:
    vols = volunteers(240, 3)
    base = proportional_quotas({s: 1 for s in STRATA}, 48)
    quotas = {"stratum": {s: (max(0, n - 1), n + 1) for s, (n, _) in base.items()},
              "channel": {"referral": (12, 48), "committee": (4, 48)}}
    result = draw(vols, quotas, seats=48, seed=11)
    assert result.method == "maximin" and len(result.selected) == 48
    chosen = [v for v in vols if v.ref in result.selected]
    channels = Counter(v.channel for v in chosen)
    assert channels["referral"] >= 12 and channels["committee"] >= 4
    strata = Counter(v.stratum for v in chosen)
    available = Counter(v.stratum for v in vols)
    for s, (lo, hi) in quotas["stratum"].items():
        assert min(lo, available[s]) <= strata[s] <= hi
    assert sum(result.probability.values()) == pytest.approx(48, abs=1e-4)
    # a uniform lottery over 20 random feasible panels: maximin can only do better
    ordered = sorted(vols, key=lambda v: v.ref)
    rows, lo_b, hi_b = [], [], []
    for feature, values in quotas.items():
        for value, (qlo, qhi) in values.items():
            member = np.array([v.feature(feature) == value for v in ordered], float)
            rows.append(member)
            lo_b.append(min(qlo, member.sum()))
            hi_b.append(qhi)
    rows.append(np.ones(len(ordered)))
    lo_b.append(48)
    hi_b.append(48)
    rng = np.random.default_rng(0)
    panels = [np.round(milp(-rng.random(len(ordered)),
                            constraints=LinearConstraint(np.array(rows), lo_b, hi_b),
                            integrality=np.ones(len(ordered)), bounds=Bounds(0, 1)).x)
              for _ in range(20)]
    plain = np.mean(panels, axis=0)
    assert result.min_probability >= plain.min() - 1e-9
    assert result.min_probability > 0


def test_bad_volunteer_lists_and_quotas() -> None:
    vols = volunteers(20, 4)
    quotas = {"stratum": proportional_quotas({s: 1 for s in STRATA}, 5)}
    with pytest.raises(ValidationError, match="duplicate ref"):
        draw([*vols, vols[0]], quotas, seats=5, seed=1)
    with pytest.raises(ValidationError, match="income_quartile must be 1-4"):
        draw([Volunteer("x", 5, "<30")], quotas, seats=1, seed=1)
    with pytest.raises(ValidationError, match="age_band must be one of"):
        draw([Volunteer("x", 1, "40")], quotas, seats=1, seed=1)
    with pytest.raises(ValidationError, match="only 20 volunteers"):
        draw(vols, quotas, seats=21, seed=1)
    with pytest.raises(ValidationError, match="no panel meets every quota"):
        draw(vols, {"channel": {"open_call": (0, 0), "referral": (0, 0),
                                "committee": (0, 0)}}, seats=5, seed=1)
    with pytest.raises(ValidationError, match="0 <= min <= max"):
        draw(vols, {"channel": {"open_call": (3, 1)}}, seats=5, seed=1)
    assert list_hash(vols) == list_hash(list(reversed(vols)))


def test_draw_and_verify_commands(tmp_path: Path) -> None:
    import subprocess
    import sys

    vols = volunteers(120, 6)
    lines = ["ref,income_quartile,age_band,neighbourhood_code,channel"] + [
        f"{v.ref},Q{v.income_quartile},{v.age_band},{v.neighbourhood_code},{v.channel}"
        for v in vols]
    (tmp_path / "v.csv").write_text("\n".join(lines) + "\n")
    quotas = {"stratum": {s: 2 for s in STRATA}}
    (tmp_path / "q.json").write_text(json.dumps(quotas))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "geo_caisse.cli", "draw", *args],
                              capture_output=True, text=True, timeout=120)

    r = cli("run", str(tmp_path / "v.csv"), "--quotas", str(tmp_path / "q.json"),
            "--seats", "24", "--seed", "99", "-o", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    published = json.loads((tmp_path / "r.json").read_text())
    assert published["volunteers_sha256"] == list_hash(vols)
    r = cli("verify", str(tmp_path / "v.csv"), "--quotas", str(tmp_path / "q.json"),
            "--result", str(tmp_path / "r.json"))
    assert r.returncode == 0 and "checks out" in r.stdout
    published["selected"][0] = "someone-else"
    (tmp_path / "r.json").write_text(json.dumps(published))
    r = cli("verify", str(tmp_path / "v.csv"), "--quotas", str(tmp_path / "q.json"),
            "--result", str(tmp_path / "r.json"))
    assert r.returncode == 1 and "does NOT check out" in r.stdout
    (tmp_path / "bad.csv").write_text("ref,income_quartile,age_band\na,7,<30\n")
    r = cli("run", str(tmp_path / "bad.csv"), "--quotas", str(tmp_path / "q.json"),
            "--seats", "1", "--seed", "1")
    assert r.returncode == 2 and "row 1, income_quartile: must be 1-4" in r.stderr


def test_maximin_matches_sortition_algorithms_on_the_same_pool() -> None:
    """The same pool and quotas through sortition-algorithms' maximin (Flanigan et al.):
    our smallest selection probability is as large as theirs (both are optimal)."""
    sa = pytest.importorskip("sortition_algorithms")
    from sortition_algorithms.committee_generation import find_distribution_maximin

    vols = volunteers(90, 11)
    seats = 24
    quotas = {"income_quartile": {str(q): (5, 8) for q in (1, 2, 3, 4)},
              "age_band": {"<30": (4, 9), "30-60": (10, 14), ">60": (4, 9)},
              "channel": {"open_call": (10, 20), "referral": (3, 8), "committee": (1, 4)}}
    have = {f: Counter(v.feature(f) for v in vols) for f in quotas}
    quotas = {f: {val: (min(lo, have[f][val]), hi) for val, (lo, hi) in vals.items()}
              for f, vals in quotas.items()}
    ours = draw(vols, quotas, seats=seats, seed=5)
    features, _, _ = sa.read_in_features(
        ["feature", "value", "min", "max"],
        [{"feature": f, "value": val, "min": str(lo), "max": str(hi)}
         for f, vals in quotas.items() for val, (lo, hi) in vals.items()], seats)
    people, _ = sa.read_in_people(
        ["id", *quotas],
        [{"id": v.ref, **{f: v.feature(f) for f in quotas}} for v in vols],
        features, sa.Settings(id_column="id", columns_to_keep=[]))
    committees, probs, _ = find_distribution_maximin(features, people, seats, [])
    theirs = min(sum(p for c, p in zip(committees, probs, strict=True) if v.ref in c)
                 for v in vols)
    assert ours.method == "maximin"
    assert ours.min_probability >= theirs - 1e-4
    assert ours.min_probability == pytest.approx(theirs, abs=2e-3)
