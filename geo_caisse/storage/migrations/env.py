"""Alembic environment: runs on the connection geo_caisse hands it (never reads a URL)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from geo_caisse.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=alembic_helpers.include_object,
    process_revision_directives=alembic_helpers.writer,
    render_item=alembic_helpers.render_item,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
