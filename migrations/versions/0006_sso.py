"""Single sign-on: each municipality's OpenID Connect provider and the provider identities
linked to its people (tenant-owned, row-level security).

Revision ID: 0006_sso
Revises: 0005_staff
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0006_sso"
down_revision: str | None = "0005_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The enum exists since 0001 (memberships.role); it is reused, not created.
MEMBER_ROLE = postgresql.ENUM(
    "tenant_admin", "editor", "contributor", "viewer", name="member_role", create_type=False
)


def upgrade() -> None:
    op.create_table(
        "sso_providers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("allowed_domains", sa.ARRAY(sa.String(length=253)), nullable=False),
        sa.Column("default_role", MEMBER_ROLE, nullable=False),
        sa.Column("sso_required", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *rls.timestamp_columns(),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sso_providers")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_sso_providers_tenant_id")),
    )
    rls.enable_tenant_rls("sso_providers")
    op.create_table(
        "sso_identities",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        *rls.timestamp_columns(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sso_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint(
            "tenant_id",
            "issuer",
            "subject",
            name=op.f("uq_sso_identities_tenant_id_issuer_subject"),
        ),
    )
    op.create_index(
        "ix_sso_identities_tenant_user", "sso_identities", ["tenant_id", "user_id"], unique=False
    )
    rls.enable_tenant_rls("sso_identities")


def downgrade() -> None:
    rls.disable_tenant_rls("sso_identities")
    op.drop_index("ix_sso_identities_tenant_user", table_name="sso_identities")
    op.drop_table("sso_identities")
    rls.disable_tenant_rls("sso_providers")
    op.drop_table("sso_providers")
