"""Commands of the Mona: the ledger (import, allocate, verify, budget) and the simulator."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from geo_caisse.cli._context import context, pairs
from geo_caisse.core.progress import to_stderr

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _ledger(args: argparse.Namespace) -> int:
    from geo_caisse.mona.statements import budget_summary, verify_ledger
    from geo_caisse.mona.transactions import import_file
    from geo_caisse.mona.treasury import allocate_month
    from geo_caisse.storage import writer_sessions

    engine, _, territory = context()
    sessions = writer_sessions(engine)
    if args.action == "import":
        summary = import_file(sessions, args.file, columns=pairs(args.column, "--column"),
                              accounts=pairs(args.account, "--account"), progress=to_stderr)
        print(f"{args.file}: {summary.rows} rows, {summary.events} events written, "
              f"{summary.already_imported_events} already imported; "
              + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_kind.items())))
    elif args.action == "allocate":
        run = allocate_month(sessions, territory, args.month, progress=to_stderr)
        print(f"{run.month}: {run.credited} members credited {run.amount_mona} MonA, "
              f"{run.already_credited} already were")
    elif args.action == "verify":
        problems = verify_ledger(sessions)
        for p in problems:
            print(p)
        print("ledger sound" if not problems else f"{len(problems)} problem(s)")
        return 0 if not problems else 1
    else:  # budget
        b = budget_summary(sessions)
        for key, value in vars(b).items():
            print(f"{key}: {value}")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from geo_caisse.mona.accounts import count_members
    from geo_caisse.mona.simulate import simulate_year
    from geo_caisse.mona.transactions import import_transactions
    from geo_caisse.storage import writer_sessions

    engine, _, territory = context()
    sessions = writer_sessions(engine)
    if args.if_empty and count_members(sessions):
        print("the ledger already has members: no simulation")
        return 0
    sim = simulate_year(sessions, territory, year=args.year, members=args.members,
                        seed=args.seed, progress=to_stderr)
    name = f"synthetic-{args.year}-seed{args.seed}.csv"
    if args.output:
        Path(args.output).write_bytes(sim.csv_bytes)
        name = Path(args.output).name
        print(f"wrote {sim.movements:,} SYNTHETIC movements to {args.output}")
    summary = import_transactions(sessions, sim.csv_bytes, source=name, progress=to_stderr)
    print(f"SYNTHETIC year {args.year} (seed {args.seed}): {sim.members} members, "
          f"{summary.rows:,} movements imported")
    return 0


def register(sub: Subcommands) -> None:
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
    led.set_defaults(func=_ledger)
    sim = sub.add_parser("simulate", help="register SYNTHETIC members and import a "
                                          "simulated year of transactions")
    sim.add_argument("--year", type=int, default=2025)
    sim.add_argument("--members", type=int, default=400)
    sim.add_argument("--seed", type=int, default=2025)
    sim.add_argument("-o", "--output", help="also write the CSV (import contract)")
    sim.add_argument("--if-empty", action="store_true",
                     help="do nothing when the ledger already has members")
    sim.set_defaults(func=_simulate)
