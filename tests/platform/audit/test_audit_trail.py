"""Every write to a workspace leaves an audit event in the same transaction; the
application can add and read events but never change or remove them."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.tenants.strategy.service import RECOMPUTE_JOB
from tests.factories import TenantRef, UserRef


def _events(database: Database, tenant: TenantRef) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(select(AuditEvent).order_by(AuditEvent.occurred_at, AuditEvent.id))
        )


def test_objective_changes_are_recorded_with_who_and_what(
    client_a: TestClient[Any], tenant_a: TenantRef, editor_a: UserRef, database: Database
) -> None:
    base = f"/api/v1/t/{tenant_a.slug}/objectives"
    created = client_a.post(
        base,
        json={"code": "SO1", "title": "Digital infrastructure"},
        headers={"x-request-id": "audit-req-0001"},
    )
    objective_id = created.json()["id"]
    client_a.patch(
        f"{base}/{objective_id}", json={"status": "at_risk", "title": "Digital infrastructure"}
    )
    client_a.delete(f"{base}/{objective_id}")

    events = _events(database, tenant_a)
    assert [e.action for e in events] == [
        "strategy.objective.created",
        "strategy.objective.updated",
        "strategy.objective.deleted",
    ]
    created_event, updated_event, deleted_event = events
    assert {e.actor_id for e in events} == {editor_a.id}
    assert created_event.actor_name == "Alpha Editor"
    assert created_event.request_id == "audit-req-0001"
    assert created_event.ip_address
    assert created_event.after is not None and created_event.after["code"] == "SO1"
    # Only what changed: the title was sent again unchanged and is not in the event.
    assert (updated_event.before, updated_event.after) == (
        {"status": "not_started"},
        {"status": "at_risk"},
    )
    assert (
        deleted_event.before is not None
        and deleted_event.before["title"] == "Digital infrastructure"
    )
    assert {str(e.entity_id) for e in events} == {objective_id}


def test_refused_writes_leave_no_event(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    base = f"/api/v1/t/{tenant_a.slug}/objectives"
    client_a.post(base, json={"code": "SO1", "title": "First"})
    assert client_a.post(base, json={"code": "so1", "title": "Duplicate"}).status_code == 409
    assert client_a.post(base, json={"code": "SO2", "title": ""}).status_code == 422
    assert [e.action for e in _events(database, tenant_a)] == ["strategy.objective.created"]


def test_jobs_act_as_the_system(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    base = f"/api/v1/t/{tenant_a.slug}/objectives"
    objective = client_a.post(base, json={"code": "SO3", "title": "Data-driven decisions"}).json()
    client_a.post(
        f"{base}/{objective['id']}/initiatives",
        json={"title": "Dashboard", "percent_complete": "40"},
    )
    run_job(database, get_job(RECOMPUTE_JOB), str(tenant_a.id), {"objective_id": objective["id"]})
    recomputed = [
        e
        for e in _events(database, tenant_a)
        if e.action == "strategy.objective.progress_recomputed"
    ]
    assert len(recomputed) == 1
    assert (recomputed[0].actor_id, recomputed[0].actor_name) == (None, "system")
    assert (recomputed[0].before, recomputed[0].after) == (
        {"progress": None},
        {"progress": "40.00"},
    )


@pytest.mark.parametrize(
    "statement", ["update audit_events set action = 'forged'", "delete from audit_events"]
)
def test_the_application_cannot_rewrite_the_trail(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, statement: str
) -> None:
    client_a.post(
        f"/api/v1/t/{tenant_a.slug}/objectives", json={"code": "SO1", "title": "Recorded"}
    )
    with pytest.raises(DBAPIError, match="permission denied"), database.sync_engine.begin() as conn:
        conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.id)})
        conn.execute(text(statement))
    assert [e.action for e in _events(database, tenant_a)] == ["strategy.objective.created"]


def test_another_tenants_trail_is_invisible(
    client_a: TestClient[Any], tenant_a: TenantRef, tenant_b: TenantRef, database: Database
) -> None:
    client_a.post(f"/api/v1/t/{tenant_a.slug}/objectives", json={"code": "SO1", "title": "Alpha's"})
    assert _events(database, tenant_b) == []
    assert len(_events(database, tenant_a)) == 1
