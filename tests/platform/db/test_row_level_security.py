"""The database lock: as the runtime role, rows are visible and writable only for the
tenant bound to the transaction."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from saypro.platform.db.engine import Database
from saypro.platform.ids import new_id
from tests.factories import TenantRef

BIND = text("select set_config('app.tenant_id', :t, true)")
INSERT = text(
    "insert into strategy_objectives (tenant_id, id, code, title, description, status) "
    "values (:tenant, :id, :code, 'Objective', '', 'not_started')"
)


def _insert_objective(database: Database, tenant: TenantRef, code: str = "SO1") -> uuid.UUID:
    objective_id = new_id()
    with database.sync_engine.begin() as conn:
        conn.execute(BIND, {"t": str(tenant.id)})
        conn.execute(INSERT, {"tenant": tenant.id, "id": objective_id, "code": code})
    return objective_id


def _count(database: Database, tenant: TenantRef | None) -> int:
    with database.sync_engine.begin() as conn:
        if tenant is not None:
            conn.execute(BIND, {"t": str(tenant.id)})
        return int(conn.execute(text("select count(*) from strategy_objectives")).scalar_one())


def test_runtime_role_is_not_privileged(database: Database) -> None:
    with database.sync_engine.connect() as conn:
        row = conn.execute(
            text("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
        ).one()
    assert tuple(row) == (False, False)


def test_no_tenant_bound_sees_zero_rows_without_error(
    database: Database, tenant_a: TenantRef
) -> None:
    _insert_objective(database, tenant_a)
    assert _count(database, tenant_a) == 1
    assert _count(database, None) == 0


def test_empty_setting_sees_zero_rows(database: Database, tenant_a: TenantRef) -> None:
    _insert_objective(database, tenant_a)
    with database.sync_engine.begin() as conn:
        conn.execute(BIND, {"t": ""})
        assert conn.execute(text("select count(*) from strategy_objectives")).scalar_one() == 0


def test_tenant_b_never_sees_tenant_a_rows(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    a_id = _insert_objective(database, tenant_a)
    _insert_objective(database, tenant_b)
    with database.sync_engine.begin() as conn:
        conn.execute(BIND, {"t": str(tenant_b.id)})
        tenants = set(conn.execute(text("select tenant_id from strategy_objectives")).scalars())
        by_id = conn.execute(
            text("select count(*) from strategy_objectives where id = :id"), {"id": a_id}
        )
        assert tenants == {tenant_b.id}
        assert by_id.scalar_one() == 0


def test_inserting_a_row_for_another_tenant_is_refused(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        database.sync_engine.begin() as conn,
    ):
        conn.execute(BIND, {"t": str(tenant_b.id)})
        conn.execute(INSERT, {"tenant": tenant_a.id, "id": new_id(), "code": "X1"})
    assert _count(database, tenant_a) == 0


def test_moving_a_row_to_another_tenant_is_refused(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    objective_id = _insert_objective(database, tenant_a)
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        database.sync_engine.begin() as conn,
    ):
        conn.execute(BIND, {"t": str(tenant_a.id)})
        conn.execute(
            text("update strategy_objectives set tenant_id = :b where id = :id"),
            {"b": tenant_b.id, "id": objective_id},
        )
    assert _count(database, tenant_a) == 1


def test_updating_another_tenants_row_changes_nothing(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    objective_id = _insert_objective(database, tenant_a)
    with database.sync_engine.begin() as conn:
        conn.execute(BIND, {"t": str(tenant_b.id)})
        result = conn.execute(
            text("update strategy_objectives set title = 'hijacked' where id = :id"),
            {"id": objective_id},
        )
        assert result.rowcount == 0
        deleted = conn.execute(
            text("delete from strategy_objectives where id = :id"), {"id": objective_id}
        )
        assert deleted.rowcount == 0
    assert _count(database, tenant_a) == 1


def test_pooled_connection_forgets_the_tenant_after_commit(
    database: Database, tenant_a: TenantRef
) -> None:
    _insert_objective(database, tenant_a)
    engine = database.sync_engine
    with engine.connect() as conn:
        with conn.begin():
            first_pid = conn.execute(text("select pg_backend_pid()")).scalar_one()
            conn.execute(BIND, {"t": str(tenant_a.id)})
            assert conn.execute(text("select count(*) from strategy_objectives")).scalar_one() == 1
        # Same physical connection, next transaction: the transaction-local setting is gone.
        with conn.begin():
            assert conn.execute(text("select pg_backend_pid()")).scalar_one() == first_pid
            assert conn.execute(
                text("select current_setting('app.tenant_id', true)")
            ).scalar_one() in ("", None)
            assert conn.execute(text("select count(*) from strategy_objectives")).scalar_one() == 0
    # And when the connection goes back to the pool and is checked out again.
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from strategy_objectives")).scalar_one() == 0


def test_policy_setting_is_evaluated_once_per_query(
    database: Database, tenant_a: TenantRef
) -> None:
    _insert_objective(database, tenant_a)
    with database.sync_engine.begin() as conn:
        conn.execute(BIND, {"t": str(tenant_a.id)})
        plan = "\n".join(
            conn.execute(
                text("explain select * from strategy_objectives where code = 'SO1'")
            ).scalars()
        )
    assert "InitPlan" in plan


def test_runtime_role_cannot_delete_tenants_or_users(
    database: Database, tenant_a: TenantRef
) -> None:
    for table in ("tenants", "users"):
        with (
            pytest.raises(DBAPIError, match="permission denied"),
            database.sync_engine.begin() as conn,
        ):
            conn.execute(text(f"delete from {table} where false"))
