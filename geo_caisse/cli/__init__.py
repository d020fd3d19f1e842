"""The ``geo-caisse`` command; each area of the caisse registers its own subcommands.

Errors are printed as one line naming what is wrong, with a non-zero exit code
(2 for bad input, 1 for anything else geo_caisse reports).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError as PydanticValidationError

from geo_caisse.cli import enrolment, layers, mona, serve, territory, users, walk
from geo_caisse.core.errors import GeoCaisseError, ValidationError

AREAS = (layers, walk, mona, enrolment, users, serve, territory)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand group per area (layers, walk, mona, enrolment…)."""
    parser = argparse.ArgumentParser(
        prog="geo-caisse",
        description="The map of a Caisse Alimentaire Commune. Settings come from GEO_CAISSE_* "
        "environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code (0 done, 1 refused, 2 bad input, 130 interrupted)."""
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
