"""The ``geo-caisse`` command: init, serve, import, export, status, deserts, migrate.

Errors are printed as one line naming what is wrong, with a non-zero exit code
(2 for bad input, 1 for anything else geo_caisse reports).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError as PydanticValidationError

from geo_caisse._errors import GeoCaisseError, ValidationError
from geo_caisse.domain import Status, parse_enum
from geo_caisse.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from geo_caisse.territory import Territory
    from geo_caisse.walking import WalkingService


def _context() -> tuple[Engine, sessionmaker[Session], Territory]:
    from geo_caisse.storage import make_engine, session_factory
    from geo_caisse.territory import Territory

    settings = load_settings()
    engine = make_engine(settings.database)
    return engine, session_factory(engine), Territory.from_dir(settings.territory.territory_dir)


def _walking_service(territory: Territory) -> WalkingService:
    """The territory's walking analysis, its caches built on first use (progress on stderr)."""
    from geo_caisse.walking import WalkingService

    return WalkingService.load(territory, cache_dir=load_settings().territory.cache_dir,
                               progress=lambda m: print(m, file=sys.stderr, flush=True))


def _cmd_init(args: argparse.Namespace) -> int:
    from geo_caisse import services

    engine, sessions, territory = _context()
    summary = services.init_store(engine, sessions, territory)
    print(
        f"loaded {territory.name}: {summary.neighbourhoods} neighbourhoods, "
        f"{summary.markets.inserted + summary.markets.updated} markets, "
        f"{summary.points_of_sale.inserted + summary.points_of_sale.updated} points of sale"
    )
    if territory.network is not None and territory.population is not None:
        service = _walking_service(territory)
        report = service.deserts(sessions)  # also compiles the search kernels once
        print(f"walking network: {service.network.n_nodes:,} nodes; "
              f"{report.totals['low_access_population']:,.0f} people over "
              f"{report.threshold_min:g} min from a conventionné, "
              f"{report.totals['desert_population']:,.0f} of them low-income")
    return 0


