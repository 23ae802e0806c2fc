"""KPI reminders: indicators gain a department; per-workspace reminder settings, members'
managers for escalations, and the ledger of reminders sent (tenant-owned, row-level
security).

Revision ID: 0016_kpi_reminders
Revises: 0015_frameworks
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from saypro.platform.db import migration_helpers as rls

revision: str = "0016_kpi_reminders"
down_revision: str | None = "0015_frameworks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("kpi_reminder_settings", "kpi_reporting_lines", "kpi_reminders_sent")


def upgrade() -> None:
    op.add_column(
        "kpi_indicators",
        sa.Column("department", sa.String(length=100), server_default="", nullable=False),
    )
    op.create_index(
        "ix_kpi_indicators_tenant_department",
        "kpi_indicators",
        ["tenant_id", "department"],
        unique=False,
    )

    op.create_table(
        "kpi_reminder_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("days_before", sa.SmallInteger(), nullable=False),
        sa.Column("overdue_every", sa.SmallInteger(), nullable=False),
        sa.Column("overdue_max", sa.SmallInteger(), nullable=False),
        sa.Column("escalate_after", sa.SmallInteger(), nullable=False),
        sa.Column("digest_weekday", sa.SmallInteger(), nullable=False),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "days_before >= 1 AND days_before <= 30",
            name=op.f("ck_kpi_reminder_settings_days_before_range"),
        ),
        sa.CheckConstraint(
            "overdue_every >= 1 AND overdue_every <= 60",
            name=op.f("ck_kpi_reminder_settings_overdue_every_range"),
        ),
        sa.CheckConstraint(
            "overdue_max >= 0 AND overdue_max <= 20",
            name=op.f("ck_kpi_reminder_settings_overdue_max_range"),
        ),
        sa.CheckConstraint(
            "escalate_after >= 1 AND escalate_after <= 365",
            name=op.f("ck_kpi_reminder_settings_escalate_after_range"),
        ),
        sa.CheckConstraint(
            "digest_weekday >= 0 AND digest_weekday <= 6",
            name=op.f("ck_kpi_reminder_settings_weekday_range"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_reminder_settings")),
    )
    op.create_index(
        "uq_kpi_reminder_settings_tenant", "kpi_reminder_settings", ["tenant_id"], unique=True
    )

    op.create_table(
        "kpi_reporting_lines",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=False),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "user_id <> manager_id", name=op.f("ck_kpi_reporting_lines_not_own_manager")
        ),
        sa.ForeignKeyConstraint(
            ["user_id", "tenant_id"],
            ["memberships.user_id", "memberships.tenant_id"],
            name=op.f("fk_kpi_reporting_lines_user_id_tenant_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id", "tenant_id"],
            ["memberships.user_id", "memberships.tenant_id"],
            name=op.f("fk_kpi_reporting_lines_manager_id_tenant_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_reporting_lines")),
    )
    op.create_index(
        "uq_kpi_reporting_lines_tenant_user",
        "kpi_reporting_lines",
        ["tenant_id", "user_id"],
        unique=True,
    )
    op.create_index(
        "ix_kpi_reporting_lines_tenant_manager",
        "kpi_reporting_lines",
        ["tenant_id", "manager_id"],
        unique=False,
    )

    op.create_table(
        "kpi_reminders_sent",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=True),
        sa.Column("financial_year", sa.SmallInteger(), nullable=True),
        sa.Column("period", sa.SmallInteger(), nullable=True),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("repeat", sa.SmallInteger(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column("email_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(indicator_id IS NULL) = (step = 'digest')",
            name=op.f("ck_kpi_reminders_sent_indicator_unless_digest"),
        ),
        sa.CheckConstraint(
            "indicator_id IS NULL OR (financial_year IS NOT NULL AND period IS NOT NULL)",
            name=op.f("ck_kpi_reminders_sent_period_of_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "indicator_id"],
            ["kpi_indicators.tenant_id", "kpi_indicators.id"],
            name=op.f("fk_kpi_reminders_sent_tenant_id_indicator_id_kpi_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_kpi_reminders_sent_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_reminders_sent")),
    )
    op.create_index(
        "uq_kpi_reminders_sent_tenant_step",
        "kpi_reminders_sent",
        ["tenant_id", "indicator_id", "financial_year", "period", "step", "repeat", "recipient_id"],
        unique=True,
        postgresql_where=sa.text("indicator_id IS NOT NULL"),
    )
    op.create_index(
        "uq_kpi_reminders_sent_tenant_digest",
        "kpi_reminders_sent",
        ["tenant_id", "step", "scheduled_on", "recipient_id"],
        unique=True,
        postgresql_where=sa.text("indicator_id IS NULL"),
    )
    for table in TABLES:
        rls.enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    op.drop_index("ix_kpi_indicators_tenant_department", table_name="kpi_indicators")
    op.drop_column("kpi_indicators", "department")
