"""The budget planner's use cases: the defaults from the territory and the ledger, scenarios
computed (:func:`geo_caisse.core.budget.plan`), saved, listed, exported as CSV and PDF.

The observed spread of members over the income quartiles is published only when every
quartile holds at least the territory's minimum group (as shares, never counts)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from geo_caisse.core.budget import Plan, Scenario, plan
from geo_caisse.core.errors import ConflictError, NotFoundError, ValidationError
from geo_caisse.storage.models import BudgetScenarioRow, MemberRow
from geo_caisse.storage.transaction import commit_or_conflict

if TYPE_CHECKING:
    from geo_caisse.core.territory import Territory


def observed_shares(sessions: sessionmaker[Session], territory: Territory
                    ) -> list[Decimal] | None:
    """The active members' shares per income quartile, or None when a quartile has fewer
    than the minimum group (or a member's quartile is unknown for all)."""
    k = territory.caisse.min_members_per_cell
    with sessions() as session:
        rows = dict(session.execute(
            select(MemberRow.income_quartile, func.count()).where(
                MemberRow.status == "active", MemberRow.income_quartile.is_not(None))
            .group_by(MemberRow.income_quartile)).all())
    counts = [int(rows.get(q, 0)) for q in (1, 2, 3, 4)]
    if min(counts) < k:
        return None
    total = sum(counts)
    return [(Decimal(c) / total).quantize(Decimal("0.0001")) for c in counts]


def defaults(sessions: sessionmaker[Session], territory: Territory) -> dict[str, Any]:
    """What the planner starts from: the territory's settings and the observed spread."""
    b, c = territory.budget, territory.caisse
    with sessions() as session:
        active = int(session.scalar(select(func.count()).select_from(MemberRow).where(
            MemberRow.status == "active")) or 0)
    return {"members": b.members,
            "members_active": active if active >= c.min_members_per_cell else None,
            "allocation_mona": c.monthly_allocation_mona,
            "contribution_by_quartile_eur": list(b.contribution_by_quartile_eur),
            "contributions_illustrative": b.contributions_illustrative,
            "contribution_min_eur": c.contribution_min_eur,
            "contribution_max_eur": c.contribution_max_eur,
            "topup_share": c.state_topup_share,
            "observed_quartile_shares": observed_shares(sessions, territory),
            "reference_budget_eur": b.reference_budget_eur,
            "reference_label": b.reference_label,
            "min_members": c.min_members_per_cell}


def scenario_of(params: dict[str, Any]) -> Scenario:
    """A :class:`Scenario` from the planner's JSON settings."""
    try:
        return Scenario(
            members=int(params["members"]), allocation_mona=Decimal(str(params["allocation_mona"])),
            quartile_shares=tuple(Decimal(str(x)) for x in params["quartile_shares"]),
            contribution_by_quartile_eur=tuple(Decimal(str(x)) for x in
                                               params["contribution_by_quartile_eur"]),
            topup_share=Decimal(str(params["topup_share"])),
            pledged=tuple((str(p["name"]), Decimal(str(p["yearly_eur"])))
                          for p in params.get("pledged", [])))
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise ValidationError(f"scenario settings incomplete or not numbers: {exc}") from None


def computed(territory: Territory, params: dict[str, Any]) -> dict[str, Any]:
    """A scenario's money beside the reference budget."""
    p = plan(scenario_of(params))
    ref = territory.budget.reference_budget_eur
    return {**_plan_dict(p), "reference_budget_eur": ref,
            "reference_label": territory.budget.reference_label,
            "vs_reference": (p.yearly_issued_eur / ref).quantize(Decimal("0.01")) if ref else None}


def _plan_dict(p: Plan) -> dict[str, Any]:
    out = asdict(p)
    out["shares"] = [{"funder": n, "share": s} for n, s in p.shares]
    return out


def _row_out(row: BudgetScenarioRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "params": row.params, "saved_by": row.saved_by,
            "saved_at": row.saved_at}


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    def norm(v: Any) -> Any:
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, list | tuple):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v
    return {k: norm(v) for k, v in params.items()}


