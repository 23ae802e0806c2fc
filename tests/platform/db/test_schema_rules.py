"""The schema lock, checked on the live catalog after the migrations ran."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, pool, text

from saypro.platform.db.scopes import PLATFORM_WIDE_TABLES
from saypro.platform.settings import DatabaseUrls
from tests.schema_rules import tenant_isolation_problems


@pytest.fixture
def owner_connection(db_urls: DatabaseUrls) -> Iterator[Connection]:
    engine = create_engine(db_urls.owner, poolclass=pool.NullPool)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def test_every_table_follows_the_tenant_isolation_rules(
    owner_connection: Connection, db_urls: DatabaseUrls
) -> None:
    assert tenant_isolation_problems(owner_connection, db_urls.runtime_role) == []


def test_declared_platform_wide_tables_exist(owner_connection: Connection) -> None:
    tables = set(
        owner_connection.execute(
            text("select tablename from pg_tables where schemaname = 'public'")
        ).scalars()
    )
    assert tables >= PLATFORM_WIDE_TABLES


def test_there_are_tenant_tables_to_check(owner_connection: Connection) -> None:
    tenant_tables = owner_connection.execute(
        text("select count(*) from pg_class where relrowsecurity and relforcerowsecurity")
    ).scalar_one()
    assert tenant_tables >= 2


@pytest.mark.parametrize(
    ("ddl", "expected"),
    [
        (
            "create table bad_no_rls (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id))",
            "row-level security not enabled",
        ),
        ("create table bad_pk (tenant_id uuid not null, id uuid primary key)", "primary key"),
        ("create table bad_neither (id uuid primary key)", "neither tenant-owned"),
        (
            "create table bad_index (tenant_id uuid not null, id uuid not null, code text, primary key (tenant_id, id));"
            "alter table bad_index enable row level security; alter table bad_index force row level security;"
            "create policy tenant_isolation on bad_index using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)"
            " with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);"
            "create index ix_bad_code on bad_index (code)",
            "index ix_bad_code does not lead with tenant_id",
        ),
        (
            "create table bad_fk_target (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id),"
            " constraint bad_fk_target_id unique (id));"
            "create table bad_fk (tenant_id uuid not null, id uuid not null, target_id uuid references"
            " bad_fk_target (id), primary key (tenant_id, id))",
            "foreign key bad_fk_target_id_fkey to a tenant table",
        ),
        (
            "create table bad_unique (tenant_id uuid not null, id uuid not null, code text,"
            " primary key (tenant_id, id), constraint bad_unique_code unique (code))",
            "unique constraint bad_unique_code",
        ),
        (
            "create table bad_policy (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id));"
            "alter table bad_policy enable row level security; alter table bad_policy force row level security;"
            "create policy p on bad_policy for select using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)",
            "exactly one policy",
        ),
    ],
)
def test_the_check_catches_a_table_that_breaks_the_rules(
    owner_connection: Connection, db_urls: DatabaseUrls, ddl: str, expected: str
) -> None:
    with owner_connection.begin() as transaction:
        if "strategy_objectives_ids" in ddl:
            owner_connection.execute(
                text("create table strategy_objectives_ids (id uuid primary key)")
            )
        for statement in ddl.split(";"):
            owner_connection.execute(text(statement))
        problems = tenant_isolation_problems(owner_connection, db_urls.runtime_role)
        transaction.rollback()
    assert any(expected in problem for problem in problems), problems
