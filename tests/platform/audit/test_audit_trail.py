"""Every write to a workspace leaves an audit event in the same transaction; the
application can add and read events but never change or remove them."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, pool, select, text
from sqlalchemy.exc import DBAPIError

from saypro.platform.audit.chain import ChainReport, verify_chain
from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.settings import DatabaseUrls
from saypro.tenants.strategy.service import RECOMPUTE_JOB
from tests.factories import TenantRef, UserRef


def _events(database: Database, tenant: TenantRef, *, sign_ins: bool = False) -> list[AuditEvent]:
    """The tenant's events in chain order; sign-in events only when asked for."""
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    return [e for e in events if sign_ins or not e.action.startswith("identity.")]


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


def _owner_execute(db_urls: DatabaseUrls, statements: str, **params: object) -> None:
    """Tamper as the owner role, which the runtime role's grants do not restrict."""
    engine = create_engine(db_urls.owner, poolclass=pool.NullPool)
    with engine.begin() as conn:
        for statement in statements.split(";"):
            conn.execute(text(statement), params)
    engine.dispose()


def _verify(database: Database, tenant: TenantRef) -> ChainReport:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return verify_chain(session)


def _three_events(client: TestClient[Any], tenant: TenantRef) -> None:
    base = f"/api/v1/t/{tenant.slug}/objectives"
    objective = client.post(base, json={"code": "SO1", "title": "Chained"}).json()
    client.patch(f"{base}/{objective['id']}", json={"status": "on_track"})
    client.patch(f"{base}/{objective['id']}", json={"status": "at_risk"})


def test_each_tenants_log_is_a_hash_chain(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    _three_events(client_a, tenant_a)
    events = _events(database, tenant_a, sign_ins=True)  # the editor's sign-in comes first
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash is None
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert _verify(database, tenant_a) == ChainReport(entries=4, broken=None)


def test_tampering_as_the_owner_is_found_and_named(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, db_urls: DatabaseUrls
) -> None:
    _three_events(client_a, tenant_a)
    second = _events(database, tenant_a, sign_ins=True)[2]
    _owner_execute(
        db_urls,
        'update audit_events set after = \'{"status": "completed"}\' where tenant_id = :t and id = :id',
        t=tenant_a.id,
        id=second.id,
    )
    report = _verify(database, tenant_a)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.id) == (3, second.id)
    assert "changed" in report.broken.describe()


def test_a_removed_entry_is_found(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, db_urls: DatabaseUrls
) -> None:
    _three_events(client_a, tenant_a)
    second = _events(database, tenant_a, sign_ins=True)[2]
    _owner_execute(
        db_urls,
        "delete from audit_events where tenant_id = :t and id = :id",
        t=tenant_a.id,
        id=second.id,
    )
    report = _verify(database, tenant_a)
    assert report.broken is not None
    assert report.broken.seq == 4 and "#3 to #3 are missing" in report.broken.reason


def test_rehashing_a_changed_entry_still_breaks_the_next_link(
    client_a: TestClient[Any], tenant_a: TenantRef, database: Database, db_urls: DatabaseUrls
) -> None:
    _three_events(client_a, tenant_a)
    second = _events(database, tenant_a, sign_ins=True)[2]
    _owner_execute(
        db_urls,
        "update audit_events a set actor_name = 'Someone else' where tenant_id = :t and id = :id;"
        "update audit_events a set hash = audit_event_hash(a.prev_hash, a) where tenant_id = :t and id = :id",
        t=tenant_a.id,
        id=second.id,
    )
    report = _verify(database, tenant_a)
    assert report.broken is not None
    assert report.broken.seq == 4 and "does not link" in report.broken.reason


def test_saypro_audit_verify_cli(
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    db_urls: DatabaseUrls,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from saypro.platform.cli.main import cli
    from tests import servers

    monkeypatch.setenv("DATABASE_URL", db_urls.owner)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SECRET_KEY", servers.TEST_SECRET_KEY)
    _three_events(client_a, tenant_a)
    intact = CliRunner().invoke(cli, ["audit", "verify", "--tenant", tenant_a.slug])
    assert intact.exit_code == 0, intact.output
    assert "intact: 4 entries" in intact.output
    _owner_execute(
        db_urls,
        "update audit_events set action = 'forged' where tenant_id = :t and seq = 4",
        t=tenant_a.id,
    )
    broken = CliRunner().invoke(cli, ["audit", "verify", "--tenant", tenant_a.slug])
    assert broken.exit_code != 0
    assert "broken at entry #4" in broken.output
