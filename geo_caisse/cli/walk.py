"""Commands of the walking analysis: food deserts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from geo_caisse.cli._context import context, walking_service

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _deserts(args: argparse.Namespace) -> int:
    from geo_caisse.walk.deserts import cells_feature_collection, check_level

    _, sessions, territory = context()
    if args.level != "cells":  # one of the territory's levels, refused before the analysis
        territory.level(args.level, name="--level")
    service = walking_service(territory)
    report = service.deserts(sessions, threshold_min=args.threshold_min, open_on=args.open_on)
    if args.level != "cells":
        check_level(report, args.level)
    if args.output:
        out = Path(args.output)
        if args.level == "cells":
            table = report.cells
            doc = cells_feature_collection(report) if out.suffix != ".csv" else None
        else:
            table = report.areas[report.areas.level == args.level]
            doc = (None if out.suffix == ".csv"
                   else service.areas_feature_collection(sessions, report, args.level))
        if out.suffix == ".csv":
            table.to_csv(out, index=False)
        else:
            out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {len(table)} rows to {out}")
    t = report.totals
    deserts = (f"{t['desert_population']:,.0f} in food deserts (low income: "
               f"{report.low_income_rule})" if report.low_income.get("available", True)
               else f"food deserts not counted: the low-income rule is {report.low_income_rule}")
    print(f"{t['population_covered']:,.0f} people covered by the walking network; "
          f"{t['low_access_population']:,.0f} over {report.threshold_min:g} min from a "
          f"conventionné; {deserts}; median walk {t['median_walk_min']:.1f} min")
    return 0


def register(sub: Subcommands) -> None:
    des = sub.add_parser("deserts", help="food deserts: totals, and a layer to a file")
    des.add_argument("--level", default="cells",
                     help="cells, or one of the territory's levels (territory.toml levels)")
    des.add_argument("--threshold-min", type=float, help="minutes of walk (default: territory)")
    des.add_argument("--open-on", help="only points of sale open that day (Mo..Su)")
    des.add_argument("-o", "--output", help="write the layer: .geojson or .csv")
    des.set_defaults(func=_deserts)