def save(sessions: sessionmaker[Session], name: str, params: dict[str, Any], *, by: str,
         scenario_id: int | None = None) -> dict[str, Any]:
    """Save (or, with ``scenario_id``, replace) a named scenario; its settings are checked."""
    scenario_of(params)
    title = name.strip()
    if not title or len(title) > 120:
        raise ValidationError("name must be 1 to 120 characters")
    with sessions() as session:
        if scenario_id is None:
            row = BudgetScenarioRow(name=title, params=_jsonable(params), saved_by=by)
            session.add(row)
        else:
            found = session.get(BudgetScenarioRow, scenario_id)
            if found is None:
                raise NotFoundError(f"no budget scenario with id {scenario_id}")
            row = found
            row.name, row.params, row.saved_by = title, _jsonable(params), by
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raise ConflictError(f"a budget scenario is already named {title!r}") from None
        commit_or_conflict(session, f"budget scenario {title!r}")
        return _row_out(row)


def scenarios(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """The saved scenarios, newest first."""
    with sessions() as session:
        return [_row_out(r) for r in session.scalars(select(BudgetScenarioRow).order_by(
            BudgetScenarioRow.saved_at.desc(), BudgetScenarioRow.id.desc()))]


def scenario(sessions: sessionmaker[Session], scenario_id: int) -> dict[str, Any]:
    with sessions() as session:
        row = session.get(BudgetScenarioRow, scenario_id)
        if row is None:
            raise NotFoundError(f"no budget scenario with id {scenario_id}")
        return _row_out(row)


def delete(sessions: sessionmaker[Session], scenario_id: int) -> None:
    with sessions() as session:
        row = session.get(BudgetScenarioRow, scenario_id)
        if row is None:
            raise NotFoundError(f"no budget scenario with id {scenario_id}")
        session.delete(row)
        commit_or_conflict(session, f"budget scenario {scenario_id}")


def _fr(amount: Decimal, digits: int = 2) -> str:
    """12 345,60 (French decimal comma, a narrow no-break space between thousands)."""
    text = f"{amount:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def lines(territory: Territory, saved: dict[str, Any]) -> list[tuple[str, str]]:
    """The scenario as (label, value) lines in French: settings, then the money."""
    p, s = computed(territory, saved["params"]), scenario_of(saved["params"])
    out = [("Scénario", saved["name"]), ("Membres", _fr(Decimal(s.members), 0)),
           ("Allocation par membre (MonA par mois)", _fr(s.allocation_mona)),
           *[(f"Part des membres du {q}{'er' if q == 1 else 'e'} quart de revenus",
              _fr(sh * 100, 1) + " %") for q, sh in enumerate(s.quartile_shares, start=1)],
           *[(f"Cotisation du {q}{'er' if q == 1 else 'e'} quart (€ par mois)", _fr(c))
             for q, c in enumerate(s.contribution_by_quartile_eur, start=1)],
           ("Abondement de l'État (part des cotisations)", _fr(s.topup_share * 100, 0) + " %"),
           *[(f"Financement promis : {n} (€ par an)", _fr(a)) for n, a in s.pledged],
           ("MonA émises par mois (€)", _fr(p["monthly_issued_eur"])),
           ("MonA émises par an (€)", _fr(p["yearly_issued_eur"])),
           ("Cotisation moyenne (€ par mois)", _fr(p["mean_contribution_eur"])),
           ("Cotisations par an (€)", _fr(p["yearly_contributions_eur"])),
           ("Abondement de l'État par an (€)", _fr(p["yearly_topup_eur"])),
           ("Financements promis par an (€)", _fr(p["yearly_pledged_eur"])),
           ("Reste à financer par an (€)", _fr(p["gap_eur"])),
           ("Excédent par an (€)", _fr(p["surplus_eur"])),
           *[(f"Part de : {x['funder']}", _fr(x["share"] * 100, 1) + " %") for x in p["shares"]],
           (f"Budget de référence ({p['reference_label']}, €)", _fr(p["reference_budget_eur"]))]
    return out


def scenario_csv(territory: Territory, saved: dict[str, Any]) -> bytes:
    """The scenario as a CSV a spreadsheet opens in French (``;``, decimal commas, BOM)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(["Poste", "Valeur"])
    writer.writerows(lines(territory, saved))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


__all__ = ["computed", "defaults", "delete", "lines", "observed_shares", "save", "scenario",
           "scenario_csv", "scenario_of", "scenarios"]
