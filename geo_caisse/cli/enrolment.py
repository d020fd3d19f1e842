"""Commands of enrolment: the public draw (run and verified by anyone, or held over the
store's waiting list and checked), and SYNTHETIC volunteers for the demo."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geo_caisse.cli._context import context
from geo_caisse.core.errors import ValidationError

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _volunteers(args: argparse.Namespace) -> int:
    from geo_caisse.enrolment.simulate import simulate_volunteers
    from geo_caisse.enrolment.volunteers import count_volunteers, register_volunteers

    _, sessions, territory = context()
    existing = count_volunteers(sessions)
    if args.if_empty and existing:
        print(f"{existing} volunteers already registered: nothing simulated")
        return 0
    specs = simulate_volunteers(territory, n=args.n, seed=args.seed, registered_on=date.today())
    done = register_volunteers(sessions, territory, specs)
    print(f"registered {len(done)} SYNTHETIC volunteers (seed {args.seed})")
    return 0


def _draw_store(args: argparse.Namespace) -> int:
    from geo_caisse.enrolment.held import hold_draw, published_draw, verify_held_draw
    from geo_caisse.storage import writer_sessions

    engine, sessions, territory = context()
    if args.action == "hold":
        joined = date.fromisoformat(args.joined_on) if args.joined_on else date.today()
        held = hold_draw(writer_sessions(engine), territory, seats=args.seats, seed=args.seed,
                         joined_on=joined)
        print(json.dumps(published_draw(sessions, held.draw_id), ensure_ascii=False, indent=1))
        print(f"draw {held.draw_id}: {len(held.members)} members opened, {held.waiting} on the "
              "waiting list", file=sys.stderr)
        return 0
    problems = verify_held_draw(sessions, args.draw_id)
    for p in problems:
        print(p)
    print(f"draw {args.draw_id} checks out" if not problems
          else f"draw {args.draw_id} does NOT check out")
    return 0 if not problems else 1


def _draw(args: argparse.Namespace) -> int:
    from geo_caisse.enrolment.draw import draw, read_quotas, read_volunteers, verify

    if args.action in ("hold", "check"):
        return _draw_store(args)
    path = Path(args.volunteers)
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    quotas_path = Path(args.quotas)
    if not quotas_path.is_file():
        raise ValidationError(f"{quotas_path}: no such file")
    volunteers = read_volunteers(path.read_bytes(), source=path.name)
    quotas = read_quotas(quotas_path.read_bytes(), source=quotas_path.name)
    if args.action == "run":
        result = draw(volunteers, quotas, seats=args.seats, seed=args.seed)
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
    problems = verify(volunteers, quotas, seats=int(published["seats"]),
                      seed=int(published["seed"]),
                      published_sha256=str(published["volunteers_sha256"]),
                      published_selection=list(published["selected"]))
    for p in problems:
        print(p)
    print("the published draw checks out" if not problems else "the draw does NOT check out")
    return 0 if not problems else 1


def register(sub: Subcommands) -> None:
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
    drw.set_defaults(func=_draw)
    vol = sub.add_parser("volunteers", help="register SYNTHETIC volunteers (demo, tests)")
    vol.add_argument("--n", type=int, default=600)
    vol.add_argument("--seed", type=int, default=2025)
    vol.add_argument("--if-empty", action="store_true",
                     help="do nothing when volunteers are already registered")
    vol.set_defaults(func=_volunteers)
