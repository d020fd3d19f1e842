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
