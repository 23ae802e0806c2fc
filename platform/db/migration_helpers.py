"""Statements Alembic cannot autogenerate: the runtime role, grants and row-level security.

Every tenant-owned table gets the same three things from :func:`enable_tenant_rls`, so
migrations stay uniform and the schema test can check them all the same way.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

POLICY = "tenant_isolation"
# The setting is wrapped in a scalar subquery so PostgreSQL evaluates it once per query
# (an InitPlan) and can still use the tenant-led indexes. Empty or missing => NULL => no rows.
TENANT_PREDICATE = "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"unsafe SQL identifier {name!r}")
    return name


def runtime_role() -> str:
    return _ident(str(context.config.attributes.get("runtime_role", "saypro_app")))


def ensure_runtime_role() -> None:
    """Create (or tighten) the runtime role: may log in, owns nothing, cannot bypass RLS."""
    role = runtime_role()
    password = context.config.attributes.get("runtime_password")
    attributes = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"
    password_clause = ""
    if password:
        escaped = str(password).replace("'", "''")
        password_clause = f" PASSWORD '{escaped}'"
    # Roles are cluster-wide: several databases may be migrated at once (test runs, one
    # database per environment). A concurrent CREATE or ALTER of the same role by another
    # migration applies the same attributes, so those races are tolerated, not fatal.
    op.execute(
        f"""
        DO $$
        BEGIN
          BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
              CREATE ROLE {role} {attributes}{password_clause};
            ELSE
              ALTER ROLE {role} {attributes}{password_clause};
            END IF;
          EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;  -- created concurrently
            WHEN SQLSTATE 'XX000' THEN NULL;  -- "tuple concurrently updated": altered concurrently
          END;
        END $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO "
        f"{role}', current_database()); END $$;"
    )


def revoke_runtime_role() -> None:
    # The role is cluster-wide and may serve other databases, so only this database's
    # grants are removed, never the role itself.
    role = runtime_role()
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")


def grant(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    allowed = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    if not {p.strip() for p in privileges.split(",")} <= allowed:
        raise ValueError(f"unexpected privileges {privileges!r}")
    op.execute(f"GRANT {privileges} ON {_ident(table)} TO {runtime_role()}")


def enable_tenant_rls(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    name = _ident(table)
    op.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON {name} "
        f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    grant(name, privileges)


def disable_tenant_rls(table: str) -> None:
    name = _ident(table)
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {name}")
    op.execute(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY")


def timestamp_columns() -> list[sa.Column[object]]:
    """``created_at`` and ``updated_at``, as ``Timestamped`` maps them."""
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]
