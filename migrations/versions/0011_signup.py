"""Self-service sign-up: verified email addresses, VAT numbers, single-use account links
(email verification, password reset), the onboarding checklist's dismissal, and the one
narrow way the application may remove a municipality: an abandoned sign-up.

Revision ID: 0011_signup
Revises: 0010_email
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from saypro.platform.db import migration_helpers as rls

revision: str = "0011_signup"
down_revision: str | None = "0010_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The application's role may not delete municipalities, accounts or audit events. A
# sign-up whose address was never verified, and whose verification links have all
# expired, is the one exception: it would otherwise hold its demarcation code, address
# and email forever. This function (run with the owner's rights) re-checks that in the
# database, then removes every row of that municipality from every table that has a
# tenant_id (whatever tables exist by then; foreign keys between them are satisfied by
# retrying the tables that still have dependants), the unverified accounts that belonged
# to it only, and the municipality itself. Row-level security still applies: the tenant
# is bound for the deletes, and the caller's binding is restored afterwards.
DISCARD_FUNCTION = """
CREATE FUNCTION discard_abandoned_sign_up(target uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  previous text := coalesce(current_setting('app.tenant_id', true), '');
  members uuid[];
  pending text[];
  failed text[];
  tbl text;
  passes int := 0;
BEGIN
  PERFORM 1 FROM tenants WHERE id = target FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM account_links
                  WHERE tenant_id = target AND purpose = 'verify_email')
     OR EXISTS (SELECT 1 FROM account_links
                 WHERE tenant_id = target AND purpose = 'verify_email'
                   AND (used_at IS NOT NULL OR expires_at > now()))
     OR EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.tenant_id = target
                   AND (u.email_verified_at IS NOT NULL OR u.password_hash IS NOT NULL))
     OR EXISTS (SELECT 1 FROM consultant_assignments WHERE tenant_id = target)
  THEN
    RETURN false;
  END IF;
  SELECT array_agg(m.user_id) INTO members
    FROM memberships m JOIN users u ON u.id = m.user_id
   WHERE m.tenant_id = target AND u.staff_role IS NULL
     AND NOT EXISTS (SELECT 1 FROM memberships o
                      WHERE o.user_id = m.user_id AND o.tenant_id <> target);
  PERFORM set_config('app.tenant_id', target::text, true);
  SELECT array_agg(c.relname::text) INTO pending
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
     AND a.attname = 'tenant_id' AND NOT a.attisdropped;
  LOOP
    failed := '{}';
    FOREACH tbl IN ARRAY coalesce(pending, '{}') LOOP
      BEGIN
        EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', tbl) USING target;
      EXCEPTION WHEN foreign_key_violation THEN
        failed := failed || tbl;
      END;
    END LOOP;
    EXIT WHEN cardinality(failed) = 0;
    passes := passes + 1;
    IF passes > 20 THEN
      RAISE EXCEPTION 'could not remove the rows of tenant % (tables %)', target, failed;
    END IF;
    pending := failed;
  END LOOP;
  DELETE FROM users WHERE id = ANY(coalesce(members, '{}'));
  DELETE FROM tenants WHERE id = target;
  PERFORM set_config('app.tenant_id', previous, true);
  RETURN true;
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Accounts made before sign-up existed were made by operators: they count as verified.
    op.execute("UPDATE users SET email_verified_at = created_at WHERE password_hash IS NOT NULL")
    op.add_column("tenants", sa.Column("vat_number", sa.String(length=10), nullable=True))
    op.add_column(
        "tenants",
        sa.Column("onboarding_dismissed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_check_constraint(
        op.f("ck_tenants_vat_number_format"), "tenants", "vat_number ~ '^4[0-9]{9}$'"
    )
    op.create_table(
        "account_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column(
            "purpose",
            sa.Enum("verify_email", "reset_password", name="account_link_purpose"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *rls.timestamp_columns(),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_account_links_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    op.create_index(op.f("ix_account_links_tenant_id"), "account_links", ["tenant_id"])
    op.create_index(op.f("ix_account_links_user_id"), "account_links", ["user_id"])
    rls.grant("account_links", "SELECT, INSERT, UPDATE")
    op.execute(DISCARD_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION discard_abandoned_sign_up(uuid) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION discard_abandoned_sign_up(uuid) TO {rls.runtime_role()}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS discard_abandoned_sign_up(uuid)")
    op.drop_index(op.f("ix_account_links_user_id"), table_name="account_links")
    op.drop_index(op.f("ix_account_links_tenant_id"), table_name="account_links")
    op.drop_table("account_links")
    sa.Enum(name="account_link_purpose").drop(op.get_bind(), checkfirst=True)
    op.drop_constraint(op.f("ck_tenants_vat_number_format"), "tenants", type_="check")
    op.drop_column("tenants", "onboarding_dismissed_at")
    op.drop_column("tenants", "vat_number")
    op.drop_column("users", "email_verified_at")
