"""Schema migrations with Alembic, driven from code (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:  # Alembic is imported to migrate, not to serve
    from alembic.config import Config

_SCRIPTS = Path(__file__).resolve().parent / "migrations"


def _config(connection: object) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``"base"`` drops every table)."""
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None when never migrated."""
    with engine.connect() as connection:  # what Alembic's MigrationContext reads
        if not inspect(connection).has_table("alembic_version"):
            return None
        heads = [str(r[0]) for r in connection.execute(
            text("SELECT version_num FROM alembic_version"))]
    if len(heads) > 1:
        raise RuntimeError(f"the store has several schema heads: {', '.join(heads)}")
    return heads[0] if heads else None
