"""Outgoing email, queued in the transaction that sends it.

Revision ID: 0010_email
Revises: 0009_popia
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from saypro.platform.db import migration_helpers as rls

revision: str = "0010_email"
down_revision: str | None = "0009_popia"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outgoing_emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        *rls.timestamp_columns(),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_outgoing_emails_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_emails")),
    )
    op.create_index(
        op.f("ix_outgoing_emails_tenant_id"), "outgoing_emails", ["tenant_id"], unique=False
    )
    rls.grant("outgoing_emails", "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    op.drop_index(op.f("ix_outgoing_emails_tenant_id"), table_name="outgoing_emails")
    op.drop_table("outgoing_emails")
