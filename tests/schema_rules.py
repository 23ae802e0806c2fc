"""Checks of the live catalog that keep the tenant-isolation rules true for every table."""

from __future__ import annotations

from sqlalchemy import Connection, text

from saypro.platform.db.scopes import PLATFORM_WIDE_TABLES

TABLES = text(
    """
    select c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity,
           exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id'
                   and not a.attisdropped) as has_tenant
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p')
    order by c.relname
    """
)
COLUMNS_OF = text(
    """
    select array_agg(a.attname order by k.ord)
    from unnest(:keys ::int2[]) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = :rel and a.attnum = k.attnum
    """
)


def _columns(conn: Connection, rel: int, keys: list[int]) -> list[str]:
    return list(conn.execute(COLUMNS_OF, {"rel": rel, "keys": keys}).scalar_one() or [])


def tenant_isolation_problems(conn: Connection, runtime_role: str) -> list[str]:
    """Every way the catalog breaks the rules, one line each (empty when all is well)."""
    problems: list[str] = []
    for oid, name, rls, force, has_tenant in conn.execute(TABLES).all():
        if name in PLATFORM_WIDE_TABLES:
            continue
        if not has_tenant:
            problems.append(
                f"{name}: neither tenant-owned (no tenant_id) nor declared platform-wide"
            )
            continue
        if not rls:
            problems.append(f"{name}: row-level security not enabled")
        if not force:
            problems.append(f"{name}: row-level security not forced")
        policies = conn.execute(
            text(
                "select polcmd, polpermissive, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) "
                "from pg_policy where polrelid = :oid"
            ),
            {"oid": oid},
        ).all()
        good = [
            p
            for p in policies
            if p[0] == "*"
            and p[1]
            and p[2]
            and p[3]
            and all("tenant_id" in e and "app.tenant_id" in e for e in (p[2], p[3]))
        ]
        if len(good) != 1 or len(policies) != 1:
            problems.append(
                f"{name}: needs exactly one policy FOR ALL with USING and WITH CHECK on app.tenant_id"
            )
        for conname, contype, conkey, confrelid, confkey in conn.execute(
            text(
                "select conname, contype, conkey, confrelid, confkey from pg_constraint where conrelid = :oid"
            ),
            {"oid": oid},
        ).all():
            columns = _columns(conn, oid, list(conkey or []))
            if contype == "p" and columns[:1] != ["tenant_id"]:
                problems.append(f"{name}: primary key {columns} does not lead with tenant_id")
            if contype == "p" and columns != ["tenant_id", "id"]:
                problems.append(f"{name}: primary key must be (tenant_id, id), is {columns}")
            if contype == "u" and "tenant_id" not in columns:
                problems.append(f"{name}: unique constraint {conname} {columns} lacks tenant_id")
            if contype == "f":
                target_has_tenant = conn.execute(
                    text(
                        "select exists (select 1 from pg_attribute where attrelid = :r and attname = 'tenant_id')"
                    ),
                    {"r": confrelid},
                ).scalar_one()
                target_columns = _columns(conn, confrelid, list(confkey or []))
                pairs = dict(zip(columns, target_columns, strict=True))
                if target_has_tenant and pairs.get("tenant_id") != "tenant_id":
                    problems.append(
                        f"{name}: foreign key {conname} to a tenant table does not match on tenant_id"
                    )
        for index_name, first_column in conn.execute(
            text(
                "select ic.relname, a.attname from pg_index i join pg_class ic on ic.oid = i.indexrelid "
                "left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0] "
                "where i.indrelid = :oid"
            ),
            {"oid": oid},
        ).all():
            if first_column != "tenant_id":
                problems.append(f"{name}: index {index_name} does not lead with tenant_id")
    problems.extend(runtime_role_problems(conn, runtime_role))
    return problems


def runtime_role_problems(conn: Connection, role: str) -> list[str]:
    problems: list[str] = []
    row = conn.execute(
        text(
            "select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = :r"
        ),
        {"r": role},
    ).one_or_none()
    if row is None:
        return [f"runtime role {role} does not exist"]
    if row[0] or row[1]:
        problems.append(f"runtime role {role} is superuser or can bypass row-level security")
    if row[2] or row[3]:
        problems.append(f"runtime role {role} can create roles or databases")
    owned = (
        conn.execute(
            text(
                "select c.relname from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = :r"
            ),
            {"r": role},
        )
        .scalars()
        .all()
    )
    if owned:
        problems.append(f"runtime role {role} owns {sorted(owned)}")
    if conn.execute(
        text("select has_schema_privilege(:r, 'public', 'CREATE')"), {"r": role}
    ).scalar_one():
        problems.append(f"runtime role {role} may create objects in schema public")
    return problems