def _cmd_deserts(args: argparse.Namespace) -> int:
    import json

    from geo_caisse.deserts import areas_feature_collection, cells_feature_collection
    from geo_caisse.storage.repositories import NeighbourhoodRepository
    _, sessions, territory = _context()
    service = _walking_service(territory)
    report = service.deserts(sessions, threshold_min=args.threshold_min, open_on=args.open_on)
    if args.output:
        out = Path(args.output)
        if args.level == "cells":
            table = report.cells
            doc = cells_feature_collection(report) if out.suffix != ".csv" else None
        else:
            table = report.areas[report.areas.level == args.level]
            doc = None
            if out.suffix != ".csv":
                from shapely.geometry import mapping

                with sessions() as session:
                    items = NeighbourhoodRepository(session).list().items
                doc = areas_feature_collection(report, args.level,
                                               {n.code: dict(mapping(g)) for n, g in items})
        if out.suffix == ".csv":
            table.to_csv(out, index=False)
        else:
            out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {len(table)} rows to {out}")
    t = report.totals
    print(f"{t['population_covered']:,.0f} people covered by the walking network; "
          f"{t['low_access_population']:,.0f} over {report.threshold_min:g} min from a "
          f"conventionné; {t['desert_population']:,.0f} in food deserts "
          f"(low income: {report.low_income_rule}); median walk {t['median_walk_min']:.1f} min")
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from geo_caisse.storage.migrate import current_revision, upgrade

    engine, _, _ = _context()
    upgrade(engine)
    print(f"schema at revision {current_revision(engine)}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from geo_caisse import services

    _, sessions, territory = _context()
    path = Path(args.file)
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    result = services.import_layer(sessions, territory, path, args.layer,
                                   fmt=args.format, crs=args.crs)
    print(f"{path.name}: {result.inserted} inserted, {result.updated} updated ({args.layer})")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from geo_caisse import services
    from geo_caisse.io import write_layer

    _, sessions, _ = _context()
    objs = services.list_layer(sessions, args.layer)
    path = write_layer(objs, args.layer, args.file, fmt=args.format)
    print(f"wrote {len(objs)} {args.layer} to {path}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from geo_caisse import services
    from geo_caisse.storage.repositories import PointOfSaleRepository

    _, sessions, _ = _context()
    status = parse_enum(Status, args.status, name="status")
    with sessions() as session:
        pos_id = PointOfSaleRepository(session).get_by_ref(args.ref).id
    assert pos_id is not None
    pos = services.set_status(sessions, pos_id, status)
    print(f"{pos.ref} ({pos.name}): {pos.status.value}, accepts_mona={pos.accepts_mona}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    # the app is named by its import string so that geo_caisse never imports the api package
    uvicorn.run("api.main:create_app", factory=True, host=args.host or settings.api.host,
                port=args.port or settings.api.port, log_level="info",
                # no access log: the places members search (lon/lat) are never logged
                access_log=False)
    return 0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pairs(values: Sequence[str] | None, what: str) -> dict[str, str]:
    out = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValidationError(f"{what} must look like name=value, got {item!r}")
        out[key] = value
    return out


def _cmd_ledger(args: argparse.Namespace) -> int:
    from geo_caisse import payment
    from geo_caisse.ledger_import import import_file
    from geo_caisse.storage import writer_sessions

    engine, _, territory = _context()
    sessions = writer_sessions(engine)
    if args.action == "import":
        summary = import_file(sessions, args.file, columns=_pairs(args.column, "--column"),
                              accounts=_pairs(args.account, "--account"), progress=_stderr)
        print(f"{args.file}: {summary.rows} rows, {summary.events} events written, "
              f"{summary.already_imported_events} already imported; "
              + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_kind.items())))
    elif args.action == "allocate":
        run = payment.allocate_month(sessions, territory, args.month, progress=_stderr)
        print(f"{run.month}: {run.credited} members credited {run.amount_mona} MonA, "
              f"{run.already_credited} already were")
    elif args.action == "verify":
        problems = payment.verify_ledger(sessions)
        for p in problems:
            print(p)
        print("ledger sound" if not problems else f"{len(problems)} problem(s)")
        return 0 if not problems else 1
    else:  # budget
        b = payment.budget_summary(sessions)
        for key, value in vars(b).items():
            print(f"{key}: {value}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from geo_caisse.ledger_import import import_transactions
    from geo_caisse.simulate import simulate_year
    from geo_caisse.storage import writer_sessions
    from geo_caisse.storage.models import MemberRow

    engine, _, territory = _context()
    sessions = writer_sessions(engine)
    if args.if_empty:
        from sqlalchemy import func, select

        with sessions() as session:
            if session.scalar(select(func.count()).select_from(MemberRow)):
                print("the ledger already has members: no simulation")
                return 0
    sim = simulate_year(sessions, territory, year=args.year, members=args.members,
                        seed=args.seed, progress=_stderr)
    name = f"synthetic-{args.year}-seed{args.seed}.csv"
    if args.output:
        Path(args.output).write_bytes(sim.csv_bytes)
        name = Path(args.output).name
        print(f"wrote {sim.movements:,} SYNTHETIC movements to {args.output}")
    summary = import_transactions(sessions, sim.csv_bytes, source=name, progress=_stderr)
    print(f"SYNTHETIC year {args.year} (seed {args.seed}): {sim.members} members, "
          f"{summary.rows:,} movements imported")
    return 0


def _cmd_user(args: argparse.Namespace) -> int:
    import getpass
    import os

    from geo_caisse import auth

    _, sessions, _ = _context()
    password = os.environ.get("GEO_CAISSE_NEW_PASSWORD") or getpass.getpass(
        f"password for {args.username}: ")
    user = auth.create_user(sessions, username=args.username, password=password,
                            role=args.role, member_id=args.member_id,
                            point_of_sale_id=args.point_of_sale_id)
    print(f"user {user.username} ({user.role}) created")
    return 0


def _cmd_volunteers(args: argparse.Namespace) -> int:
    from datetime import date

    from sqlalchemy import func, select

    from geo_caisse import membership
    from geo_caisse.simulate import simulate_volunteers
    from geo_caisse.storage.models import VolunteerRow

    _, sessions, territory = _context()
    with sessions() as session:
        existing = session.scalar(select(func.count()).select_from(VolunteerRow)) or 0
    if args.if_empty and existing:
        print(f"{existing} volunteers already registered: nothing simulated")
        return 0
    specs = simulate_volunteers(territory, n=args.n, seed=args.seed, registered_on=date.today())
    done = membership.register_volunteers(sessions, territory, specs)
    print(f"registered {len(done)} SYNTHETIC volunteers (seed {args.seed})")
    return 0


def _cmd_draw_store(args: argparse.Namespace) -> int:
    import json
    from datetime import date

    from geo_caisse import membership
    from geo_caisse.storage import writer_sessions

    engine, sessions, territory = _context()
    if args.action == "hold":
        joined = date.fromisoformat(args.joined_on) if args.joined_on else date.today()
        held = membership.hold_draw(writer_sessions(engine), territory, seats=args.seats,
                                    seed=args.seed, joined_on=joined)
        print(json.dumps(membership.published_draw(sessions, held.draw_id), ensure_ascii=False,
                         indent=1))
        print(f"draw {held.draw_id}: {len(held.members)} members opened, {held.waiting} on the "
              "waiting list", file=sys.stderr)
        return 0
    problems = membership.verify_held_draw(sessions, args.draw_id)
    for p in problems:
        print(p)
    print(f"draw {args.draw_id} checks out" if not problems
          else f"draw {args.draw_id} does NOT check out")
    return 0 if not problems else 1


def _cmd_draw(args: argparse.Namespace) -> int:
    import json

    from geo_caisse import enrolment

    if args.action in ("hold", "check"):
        return _cmd_draw_store(args)

    path = Path(args.volunteers)
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    quotas_path = Path(args.quotas)
    if not quotas_path.is_file():
        raise ValidationError(f"{quotas_path}: no such file")
    volunteers = enrolment.read_volunteers(path.read_bytes(), source=path.name)
    quotas = enrolment.read_quotas(quotas_path.read_bytes(), source=quotas_path.name)
    if args.action == "run":
        result = enrolment.draw(volunteers, quotas, seats=args.seats, seed=args.seed)
        doc = {"seats": args.seats, "seed": result.seed, "method": result.method,
               "volunteers_sha256": result.list_sha256, "selected": list(result.selected),
               "min_probability": result.min_probability,
               "stratum_probability": result.stratum_probability,
               "probability": result.probability, "shortfall": result.shortfall}
        text = json.dumps(doc, ensure_ascii=False, indent=1)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            print(text)
        print(f"drew {len(result.selected)} of {len(volunteers)} volunteers ({result.method}); "
              f"list SHA-256 {result.list_sha256}", file=sys.stderr)
        return 0
    published = json.loads(Path(args.result).read_text(encoding="utf-8"))
    problems = enrolment.verify(volunteers, quotas, seats=int(published["seats"]),
                                seed=int(published["seed"]),
                                published_sha256=str(published["volunteers_sha256"]),
                                published_selection=list(published["selected"]))
    for p in problems:
        print(p)
    print("the published draw checks out" if not problems else "the draw does NOT check out")
    return 0 if not problems else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geo-caisse",
        description="The map of a Caisse Alimentaire Commune. Settings come from GEO_CAISSE_* "
        "environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or migrate the store and load the territory's data") \
        .set_defaults(func=_cmd_init)
    sub.add_parser("migrate", help="bring the schema to the newest revision") \
        .set_defaults(func=_cmd_migrate)
    serve = sub.add_parser("serve", help="serve the API and the map")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=_cmd_serve)
    layers = ("points_of_sale", "markets")
    imp = sub.add_parser("import", help="import points of sale or markets (all or nothing)")
    imp.add_argument("layer", choices=layers)
    imp.add_argument("file")
    imp.add_argument("--format", choices=("geojson", "csv", "gpkg"))
    imp.add_argument("--crs", help="CRS of a CSV's x/y columns (default: lon/lat in WGS84)")
    imp.set_defaults(func=_cmd_import)
    exp = sub.add_parser("export", help="export points of sale or markets")
    exp.add_argument("layer", choices=layers)
    exp.add_argument("file")
    exp.add_argument("--format", choices=("geojson", "csv", "gpkg"))
    exp.set_defaults(func=_cmd_export)
    des = sub.add_parser("deserts", help="food deserts: totals, and a layer to a file")
    des.add_argument("--level", default="cells",
                     choices=("cells", "commune", "quartier", "sous_quartier", "iris"))
    des.add_argument("--threshold-min", type=float, help="minutes of walk (default: territory)")
    des.add_argument("--open-on", help="only points of sale open that day (Mo..Su)")
    des.add_argument("-o", "--output", help="write the layer: .geojson or .csv")
    des.set_defaults(func=_cmd_deserts)
    status = sub.add_parser("status", help="set a point of sale's status (committee decision)")
    status.add_argument("ref")
    status.add_argument("status", choices=[s.value for s in Status])
    status.set_defaults(func=_cmd_status)
    led = sub.add_parser("ledger", help="the Mona ledger: import, allocate, verify, budget")
    led_sub = led.add_subparsers(dest="action", required=True)
    li = led_sub.add_parser("import", help="import a transaction export (all or nothing)")
    li.add_argument("file")
    li.add_argument("--column", action="append", metavar="OURS=THEIRS",
                    help="the export's column for one of ours (date, payer, payee, amount…)")
    li.add_argument("--account", action="append", metavar="THEIRS=OURS",
                    help="an export's account id and our account code")
    la = led_sub.add_parser("allocate", help="credit a month's MonA (once per member)")
    la.add_argument("month", help="YYYY-MM")
    led_sub.add_parser("verify", help="check every ledger invariant")
    led_sub.add_parser("budget", help="contributions, funding, treasury and MonA")
    led.set_defaults(func=_cmd_ledger)
    sim = sub.add_parser("simulate", help="register SYNTHETIC members and import a "
                                          "simulated year of transactions")
    sim.add_argument("--year", type=int, default=2025)
    sim.add_argument("--members", type=int, default=400)
    sim.add_argument("--seed", type=int, default=2025)
    sim.add_argument("-o", "--output", help="also write the CSV (import contract)")
    sim.add_argument("--if-empty", action="store_true",
                     help="do nothing when the ledger already has members")
    sim.set_defaults(func=_cmd_simulate)
    drw = sub.add_parser("draw", help="the public stratified draw of new members, and its "
                                      "verification by anyone")
    drw_sub = drw.add_subparsers(dest="action", required=True)
    run_p = drw_sub.add_parser("run", help="draw: writes the published result (JSON)")
    run_p.add_argument("volunteers", help="CSV: ref,income_quartile,age_band[,neighbourhood_"
                                          "code,channel,…]")
    run_p.add_argument("--quotas", required=True, help="JSON quotas per feature and value")
    run_p.add_argument("--seats", type=int, required=True)
    run_p.add_argument("--seed", type=int, required=True)
    run_p.add_argument("-o", "--output")
    ver = drw_sub.add_parser("verify", help="re-run a published draw and compare")
    ver.add_argument("volunteers")
    ver.add_argument("--quotas", required=True)
    ver.add_argument("--result", required=True, help="the published result JSON")
    hold = drw_sub.add_parser("hold", help="hold a draw over the store's waiting volunteers "
                                           "(population quotas); drawn ones get an account")
    hold.add_argument("--seats", type=int, required=True)
    hold.add_argument("--seed", type=int, required=True, help="announced before the draw")
    hold.add_argument("--joined-on", help="YYYY-MM-DD (default: today)")
    chk = drw_sub.add_parser("check", help="re-run a draw held in the store and compare")
    chk.add_argument("draw_id", type=int)
    drw.set_defaults(func=_cmd_draw)
    vol = sub.add_parser("volunteers", help="register SYNTHETIC volunteers (demo, tests)")
    vol.add_argument("--n", type=int, default=600)
    vol.add_argument("--seed", type=int, default=2025)
    vol.add_argument("--if-empty", action="store_true",
                     help="do nothing when volunteers are already registered")
    vol.set_defaults(func=_cmd_volunteers)
    usr = sub.add_parser("user", help="add a user who logs in (password from "
                                      "GEO_CAISSE_NEW_PASSWORD or a prompt)")
    usr.add_argument("username")
    usr.add_argument("--role", required=True,
                     choices=("member", "producer", "committee", "coordinator", "admin"))
    usr.add_argument("--member-id", type=int)
    usr.add_argument("--point-of-sale-id", type=int)
    usr.set_defaults(func=_cmd_user)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValidationError as exc:
        print(f"geo-caisse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except GeoCaisseError as exc:
        print(f"geo-caisse {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except PydanticValidationError as exc:
        print(f"geo-caisse {args.command}: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
