"""``geo-caisse user``: add a login."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from geo_caisse.auth.roles import ROLES
from geo_caisse.cli._context import context

if TYPE_CHECKING:
    from geo_caisse.cli._context import Subcommands


def _user(args: argparse.Namespace) -> int:
    import getpass
    import os

    from geo_caisse.auth.users import create_user

    _, sessions, _ = context()
    password = os.environ.get("GEO_CAISSE_NEW_PASSWORD") or getpass.getpass(
        f"password for {args.username}: ")
    user = create_user(sessions, username=args.username, password=password, role=args.role,
                       member_id=args.member_id, point_of_sale_id=args.point_of_sale_id)
    print(f"user {user.username} ({user.role}) created")
    return 0


def register(sub: Subcommands) -> None:
    usr = sub.add_parser("user", help="add a user who logs in (password from "
                                      "GEO_CAISSE_NEW_PASSWORD or a prompt)")
    usr.add_argument("username")
    usr.add_argument("--role", required=True, choices=ROLES)
    usr.add_argument("--member-id", type=int)
    usr.add_argument("--point-of-sale-id", type=int)
    usr.set_defaults(func=_user)
