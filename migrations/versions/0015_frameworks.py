"""Reporting frameworks: frameworks, their hierarchical items, and indicator mappings
(tenant-owned, row-level security).

Revision ID: 0015_frameworks
Revises: 0014_kpi_workflow
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from saypro.platform.db import migration_helpers as rls

revision: str = "0015_frameworks"
down_revision: str | None = "0014_kpi_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("framework_frameworks", "framework_items", "framework_mappings")
KINDS = (
    "sdg",
    "back_to_basics",
    "circular_88",
    "idp",
    "sdbip_top_layer",
    "sdbip_departmental",
    "donor_logframe",
    "custom",
)


def _timestamps() -> list[sa.Column[datetime]]:
    return [
        sa.Column(
            name,
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        )
        for name in ("created_at", "updated_at")
    ]


def upgrade() -> None:
    op.create_table(
        "framework_frameworks",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="framework_kind"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_framework_frameworks")),
    )
    op.create_index(
        "uq_framework_frameworks_tenant_name",
        "framework_frameworks",
        ["tenant_id", sa.text("lower(name)")],
        unique=True,
    )
    op.create_index(
        "ix_framework_frameworks_tenant_kind",
        "framework_frameworks",
        ["tenant_id", "kind"],
        unique=False,
    )
    op.create_table(
        "framework_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("framework_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "framework_id"],
            ["framework_frameworks.tenant_id", "framework_frameworks.id"],
            name=op.f("fk_framework_items_tenant_id_framework_id_framework_frameworks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["framework_items.tenant_id", "framework_items.id"],
            name=op.f("fk_framework_items_tenant_id_parent_id_framework_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_framework_items")),
    )
    op.create_index(
        "uq_framework_items_tenant_framework_code",
        "framework_items",
        ["tenant_id", "framework_id", sa.text("lower(code)")],
        unique=True,
    )
    op.create_index(
        "ix_framework_items_tenant_parent",
        "framework_items",
        ["tenant_id", "parent_id"],
        unique=False,
    )
    op.create_table(
        "framework_mappings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "item_id"],
            ["framework_items.tenant_id", "framework_items.id"],
            name=op.f("fk_framework_mappings_tenant_id_item_id_framework_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            name=op.f("fk_framework_mappings_tenant_id_indicator_id_kpi_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_framework_mappings")),
    )
    op.create_index(
        "uq_framework_mappings_tenant_item_indicator",
        "framework_mappings",
        ["tenant_id", "item_id", "indicator_id"],
        unique=True,
    )
    op.create_index(
        "ix_framework_mappings_tenant_indicator",
        "framework_mappings",
        ["tenant_id", "indicator_id"],
        unique=False,
    )
    for table in TABLES:
        rls.enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    sa.Enum(name="framework_kind").drop(op.get_bind(), checkfirst=True)
