"""KPIs: indicators, their strategy links, targets and revisions, actuals, and the
workspace's status scale (tenant-owned, row-level security).

Revision ID: 0013_kpis
Revises: 0012_invitations
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0013_kpis"
down_revision: str | None = "0012_invitations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "kpi_settings",
    "kpi_indicators",
    "kpi_actuals",
    "kpi_indicator_objectives",
    "kpi_targets",
    "kpi_indicator_initiatives",
    "kpi_target_revisions",
)
ENUMS = (
    "kpi_unit",
    "kpi_direction",
    "kpi_frequency",
    "kpi_target_type",
    "kpi_calculation",
    "kpi_actual_flag",
)


def upgrade() -> None:
    op.create_table(
        "kpi_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scale", sa.String(length=30), nullable=False),
        sa.Column("thresholds", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *rls.timestamp_columns(),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_settings")),
    )
    op.create_index("uq_kpi_settings_tenant", "kpi_settings", ["tenant_id"], unique=True)
    op.create_table(
        "kpi_indicators",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column(
            "unit",
            sa.Enum("number", "percentage", "rand", "days", "yes_no", name="kpi_unit"),
            nullable=False,
        ),
        sa.Column("decimal_places", sa.SmallInteger(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("higher_is_better", "lower_is_better", "within_range", name="kpi_direction"),
            nullable=False,
        ),
        sa.Column(
            "frequency",
            sa.Enum("monthly", "quarterly", "biannual", "annual", name="kpi_frequency"),
            nullable=False,
        ),
        sa.Column(
            "target_type",
            sa.Enum("cumulative", "per_period", "carry_over", name="kpi_target_type"),
            nullable=False,
        ),
        sa.Column(
            "calculation", sa.Enum("manual", "formula", name="kpi_calculation"), nullable=False
        ),
        sa.Column("formula", sa.Text(), nullable=True),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.Column("baseline_value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("thresholds", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "(calculation = 'formula') = (formula IS NOT NULL)",
            name=op.f("ck_kpi_indicators_formula_when_calculated"),
        ),
        sa.CheckConstraint(
            "baseline_date IS NULL OR baseline_value IS NOT NULL",
            name=op.f("ck_kpi_indicators_baseline_date_has_value"),
        ),
        sa.CheckConstraint(
            "decimal_places >= 0 AND decimal_places <= 4",
            name=op.f("ck_kpi_indicators_decimal_places_range"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_kpi_indicators_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_kpi_indicators_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_indicators")),
    )
    op.create_index(
        "ix_kpi_indicators_tenant_owner", "kpi_indicators", ["tenant_id", "owner_id"], unique=False
    )
    op.create_index(
        "ix_kpi_indicators_tenant_reviewer",
        "kpi_indicators",
        ["tenant_id", "reviewer_id"],
        unique=False,
    )
    op.create_index(
        "uq_kpi_indicators_tenant_code",
        "kpi_indicators",
        ["tenant_id", sa.text("lower(code)")],
        unique=True,
    )
    op.create_table(
        "kpi_actuals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.SmallInteger(), nullable=False),
        sa.Column("period", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column(
            "flag",
            sa.Enum("information_not_available", "target_to_be_amended", name="kpi_actual_flag"),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "period >= 1 AND period <= 12", name=op.f("ck_kpi_actuals_period_range")
        ),
        sa.CheckConstraint(
            "value IS NOT NULL OR flag IS NOT NULL", name=op.f("ck_kpi_actuals_value_or_flag")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            name=op.f("fk_kpi_actuals_tenant_id_indicator_id_kpi_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_actuals")),
    )
    op.create_index(
        "uq_kpi_actuals_tenant_indicator_period",
        "kpi_actuals",
        ["tenant_id", "indicator_id", "financial_year", "period"],
        unique=True,
    )
    op.create_table(
        "kpi_indicator_objectives",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("weight > 0", name=op.f("ck_kpi_indicator_objectives_weight_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            name=op.f("fk_kpi_indicator_objectives_tenant_id_indicator_id_kpi_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "objective_id"],
            ["strategy_objectives.tenant_id", "strategy_objectives.id"],
            name=op.f("fk_kpi_indicator_objectives_tenant_id_objective_id_strategy_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_indicator_objectives")),
    )
    op.create_index(
        "ix_kpi_indicator_objectives_tenant_objective",
        "kpi_indicator_objectives",
        ["tenant_id", "objective_id"],
        unique=False,
    )
    op.create_index(
        "uq_kpi_indicator_objectives_tenant_pair",
        "kpi_indicator_objectives",
        ["tenant_id", "indicator_id", "objective_id"],
        unique=True,
    )
    op.create_table(
        "kpi_targets",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.SmallInteger(), nullable=False),
        sa.Column("period", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("upper_value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "financial_year >= 2000 AND financial_year <= 2100",
            name=op.f("ck_kpi_targets_year_range"),
        ),
        sa.CheckConstraint(
            "period >= 0 AND period <= 12", name=op.f("ck_kpi_targets_period_range")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["users.id"],
            name=op.f("fk_kpi_targets_approved_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            name=op.f("fk_kpi_targets_tenant_id_indicator_id_kpi_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_targets")),
    )
    op.create_index(
        "uq_kpi_targets_tenant_indicator_period",
        "kpi_targets",
        ["tenant_id", "indicator_id", "financial_year", "period"],
        unique=True,
    )
    op.create_table(
        "kpi_indicator_initiatives",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("initiative_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            name=op.f("fk_kpi_indicator_initiatives_tenant_id_indicator_id_kpi_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "initiative_id"],
            ["strategy_initiatives.tenant_id", "strategy_initiatives.id"],
            name=op.f("fk_kpi_indicator_initiatives_tenant_id_initiative_id_strategy_initiatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_indicator_initiatives")),
    )
    op.create_index(
        "ix_kpi_indicator_initiatives_tenant_initiative",
        "kpi_indicator_initiatives",
        ["tenant_id", "initiative_id"],
        unique=False,
    )
    op.create_index(
        "uq_kpi_indicator_initiatives_tenant_pair",
        "kpi_indicator_initiatives",
        ["tenant_id", "indicator_id", "initiative_id"],
        unique=True,
    )
    op.create_table(
        "kpi_target_revisions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("previous_value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("previous_upper_value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("upper_value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_kpi_target_revisions_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "target_id"],
            ["kpi_targets.tenant_id", "kpi_targets.id"],
            name=op.f("fk_kpi_target_revisions_tenant_id_target_id_kpi_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_target_revisions")),
    )
    op.create_index(
        "ix_kpi_target_revisions_tenant_target",
        "kpi_target_revisions",
        ["tenant_id", "target_id"],
        unique=False,
    )
    for table in TABLES:
        rls.enable_tenant_rls(table)


def downgrade() -> None:
    for table in (
        "kpi_target_revisions",
        "kpi_targets",
        "kpi_actuals",
        "kpi_indicator_initiatives",
        "kpi_indicator_objectives",
        "kpi_indicators",
        "kpi_settings",
    ):
        op.drop_table(table)
    for name in ENUMS:
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
