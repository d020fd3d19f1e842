"""Commands about the territory folder itself: ``territory check DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _check(args: argparse.Namespace) -> int:
    from geo_caisse.layers.territory_check import check_territory

    report = check_territory(Path(args.directory))
    for finding in report.problems:
        print(finding, file=sys.stderr)
    for finding in report.notes:
        print(finding)
    counts = ", ".join(f"{n:,} {what}" for what, n in report.counts.items())
    if not report.ok:
        print(f"geo-caisse territory check: {len(report.problems)} problem(s) in "
              f"{report.directory}: the territory cannot be used until they are fixed "
              "(see docs/territory.md)", file=sys.stderr)
        return 2
    print(f"{report.directory}: the territory is usable ({counts}); "
          f"{len(report.notes)} note(s)")
    return 0


def _build(args: argparse.Namespace) -> int:
    from geo_caisse.builder.build import BuildInputs, build_territory
    from geo_caisse.core.errors import DataError, ValidationError
    from geo_caisse.core.progress import to_stderr

    def path(value: str | None) -> Path | None:
        return None if value is None else Path(value)

    inputs = BuildInputs(
        osm=Path(args.osm), code=args.code, name=args.name, communes=path(args.communes),
        iris=path(args.iris), population=path(args.population),
        population_column=args.population_column, income=path(args.income),
        income_column=args.income_column, addresses=path(args.addresses),
        shops=path(args.shops), ages=path(args.ages), grid=path(args.grid),
        extent=args.extent,
        metric_crs=args.metric_crs,
        timezone=args.timezone)
    try:
        report = build_territory(inputs, Path(args.directory), force=args.force,
                                 progress=to_stderr)
    except DataError as exc:  # an input file is missing, unreadable or of another place
        raise ValidationError(str(exc)) from None
    for note in report.notes:
        print(f"note: {note}")
    if report.check is not None:  # what the territory cannot compute, as check says it
        for finding in report.check.notes:
            print(finding)
    counts = ", ".join(f"{n:,} {what}" for what, n in report.counts.items())
    print(f"{report.directory}: territory built and checked ({counts}); see its "
          "PROVENANCE.md. Serve it with GEO_CAISSE_TERRITORY_DIR="
          f"{report.directory} geo-caisse init")
    return 0


def register(sub: Subcommands) -> None:
    ter = sub.add_parser("territory", help="check or build a territory folder (docs/territory.md)")
    actions = ter.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "check", help="validate a whole territory folder and list every problem with its fix "
        "(exit 0: usable, 2: problems)")
    check.add_argument("directory", help="the folder holding territory.toml")
    check.set_defaults(func=_check)
    build = actions.add_parser(
        "build", help="make a territory folder from an OSM extract and IGN/INSEE open data "
        "(docs/territory.md, 'Build a folder'); the folder is checked before it is kept")
    build.add_argument("directory", help="the folder to write (must be new or empty)")
    build.add_argument("--osm", required=True,
                       help="OpenStreetMap extract: .osm, .osm.bz2, .osm.gz or .osm.pbf")
    build.add_argument("--code", required=True, help="short identifier (villeurbanne)")
    build.add_argument("--name", required=True, help="the territory's name as people read it")
    build.add_argument("--communes", help="commune boundaries (IGN Admin Express GeoJSON, "
                       "GeoPackage or zipped shapefile)")
    build.add_argument("--iris", help="IRIS boundaries (IGN/INSEE Contours IRIS, any format)")
    build.add_argument("--population", help="INSEE population table by commune or IRIS (CSV)")
    build.add_argument("--population-column", help="its column to read (default: the "
                       "latest pNN_pop)")
    build.add_argument("--income", help="INSEE Filosofi median income by IRIS or commune (CSV)")
    build.add_argument("--income-column", help="its column to read (default: DISP_MEDnn…)")
    build.add_argument("--addresses", help="Base Adresse Nationale CSV (default: the OSM "
                       "extract's address points)")
    build.add_argument("--shops", help="the caisse's own list of shops (CSV: name, activity, "
                       "longitude, latitude)")
    build.add_argument("--ages", help="INSEE population by age by IRIS or commune (CSV, "
                       "P19_POP1824…): with Filosofi deciles in --income, the draw's strata")
    build.add_argument("--grid", help="INSEE Filosofi 200 m grid (GeoPackage: Ind, Men, "
                       "Men_pauv): people and low income per cell, instead of spreading the "
                       "populations over the addresses")
    build.add_argument("--extent", choices=("osm", "boundaries"),
                       help="the territory: the boundaries inside the OSM extract (osm, the "
                       "default without --addresses) or the whole boundaries")
    build.add_argument("--metric-crs", help="metric CRS (default: from the place, EPSG:2154 "
                       "in mainland France)")
    build.add_argument("--timezone", help="time zone (default: from the place)")
    build.add_argument("--force", action="store_true", help="replace a non-empty folder")
    build.set_defaults(func=_build)
