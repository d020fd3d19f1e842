"""Commands for the territory's layers: init, migrate, import, export, status."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from geo_caisse.cli._context import context, walking_service
from geo_caisse.core.domain import Status, parse_enum
from geo_caisse.core.errors import ValidationError
from geo_caisse.io.formats import FORMATS, LAYERS

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _init(args: argparse.Namespace) -> int:
    from geo_caisse.layers.loading import init_store

    engine, sessions, territory = context()
    summary = init_store(engine, sessions, territory)
    print(
        f"loaded {territory.name}: {summary.neighbourhoods} neighbourhoods, "
        f"{summary.markets.inserted + summary.markets.updated} markets, "
        f"{summary.points_of_sale.inserted + summary.points_of_sale.updated} points of sale"
    )
    for line in summary.notes:
        print(line)
    if not territory.basemap.tile_url:
        from geo_caisse.basemap.tiles import load_basemap
        from geo_caisse.core.progress import to_stderr
        from geo_caisse.core.settings import load_settings

        basemap = load_basemap(territory, cache_dir=load_settings().territory.cache_dir,
                               progress=to_stderr)
        print(f"base map: {len(basemap.tiles):,} vector tiles (zooms {basemap.min_zoom}"
              f"-{basemap.max_zoom})")
    if territory.network is not None and territory.population is not None:
        service = walking_service(territory)
        report = service.deserts(sessions)  # also compiles the search kernels once
        print(f"walking network: {service.network.n_nodes:,} nodes; "
              f"{report.totals['low_access_population']:,.0f} people over "
              f"{report.threshold_min:g} min from a conventionné, "
              + (f"{report.totals['desert_population']:,.0f} of them low-income"
                 if report.low_income.get("available", True)
                 else f"low-income people not counted ({report.low_income_rule})"))
        service.warm_up(sessions)  # the what-if's searches too
    _compile_ahead()
    return 0


def _compile_ahead() -> None:
    """The flows' pass and the targeting's search compiled now (numba keeps them on disk),
    not by the first request that needs them: seconds each on a fresh install."""
    from geo_caisse.mona._pass import compile_ahead as flows_pass
    from geo_caisse.planning.mclp import compile_ahead as targeting_search

    flows_pass()
    targeting_search()


def _migrate(args: argparse.Namespace) -> int:
    from geo_caisse.storage.migrate import current_revision, upgrade

    engine, _, _ = context()
    upgrade(engine)
    print(f"schema at revision {current_revision(engine)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from geo_caisse.layers.loading import import_layer

    _, sessions, territory = context()
    path = Path(args.file)
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    result = import_layer(sessions, territory, path, args.layer, fmt=args.format, crs=args.crs,
                          gpkg_layer=args.gpkg_layer)
    print(f"{path.name}: {result.inserted} inserted, {result.updated} updated ({args.layer})")
    for line in result.notes:
        print(line)
    return 0


def _export(args: argparse.Namespace) -> int:
    from geo_caisse.io.writers import write_layer
    from geo_caisse.layers.loading import list_layer

    _, sessions, _ = context()
    objs = list_layer(sessions, args.layer)
    path = write_layer(objs, args.layer, args.file, fmt=args.format)
    print(f"wrote {len(objs)} {args.layer} to {path}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from geo_caisse.layers.status import set_status_by_ref

    _, sessions, _ = context()
    pos = set_status_by_ref(sessions, args.ref, parse_enum(Status, args.status, name="status"))
    print(f"{pos.ref} ({pos.name}): {pos.status.value}, accepts_mona={pos.accepts_mona}")
    return 0


def register(sub: Subcommands) -> None:
    sub.add_parser("init", help="create or migrate the store and load the territory's data") \
        .set_defaults(func=_init)
    sub.add_parser("migrate", help="bring the schema to the newest revision") \
        .set_defaults(func=_migrate)
    imp = sub.add_parser("import", help="import points of sale or markets (all or nothing)")
    imp.add_argument("layer", choices=LAYERS)
    imp.add_argument("file")
    imp.add_argument("--format", choices=FORMATS)
    imp.add_argument("--crs", help="CRS of a CSV's x/y columns (default: lon/lat in WGS84)")
    imp.add_argument("--layer", dest="gpkg_layer", metavar="NAME",
                     help="the layer of a GeoPackage holding several")
    imp.set_defaults(func=_import)
    exp = sub.add_parser("export", help="export points of sale or markets")
    exp.add_argument("layer", choices=LAYERS)
    exp.add_argument("file")
    exp.add_argument("--format", choices=FORMATS)
    exp.set_defaults(func=_export)
    status = sub.add_parser("status", help="set a point of sale's status (committee decision)")
    status.add_argument("ref")
    status.add_argument("status", choices=[s.value for s in Status])
    status.set_defaults(func=_status)
