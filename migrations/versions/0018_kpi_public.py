"""Public performance dashboard: indicators gain a public flag; one dashboard settings
row per municipality (tenant-owned, row-level security).

Revision ID: 0018_kpi_public
Revises: 0017_kpi_imports
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0018_kpi_public"
down_revision: str | None = "0017_kpi_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "kpi_indicators",
        sa.Column("public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    # The public page reads only a municipality's public indicators.
    op.create_index(
        "ix_kpi_indicators_tenant_public",
        "kpi_indicators",
        ["tenant_id"],
        postgresql_where=sa.text("public"),
    )
    op.create_table(
        "kpi_public_dashboards",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("allowed_origins", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *rls.timestamp_columns(),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_public_dashboards")),
    )
    op.create_index(
        "uq_kpi_public_dashboards_tenant", "kpi_public_dashboards", ["tenant_id"], unique=True
    )
    rls.enable_tenant_rls("kpi_public_dashboards")


def downgrade() -> None:
    op.drop_table("kpi_public_dashboards")
    op.drop_index("ix_kpi_indicators_tenant_public", table_name="kpi_indicators")
    op.drop_column("kpi_indicators", "public")
