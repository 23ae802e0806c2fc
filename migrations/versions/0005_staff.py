"""SayPro staff roles and consultant assignments to municipalities.

Revision ID: 0005_staff
Revises: 0004_session_cutoff
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0005_staff"
down_revision: str | None = "0004_session_cutoff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF_ROLE = postgresql.ENUM("platform_admin", "consultant", "finance", name="staff_role")


def upgrade() -> None:
    STAFF_ROLE.create(op.get_bind())
    op.add_column("users", sa.Column("staff_role", STAFF_ROLE, nullable=True))
    op.create_table(
        "consultant_assignments",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Enum("lead", "support", name="consultant_role"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_consultant_assignments_period_order"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consultant_assignments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consultant_assignments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "tenant_id", name=op.f("pk_consultant_assignments")),
    )
    op.create_index(
        op.f("ix_consultant_assignments_tenant_id"),
        "consultant_assignments",
        ["tenant_id"],
        unique=False,
    )
    rls.grant("consultant_assignments")


def downgrade() -> None:
    op.drop_index(op.f("ix_consultant_assignments_tenant_id"), table_name="consultant_assignments")
    op.drop_table("consultant_assignments")
    op.drop_column("users", "staff_role")
    sa.Enum(name="consultant_role").drop(op.get_bind(), checkfirst=True)
    STAFF_ROLE.drop(op.get_bind(), checkfirst=True)
