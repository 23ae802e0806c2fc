"""KPI reporting workflow: actuals gain a review state, comment fields and who/when of
each step; evidence files of an actual; quarters locked for reporting (tenant-owned,
row-level security).

Revision ID: 0014_kpi_workflow
Revises: 0013_kpis
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from saypro.platform.db import migration_helpers as rls

revision: str = "0014_kpi_workflow"
down_revision: str | None = "0013_kpis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE = sa.Enum("draft", "submitted", "approved", "returned", name="kpi_actual_state")
ACTORS = ("reported_by", "submitted_by", "approved_by", "returned_by")


def upgrade() -> None:
    STATE.create(op.get_bind(), checkfirst=True)
    # Actuals entered before the workflow existed start as drafts.
    op.add_column("kpi_actuals", sa.Column("state", STATE, server_default="draft", nullable=False))
    for name in ("deviation_reason", "corrective_measure", "reviewer_comment"):
        op.add_column("kpi_actuals", sa.Column(name, sa.Text(), server_default="", nullable=False))
    for name in ACTORS:
        op.add_column("kpi_actuals", sa.Column(name, sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_kpi_actuals_{name}_users"),
            "kpi_actuals",
            "users",
            [name],
            ["id"],
            ondelete="SET NULL",
        )
    for name in ("submitted_at", "approved_at", "returned_at"):
        op.add_column("kpi_actuals", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_kpi_actuals_tenant_state", "kpi_actuals", ["tenant_id", "state"])

    op.create_table(
        "kpi_evidence",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actual_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_kpi_evidence_size_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "actual_id"],
            ["kpi_actuals.tenant_id", "kpi_actuals.id"],
            name=op.f("fk_kpi_evidence_tenant_id_actual_id_kpi_actuals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_kpi_evidence_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_evidence")),
    )
    op.create_index(
        "uq_kpi_evidence_tenant_actual_sha256",
        "kpi_evidence",
        ["tenant_id", "actual_id", "sha256"],
        unique=True,
    )

    op.create_table(
        "kpi_period_locks",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.SmallInteger(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("locked_by", sa.Uuid(), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unlocked_by", sa.Uuid(), nullable=True),
        sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unlock_reason", sa.Text(), nullable=False),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "quarter >= 1 AND quarter <= 4", name=op.f("ck_kpi_period_locks_quarter_range")
        ),
        sa.ForeignKeyConstraint(
            ["locked_by"],
            ["users.id"],
            name=op.f("fk_kpi_period_locks_locked_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unlocked_by"],
            ["users.id"],
            name=op.f("fk_kpi_period_locks_unlocked_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_kpi_period_locks")),
    )
    op.create_index(
        "uq_kpi_period_locks_tenant_quarter",
        "kpi_period_locks",
        ["tenant_id", "financial_year", "quarter"],
        unique=True,
    )
    for table in ("kpi_evidence", "kpi_period_locks"):
        rls.enable_tenant_rls(table)


def downgrade() -> None:
    op.drop_table("kpi_period_locks")
    op.drop_table("kpi_evidence")
    op.drop_index("ix_kpi_actuals_tenant_state", table_name="kpi_actuals")
    for name in ACTORS:
        op.drop_constraint(op.f(f"fk_kpi_actuals_{name}_users"), "kpi_actuals", type_="foreignkey")
    for name in (
        "state",
        "deviation_reason",
        "corrective_measure",
        "reviewer_comment",
        *ACTORS,
        "submitted_at",
        "approved_at",
        "returned_at",
    ):
        op.drop_column("kpi_actuals", name)
    STATE.drop(op.get_bind(), checkfirst=True)
