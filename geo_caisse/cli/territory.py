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


def register(sub: Subcommands) -> None:
    ter = sub.add_parser("territory", help="check a territory folder (docs/territory.md)")
    actions = ter.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "check", help="validate a whole territory folder and list every problem with its fix "
        "(exit 0: usable, 2: problems)")
    check.add_argument("directory", help="the folder holding territory.toml")
    check.set_defaults(func=_check)
