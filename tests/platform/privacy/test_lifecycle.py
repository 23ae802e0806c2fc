"""Closing, reopening and deleting a municipality: read-only at once, reopen within the
grace period, and after it every row with its tenant_id gone from every table (counted
over the live catalog) while other municipalities keep all of theirs."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, pool, select, text
from sqlalchemy.exc import ProgrammingError

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.errors import Conflict, NotFound
from saypro.platform.identity.permissions import Role
from saypro.platform.jobs.registry import enqueue_sync, get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.privacy.models import TenantDeletion
from saypro.platform.privacy.tasks import PURGE_JOB
from saypro.platform.settings import DatabaseUrls
from saypro.platform.tenancy import lifecycle
from saypro.platform.tenancy.models import Tenant, TenantStatus
from tests.conftest import login
from tests.factories import TenantRef, UserRef, make_tenant, make_user
from tests.platform.privacy.factories import (
    act_as,
    make_consultant,
    make_export,
    rows_per_table,
)
from tests.tenants.strategy.conftest import make_objective


def close(database: Database, tenant: TenantRef, **kwargs: Any) -> Tenant:
    with database.sync_sessions() as session, session.begin():
        return lifecycle.close_tenant(session, tenant.slug, **kwargs)


def make_due(db_urls: DatabaseUrls, tenant: TenantRef) -> None:
    """Move the deletion date into the past, as time passing would."""
    engine = create_engine(db_urls.owner, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text("update tenants set delete_after = now() - interval '1 minute' where id = :t"),
            {"t": tenant.id},
        )
    engine.dispose()


def purge(database: Database) -> list[lifecycle.Purged]:
    with database.sync_sessions() as session, session.begin():
        return lifecycle.purge_due_tenants(session)


def populate(database: Database, tenant: TenantRef, data_dir: Path) -> UserRef:
    """Rows in every kind of table: workspace, trail, exports (with a file), members,
    consultants, the outbox, and an attachment."""
    make_objective(database, tenant, "SO1")
    admin = make_user(database, (tenant, Role.TENANT_ADMIN))
    consultant = make_consultant(database, tenant)
    act_as(database, tenant, admin, "strategy.objective_updated")
    act_as(database, tenant, consultant, "strategy.objective_updated")
    export_id = make_export(database, tenant)
    files = data_dir / "tenants" / str(tenant.id)
    (files / "exports").mkdir(parents=True)
    (files / "exports" / f"{export_id}.zip").write_bytes(b"PK")
    (files / "attachments").mkdir()
    (files / "attachments" / "minutes.pdf").write_bytes(b"%PDF")
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        with session.begin():
            enqueue_sync(session, "strategy.recompute_stale_objectives")
    return admin


def test_closing_makes_the_workspace_read_only_at_once_and_reopening_restores_it(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    login(client, editor_a)
    create = {"code": "C1", "title": "Before closing"}
    assert client.post(f"/api/v1/t/{tenant_a.slug}/objectives", json=create).status_code == 201
    closed = close(database, tenant_a)
    assert closed.status is TenantStatus.CLOSED
    assert closed.closed_at is not None and closed.delete_after is not None
    assert closed.delete_after - closed.closed_at == timedelta(days=30)

    refused = client.post(
        f"/api/v1/t/{tenant_a.slug}/objectives", json={"code": "C2", "title": "After"}
    )
    assert refused.status_code == 403 and "closed" in refused.json()["detail"]
    page = client.get(f"/t/{tenant_a.slug}/")
    assert page.status_code == 200 and 'data-testid="read-only-banner"' in page.text

    with pytest.raises(Conflict, match="already closed"):
        close(database, tenant_a)
    with database.sync_sessions() as session, session.begin():
        lifecycle.reopen_tenant(session, tenant_a.slug)
    with (
        database.sync_sessions() as session,
        session.begin(),
        pytest.raises(Conflict, match="not closed"),
    ):
        lifecycle.reopen_tenant(session, tenant_a.slug)
    again = client.post(
        f"/api/v1/t/{tenant_a.slug}/objectives", json={"code": "C3", "title": "Reopened"}
    )
    assert again.status_code == 201
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        trail = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "tenant")
            .order_by(AuditEvent.seq)
        ).all()
    assert trail == ["tenant.closed", "tenant.reopened"]


def test_reopening_after_the_grace_period_is_refused(
    database: Database, db_urls: DatabaseUrls, tenant_a: TenantRef
) -> None:
    close(database, tenant_a)
    make_due(db_urls, tenant_a)
    with (
        database.sync_sessions() as session,
        session.begin(),
        pytest.raises(Conflict, match="grace period"),
    ):
        lifecycle.reopen_tenant(session, tenant_a.slug)


def test_suspend_and_reactivate(database: Database, tenant_a: TenantRef) -> None:
    with database.sync_sessions() as session, session.begin():
        assert lifecycle.suspend_tenant(session, tenant_a.slug).status is TenantStatus.SUSPENDED
    with (
        database.sync_sessions() as session,
        session.begin(),
        pytest.raises(Conflict, match="not active"),
    ):
        lifecycle.suspend_tenant(session, tenant_a.slug)
    with database.sync_sessions() as session, session.begin():
        assert lifecycle.reactivate_tenant(session, tenant_a.slug).status is TenantStatus.ACTIVE


def test_purge_before_the_grace_period_ends_deletes_nothing(
    database: Database, db_urls: DatabaseUrls, tenant_a: TenantRef, data_dir: Path
) -> None:
    populate(database, tenant_a, data_dir)
    close(database, tenant_a)
    before = rows_per_table(db_urls.owner, tenant_a.id)
    assert all(item.tenant_id != tenant_a.id for item in purge(database))
    assert rows_per_table(db_urls.owner, tenant_a.id) == before
    assert (data_dir / "tenants" / str(tenant_a.id) / "attachments" / "minutes.pdf").exists()


def test_purge_after_the_grace_period_deletes_every_row_of_that_tenant_only(
    database: Database,
    db_urls: DatabaseUrls,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    data_dir: Path,
) -> None:
    populate(database, tenant_a, data_dir)
    populate(database, tenant_b, data_dir)
    close(database, tenant_a)
    make_due(db_urls, tenant_a)
    before_a = rows_per_table(db_urls.owner, tenant_a.id)
    before_b = rows_per_table(db_urls.owner, tenant_b.id)
    # Every kind of table really held rows of A before: the proof below is not vacuous.
    for table in (
        "audit_events",
        "strategy_objectives",
        "strategy_initiatives",
        "data_exports",
        "memberships",
        "consultant_assignments",
        "outbox_messages",
        "tenants",
    ):
        assert before_a[table] > 0, table

    purged = [p for p in purge(database) if p.tenant_id == tenant_a.id]
    assert len(purged) == 1
    assert purged[0].files_deleted == 2
    after_a = rows_per_table(db_urls.owner, tenant_a.id)
    assert after_a == dict.fromkeys(before_a, 0)
    assert rows_per_table(db_urls.owner, tenant_b.id) == before_b
    assert not (data_dir / "tenants" / str(tenant_a.id)).exists()
    assert (data_dir / "tenants" / str(tenant_b.id) / "attachments" / "minutes.pdf").exists()
    for table, count in before_a.items():
        if table != "tenants":
            assert purged[0].rows_deleted.get(table, 0) == count, table

    with database.sync_sessions() as session:
        record = session.scalar(
            select(TenantDeletion).where(TenantDeletion.former_tenant_id == tenant_a.id)
        )
        assert record is not None and record.slug == tenant_a.slug
        assert record.rows_deleted["audit_events"] == before_a["audit_events"]

    # Twice is harmless: nothing more is deleted, B is untouched, one record stays.
    assert [p for p in purge(database) if p.tenant_id == tenant_a.id] == []
    assert rows_per_table(db_urls.owner, tenant_b.id) == before_b
    with database.sync_sessions() as session:
        records = session.scalars(
            select(TenantDeletion).where(TenantDeletion.former_tenant_id == tenant_a.id)
        ).all()
        assert len(records) == 1


def test_the_nightly_job_purges_due_tenants(
    database: Database, db_urls: DatabaseUrls, data_dir: Path
) -> None:
    tenant = make_tenant(database, seed=True)
    close(database, tenant)
    make_due(db_urls, tenant)
    assert rows_per_table(db_urls.owner, tenant.id)["strategy_objectives"] > 0
    run_job(database, get_job(PURGE_JOB), None, {})
    assert sum(rows_per_table(db_urls.owner, tenant.id).values()) == 0
    run_job(database, get_job(PURGE_JOB), None, {})


def test_the_database_function_refuses_a_tenant_that_is_not_due(
    database: Database, db_urls: DatabaseUrls, tenant_a: TenantRef, data_dir: Path
) -> None:
    """EXECUTE is granted to the runtime role, so the function itself checks the state:
    an active or not-yet-due municipality cannot be erased through it."""
    populate(database, tenant_a, data_dir)
    before = rows_per_table(db_urls.owner, tenant_a.id)
    with database.sync_sessions() as session, session.begin():
        assert session.scalar(text("select purge_tenant(:t)"), {"t": tenant_a.id}) is None
    assert rows_per_table(db_urls.owner, tenant_a.id) == before
    close(database, tenant_a)
    before = rows_per_table(db_urls.owner, tenant_a.id)
    with database.sync_sessions() as session, session.begin():
        assert session.scalar(text("select purge_tenant(:t)"), {"t": tenant_a.id}) is None
    with database.sync_sessions() as session, session.begin():
        assert session.scalar(text("select purge_tenant(:t)"), {"t": uuid.uuid4()}) is None
    assert rows_per_table(db_urls.owner, tenant_a.id) == before


def test_the_runtime_role_still_cannot_delete_audit_events_itself(
    database: Database, tenant_a: TenantRef, data_dir: Path
) -> None:
    populate(database, tenant_a, data_dir)
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        with pytest.raises(ProgrammingError, match="permission denied"), session.begin():
            session.execute(text("delete from audit_events"))


def test_closing_an_unknown_municipality_is_not_found(database: Database) -> None:
    with database.sync_sessions() as session, session.begin(), pytest.raises(NotFound):
        lifecycle.close_tenant(session, "no-such-municipality")
