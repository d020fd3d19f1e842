"""A neighbourhood's level is one of its territory's (territory.toml ``levels``): the CHECK
that held it to commune, quartier, sous_quartier and iris goes.

On SQLite a CHECK lives in the table's CREATE statement. Rebuilding the table (batch mode)
would drop SpatiaLite's triggers and spatial index on ``geom``; SQLite documents editing the
stored statement instead for removing a CHECK constraint ("Making Other Kinds Of Table
Schema Changes", https://www.sqlite.org/lang_altertable.html): the rows, indexes, triggers
and every other constraint stay as they are.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_LEVELS = ("commune", "quartier", "sous_quartier", "iris")
CHECK = "level IN ('commune', 'quartier', 'sous_quartier', 'iris')"


def _level_checks() -> list[str]:
    checks = sa.inspect(op.get_bind()).get_check_constraints("neighbourhood")
    return [str(c["name"]) for c in checks if "level" in str(c.get("sqltext", ""))]


def _set_sqlite_statement(sql: str) -> None:
    bind = op.get_bind()
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql "
                         "WHERE type = 'table' AND name = 'neighbourhood'"), {"sql": sql})
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = [str(r[0]) for r in bind.exec_driver_sql("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise RuntimeError(f"neighbourhood table after editing its CHECK: {problems}")


def _sqlite_statement() -> str:
    return str(op.get_bind().execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'neighbourhood'"
    )).scalar_one())


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        sql = _sqlite_statement()
        new = re.sub(r",\s*CONSTRAINT\s+\"?\w*level\"?\s+CHECK\s*\((?:[^()]|\([^()]*\))*\)",
                     "", sql)
        if new != sql:
            _set_sqlite_statement(new)
        return
    for name in _level_checks():
        op.execute(f'ALTER TABLE neighbourhood DROP CONSTRAINT "{name}"')


def downgrade() -> None:
    bind = op.get_bind()
    others = bind.execute(sa.text(
        "SELECT DISTINCT level FROM neighbourhood WHERE level NOT IN "
        "('commune', 'quartier', 'sous_quartier', 'iris')")).scalars().all()
    if others:
        raise RuntimeError(f"cannot go back before 0011: neighbourhoods of level(s) "
                           f"{', '.join(sorted(others))} are not among {', '.join(OLD_LEVELS)}")
    if bind.dialect.name == "sqlite":
        sql = _sqlite_statement()
        if "ck_neighbourhood_level" not in sql:
            end = sql.rstrip().rstrip(")").rstrip()
            _set_sqlite_statement(
                f"{end}, \n\tCONSTRAINT ck_neighbourhood_ck_neighbourhood_level CHECK ({CHECK})\n)")
        return
    op.execute("ALTER TABLE neighbourhood ADD CONSTRAINT "
               f"ck_neighbourhood_ck_neighbourhood_level CHECK ({CHECK})")
