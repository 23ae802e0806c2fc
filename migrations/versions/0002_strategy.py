"""Strategy: strategic objectives and initiatives (tenant-owned, row-level security).

Revision ID: 0002_strategy
Revises: 0001_platform
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from saypro.platform.db import migration_helpers as rls

revision: str = "0002_strategy"
down_revision: str | None = "0001_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUMS = ("objective_status", "programme_phase", "initiative_status")


def upgrade() -> None:
    op.create_table(
        "strategy_objectives",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "on_track",
                "at_risk",
                "off_track",
                "completed",
                "cancelled",
                name="objective_status",
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("progress", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("progress_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_requested_at", sa.DateTime(timezone=True), nullable=True),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "progress IS NULL OR (progress >= 0 AND progress <= 100)",
            name=op.f("ck_strategy_objectives_progress_range"),
        ),
        sa.CheckConstraint(
            "target_date IS NULL OR start_date IS NULL OR target_date >= start_date",
            name=op.f("ck_strategy_objectives_dates_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_strategy_objectives_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_strategy_objectives")),
    )
    op.create_index(
        "uq_strategy_objectives_tenant_code",
        "strategy_objectives",
        ["tenant_id", sa.text("lower(code)")],
        unique=True,
    )
    op.create_index(
        "ix_strategy_objectives_tenant_owner", "strategy_objectives", ["tenant_id", "owner_id"]
    )
    op.create_index(
        "ix_strategy_objectives_tenant_status", "strategy_objectives", ["tenant_id", "status"]
    )
    op.create_table(
        "strategy_initiatives",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "phase",
            sa.Enum(
                "assessment",
                "strategy_development",
                "implementation",
                "monitoring_optimisation",
                name="programme_phase",
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "in_progress",
                "on_hold",
                "completed",
                "cancelled",
                name="initiative_status",
            ),
            nullable=False,
        ),
        sa.Column("weight", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("percent_complete", sa.Numeric(precision=5, scale=2), nullable=False),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "percent_complete >= 0 AND percent_complete <= 100",
            name=op.f("ck_strategy_initiatives_percent_range"),
        ),
        sa.CheckConstraint("weight > 0", name=op.f("ck_strategy_initiatives_weight_positive")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_strategy_initiatives_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "objective_id"],
            ["strategy_objectives.tenant_id", "strategy_objectives.id"],
            name=op.f("fk_strategy_initiatives_tenant_id_objective_id_strategy_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_strategy_initiatives")),
    )
    op.create_index(
        "ix_strategy_initiatives_tenant_objective",
        "strategy_initiatives",
        ["tenant_id", "objective_id"],
    )
    op.create_index(
        "ix_strategy_initiatives_tenant_owner", "strategy_initiatives", ["tenant_id", "owner_id"]
    )
    rls.enable_tenant_rls("strategy_objectives")
    rls.enable_tenant_rls("strategy_initiatives")


def downgrade() -> None:
    op.drop_table("strategy_initiatives")
    op.drop_table("strategy_objectives")
    for name in ENUMS:
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
