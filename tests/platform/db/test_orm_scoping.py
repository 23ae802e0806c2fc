"""The application lock: the ORM adds the bound tenant to every query of a tenant model
and refuses to run one when no tenant is bound."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import TenantNotBound, bind_tenant_sync
from saypro.platform.settings import DatabaseUrls
from saypro.tenants.strategy.models import Objective
from tests.factories import TenantRef


def _seed(database: Database, tenant: TenantRef, *codes: str) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant.id)
        for code in codes:
            session.add(Objective(code=code, title=f"Objective {code}"))


def test_query_without_tenant_raises(database: Database, tenant_a: TenantRef) -> None:
    _seed(database, tenant_a, "SO1")
    with database.sync_sessions() as session, pytest.raises(TenantNotBound):
        session.scalars(select(Objective)).all()


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(lambda: update(Objective).values(title="x"), id="bulk-update"),
        pytest.param(lambda: delete(Objective), id="bulk-delete"),
        pytest.param(lambda: select(func.count(Objective.id)), id="aggregate"),
    ],
)
def test_bulk_statements_without_tenant_raise(database: Database, statement: object) -> None:
    with database.sync_sessions() as session, pytest.raises(TenantNotBound):
        session.execute(statement())  # type: ignore[operator]


def test_select_is_scoped_to_the_bound_tenant(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    _seed(database, tenant_a, "SO1", "SO2")
    _seed(database, tenant_b, "SO1")
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_b.id)
        rows = session.scalars(select(Objective)).all()
    assert [(r.tenant_id, r.code) for r in rows] == [(tenant_b.id, "SO1")]


def test_bulk_update_and_delete_touch_only_the_bound_tenant(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    _seed(database, tenant_a, "SO1", "SO2")
    _seed(database, tenant_b, "SO1")
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_b.id)
        updated = session.execute(update(Objective).values(title="Changed by B"))
        assert getattr(updated, "rowcount", None) == 1
        session.execute(delete(Objective).where(Objective.code == "SO1"))
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        titles = sorted(session.scalars(select(Objective.title)).all())
        bind_tenant_sync(session, tenant_b.id)
        remaining_b = session.scalars(select(Objective)).all()
    assert titles == ["Objective SO1", "Objective SO2"]
    assert remaining_b == []


def test_binding_survives_commit_within_a_session(database: Database, tenant_a: TenantRef) -> None:
    _seed(database, tenant_a, "SO1")
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        session.commit()
        assert session.scalar(select(func.count()).select_from(Objective)) == 1
        session.commit()
        assert len(session.scalars(select(Objective)).all()) == 1


def test_new_rows_get_the_bound_tenant_and_foreign_rows_are_refused(
    database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        objective = Objective(code="SO5", title="Stamped")
        session.add(objective)
        session.flush()
        assert objective.tenant_id == tenant_a.id
    with database.sync_sessions() as session, pytest.raises(TenantNotBound), session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.add(Objective(tenant_id=tenant_b.id, code="SO6", title="Foreign"))
        session.flush()


def test_orm_criteria_scope_queries_even_where_rls_does_not_apply(
    db_urls: DatabaseUrls, database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    """The owner role bypasses row-level security, so here only the ORM lock filters."""
    _seed(database, tenant_a, "SO1", "SO2")
    _seed(database, tenant_b, "SO1")
    owner = Database.connect(db_urls.owner, pool_size=1)
    try:
        with owner.sync_sessions() as session, session.begin():
            bind_tenant_sync(session, tenant_b.id)
            assert [o.tenant_id for o in session.scalars(select(Objective))] == [tenant_b.id]
            assert session.scalar(select(func.count(Objective.id))) == 1
            session.execute(update(Objective).values(title="Owner-side change"))
            session.execute(delete(Objective).where(Objective.code == "SO2"))
        with owner.sync_sessions() as session:
            bind_tenant_sync(session, tenant_a.id)
            assert sorted(session.scalars(select(Objective.title)).all()) == [
                "Objective SO1",
                "Objective SO2",
            ]
    finally:
        owner.sync_engine.dispose()
