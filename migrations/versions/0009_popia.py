"""Privacy: tenant exports, closing and deleting municipalities (POPIA).

Revision ID: 0009_popia
Revises: 0008_api_tokens
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from saypro.platform.db import migration_helpers as rls

revision: str = "0009_popia"
down_revision: str | None = "0008_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Deletes every row of one municipality from every table that has a tenant_id column
# (found in the catalog when it runs, so tables added later are included), then the
# tenant row itself. It runs as its owner (the migration role) because the runtime role
# may not delete from the append-only audit trail. Safety:
# - it acts only on a tenant that is closed and past its deletion date, whoever calls it,
#   so EXECUTE for the runtime role cannot erase a live municipality;
# - row-level security stays in force for it too (FORCE applies to owners): it binds
#   app.tenant_id to that one tenant, so it cannot touch another tenant's rows;
# - search_path is pinned and every name is schema-qualified;
# - it runs in the caller's transaction: interrupted, nothing is deleted; run again after
#   a success, the tenant row is gone and it does nothing.
# Foreign keys between tenant tables may be declared in any order, so a table whose
# rows are still referenced is retried after the others (each attempt in a subtransaction).
PURGE_FUNCTION = """
CREATE FUNCTION purge_tenant(p_tenant uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  previous text := current_setting('app.tenant_id', true);
  counts jsonb := '{}'::jsonb;
  pending text[];
  still_pending text[];
  tbl text;
  deleted bigint;
BEGIN
  PERFORM 1 FROM public.tenants
   WHERE id = p_tenant AND status = 'closed' AND delete_after <= now()
   FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('app.tenant_id', p_tenant::text, true);
  SELECT coalesce(array_agg(c.relname::text ORDER BY c.relname), '{}') INTO pending
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p');
  WHILE cardinality(pending) > 0 LOOP
    still_pending := '{}';
    FOREACH tbl IN ARRAY pending LOOP
      BEGIN
        EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', tbl) USING p_tenant;
        GET DIAGNOSTICS deleted = ROW_COUNT;
        counts := counts
          || jsonb_build_object(tbl, coalesce((counts ->> tbl)::bigint, 0) + deleted);
      EXCEPTION WHEN foreign_key_violation THEN
        still_pending := still_pending || tbl;
      END;
    END LOOP;
    IF cardinality(still_pending) = cardinality(pending) THEN
      RAISE EXCEPTION 'purge_tenant: rows of % in % are still referenced', p_tenant, pending;
    END IF;
    pending := still_pending;
  END LOOP;
  DELETE FROM public.tenants WHERE id = p_tenant;
  PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
  RETURN counts;
END
$$
"""


def upgrade() -> None:
    op.add_column("tenants", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tenants", sa.Column("delete_after", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "data_exports",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "running", "done", "failed", "expired", name="export_status"),
            nullable=False,
        ),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("current_table", sa.String(length=100), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        *rls.timestamp_columns(),
        sa.CheckConstraint(
            "percent >= 0 AND percent <= 100", name=op.f("ck_data_exports_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_data_exports_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_data_exports")),
    )
    op.create_index("ix_data_exports_tenant_created", "data_exports", ["tenant_id", "created_at"])
    op.create_index("ix_data_exports_tenant_expires", "data_exports", ["tenant_id", "expires_at"])
    rls.enable_tenant_rls("data_exports")
    op.create_table(
        "tenant_deletions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("former_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("demarcation_code", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "deleted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("rows_deleted", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("files_deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_deletions")),
        sa.UniqueConstraint("former_tenant_id", name=op.f("uq_tenant_deletions_former_tenant_id")),
    )
    # A record of a deletion is written once and never changed by the application.
    rls.grant("tenant_deletions", "SELECT, INSERT")
    op.execute(PURGE_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION purge_tenant(uuid) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION purge_tenant(uuid) TO {rls.runtime_role()}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS purge_tenant(uuid)")
    op.drop_table("tenant_deletions")
    op.drop_index("ix_data_exports_tenant_expires", table_name="data_exports")
    op.drop_index("ix_data_exports_tenant_created", table_name="data_exports")
    op.drop_table("data_exports")
    sa.Enum(name="export_status").drop(op.get_bind(), checkfirst=True)
    op.drop_column("tenants", "delete_after")
    op.drop_column("tenants", "closed_at")
