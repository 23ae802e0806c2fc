"""Invitations to join a municipality (tenant-owned, row-level security) and suspended
memberships.

Revision ID: 0012_invitations
Revises: 0011_signup
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0012_invitations"
down_revision: str | None = "0011_signup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "memberships", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "invitations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "role",
            postgresql.ENUM(
                "tenant_admin",
                "editor",
                "contributor",
                "viewer",
                name="member_role",
                create_type=False,
            ),
            nullable=False,
        ),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        *rls.timestamp_columns(),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["users.id"],
            name=op.f("fk_invitations_accepted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invitations")),
    )
    op.create_index(
        "uq_invitations_tenant_token_hash",
        "invitations",
        ["tenant_id", "token_hash"],
        unique=True,
    )
    op.create_index(
        "uq_invitations_tenant_open_email",
        "invitations",
        ["tenant_id", sa.text("lower(email)")],
        unique=True,
        postgresql_where=sa.text("accepted_at IS NULL AND revoked_at IS NULL"),
    )
    rls.enable_tenant_rls("invitations")


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_column("memberships", "suspended_at")
