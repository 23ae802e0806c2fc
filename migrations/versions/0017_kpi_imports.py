"""KPI imports: one row per uploaded file with its progress and errors (tenant-owned,
row-level security).

Revision ID: 0017_kpi_imports
Revises: 0016_kpi_reminders
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0017_kpi_imports"
down_revision: str | None = "0016_kpi_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("indicators", "actuals")
STATUSES = ("uploaded", "validating", "invalid", "valid", "committing", "done", "failed")


def upgrade() -> None:
    op.create_table(
        "kpi_import_runs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="kpi_import_kind"), nullable=False),
        sa.Column("status", sa.Enum(*STATUSES, name="kpi_import_status"), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=True),
        sa.Column("submit", sa.Boolean(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("committed_by", sa.Uuid(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "rows_done >= 0 AND rows_done <= rows_total",
            name=op.f("ck_kpi_import_runs_rows_done_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_kpi_import_runs_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["committed_by"],
            ["users.id"],
            name=op.f("fk_kpi_import_runs_committed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_import_runs")),
    )
    op.create_index(
        "ix_kpi_import_runs_tenant_created",
        "kpi_import_runs",
        ["tenant_id", "created_at"],
        unique=False,
    )
    rls.enable_tenant_rls("kpi_import_runs")


def downgrade() -> None:
    op.drop_table("kpi_import_runs")
    sa.Enum(name="kpi_import_status").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="kpi_import_kind").drop(op.get_bind(), checkfirst=True)
