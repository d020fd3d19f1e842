"""Initial schema: neighbourhoods, markets, points of sale.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "neighbourhood",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("parent_code", sa.String(32)),
        sa.Column("population", sa.Integer),
        sa.Column("population_year", sa.Integer),
        sa.Column("median_income_uc_eur", sa.Float),
        sa.Column("benefit_dependent_share", sa.Float),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column(
            "geom",
            Geometry("MULTIPOLYGON", srid=4326, spatial_index=True, nullable=False),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_neighbourhood"),
        sa.UniqueConstraint("code", name="uq_neighbourhood_code"),
        sa.CheckConstraint(
            "level IN ('commune', 'quartier', 'sous_quartier', 'iris')",
            name="ck_neighbourhood_level",
        ),
    )
    op.create_index("ix_neighbourhood_level", "neighbourhood", ["level"])
    op.create_table(
        "market",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("opening_hours", sa.Text, nullable=False),
        sa.Column("open_days", sa.String(7), nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom", Geometry("POINT", srid=4326, spatial_index=True, nullable=False), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_market"),
        sa.UniqueConstraint("ref", name="uq_market_ref"),
        sa.CheckConstraint(
            "kind IN ('plein_vent', 'producteurs', 'halle')", name="ck_market_kind"
        ),
    )
    op.create_table(
        "point_of_sale",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("opening_hours", sa.Text),
        sa.Column("open_days", sa.String(7)),
        sa.Column("wheelchair", sa.String(10), nullable=False),
        sa.Column("accepts_mona", sa.Boolean, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("market_id", sa.Integer),
        sa.Column("source", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom", Geometry("POINT", srid=4326, spatial_index=True, nullable=False), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_point_of_sale"),
        sa.UniqueConstraint("ref", name="uq_point_of_sale_ref"),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["market.id"],
            name="fk_point_of_sale_market_id_market",
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "kind IN ('producer', 'shop', 'epicerie', 'cooperative', 'amap', 'market_stall')",
            name="ck_point_of_sale_kind",
        ),
        sa.CheckConstraint(
            "status IN ('candidate', 'conventionne', 'suspended')", name="ck_point_of_sale_status"
        ),
        sa.CheckConstraint(
            "wheelchair IN ('yes', 'limited', 'no', 'unknown')",
            name="ck_point_of_sale_wheelchair",
        ),
        sa.CheckConstraint(
            "NOT accepts_mona OR status = 'conventionne'",
            name="ck_point_of_sale_mona_needs_status",
        ),
        sa.CheckConstraint(
            "kind <> 'market_stall' OR market_id IS NOT NULL",
            name="ck_point_of_sale_stall_market",
        ),
    )
    op.create_index("ix_point_of_sale_kind", "point_of_sale", ["kind"])
    op.create_index("ix_point_of_sale_status", "point_of_sale", ["status"])
    op.create_index("ix_point_of_sale_market_id", "point_of_sale", ["market_id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("point_of_sale", "market", "neighbourhood"):
        if sqlite:  # SpatiaLite keeps its R*Tree and registry unless told
            op.execute(f"SELECT DisableSpatialIndex('{table}', 'geom')")
            op.execute(f"DROP TABLE IF EXISTS idx_{table}_geom")
            op.execute(f"SELECT DiscardGeometryColumn('{table}', 'geom')")
        op.drop_table(table)
