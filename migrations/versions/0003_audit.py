"""Audit trail: append-only audit events per tenant.

Revision ID: 0003_audit
Revises: 0002_strategy
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0003_audit"
down_revision: str | None = "0002_strategy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The hash of one event: SHA-256 over the previous event's hash and every field of this
# one, in a fixed text form. Used by the trigger that writes the chain and by the
# verification, so both compute exactly the same thing.
EVENT_HASH_FUNCTION = """
CREATE FUNCTION audit_event_hash(prev bytea, e audit_events) RETURNS bytea
LANGUAGE sql STABLE AS $$
  SELECT sha256(convert_to(concat_ws('|',
    coalesce(encode(prev, 'hex'), '-'),
    e.tenant_id::text, e.id::text, e.seq::text,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
    coalesce(e.actor_id::text, '-'), e.actor_name, e.action, e.entity_type,
    coalesce(e.entity_id::text, '-'), coalesce(e.before::text, '-'),
    coalesce(e.after::text, '-'), coalesce(e.request_id, '-'), coalesce(e.ip_address, '-')
  ), 'UTF8'))
$$
"""

# Appends each new event to its tenant's chain. The transaction-scoped advisory lock
# serialises appends per tenant (never across tenants), so the chain cannot fork.
CHAIN_TRIGGER_FUNCTION = """
CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || NEW.tenant_id::text, 0));
  SELECT seq, hash INTO last_seq, last_hash FROM audit_events
   WHERE tenant_id = NEW.tenant_id ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last_seq, 0) + 1;
  NEW.prev_hash := last_hash;
  NEW.hash := audit_event_hash(last_hash, NEW);
  RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=100), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        # Filled by the chain trigger below, never by the application.
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=True),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_events")),
    )
    op.create_index("uq_audit_events_tenant_seq", "audit_events", ["tenant_id", "seq"], unique=True)
    op.create_index("ix_audit_events_tenant_actor", "audit_events", ["tenant_id", "actor_id"])
    op.create_index(
        "ix_audit_events_tenant_entity", "audit_events", ["tenant_id", "entity_type", "entity_id"]
    )
    op.create_index("ix_audit_events_tenant_occurred", "audit_events", ["tenant_id", "occurred_at"])
    # Append-only for the application: it may add and read events, never change them.
    rls.enable_tenant_rls("audit_events", "SELECT, INSERT")
    op.execute(EVENT_HASH_FUNCTION)
    op.execute(CHAIN_TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_chain()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_events_chain ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_chain()")
    op.execute("DROP FUNCTION IF EXISTS audit_event_hash(bytea, audit_events)")
    op.drop_table("audit_events")
