"""The audit trail pages: who may read them, filters, chain verification, CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, UserRef, make_user


def _actions(database: Database, tenant: TenantRef) -> list[str]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def _some_history(client: TestClient[Any], tenant: TenantRef) -> str:
    base = f"/api/v1/t/{tenant.slug}/objectives"
    objective = client.post(base, json={"code": "SO1", "title": "Audited objective"}).json()
    client.patch(f"{base}/{objective['id']}", json={"status": "at_risk"})
    return str(objective["id"])


def test_auditors_and_admins_read_the_trail_editors_do_not(
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    database: Database,
    another_client: Callable[[], TestClient[Any]],
) -> None:
    _some_history(client_a, tenant_a)
    assert client_a.get(f"/t/{tenant_a.slug}/audit/").status_code == 403  # an editor
    for role in (Role.VIEWER, Role.TENANT_ADMIN):
        reader = another_client()
        with reader:
            login(reader, make_user(database, (tenant_a, role)))
            page = reader.get(f"/t/{tenant_a.slug}/audit/")
            assert page.status_code == 200, role
            assert "strategy.objective.updated" in page.text
            assert "not_started → at_risk" in page.text
            assert 'href="/t/' + tenant_a.slug + '/audit/"' in page.text  # in the navigation


def test_filters_and_chain_verification(
    client: TestClient[Any],
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    editor_a: UserRef,
    database: Database,
) -> None:
    objective_id = _some_history(client_a, tenant_a)
    login(client, make_user(database, (tenant_a, Role.VIEWER)))
    by_entity = client.get(f"/t/{tenant_a.slug}/audit/", params={"entity": objective_id})
    assert "2 events" in by_entity.text
    by_type = client.get(f"/t/{tenant_a.slug}/audit/", params={"entity_type": "user"})
    assert "identity.signed_in" in by_type.text and "strategy.objective" not in by_type.text
    nobody = client.get(f"/t/{tenant_a.slug}/audit/", params={"date_to": "2000-01-01"})
    assert "No events match" in nobody.text
    bad = client.get(f"/t/{tenant_a.slug}/audit/", params={"date_from": "yesterday"})
    assert bad.status_code in (400, 422)
    verified = client.get(f"/t/{tenant_a.slug}/audit/verify", headers={"HX-Request": "true"})
    assert 'data-testid="chain-intact"' in verified.text


def test_csv_export_is_complete_and_is_itself_audited(
    client: TestClient[Any], client_a: TestClient[Any], tenant_a: TenantRef, database: Database
) -> None:
    _some_history(client_a, tenant_a)
    login(client, make_user(database, (tenant_a, Role.TENANT_ADMIN)))
    before = _actions(database, tenant_a)
    response = client.get(
        f"/t/{tenant_a.slug}/audit/export.csv", params={"entity_type": "objective"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["action"] for r in rows] == [
        "strategy.objective.created",
        "strategy.objective.updated",
    ]
    assert rows[1]["after"] == '{"status": "at_risk"}' and len(rows[1]["hash"]) == 64
    assert _actions(database, tenant_a) == [*before, "audit.exported"]


def test_sign_ins_and_failed_sign_ins_are_on_every_trail_of_the_user(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER), (tenant_b, Role.EDITOR))
    refused = client.post(
        "/login",
        data={"email": user.email, "password": "wrong password", "_csrf_token": csrf_token(client)},
    )
    assert refused.status_code == 400
    login(client, user)
    for tenant in (tenant_a, tenant_b):
        assert _actions(database, tenant) == ["identity.sign_in_failed", "identity.signed_in"]
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        failed, succeeded = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert (failed.actor_id, succeeded.actor_id) == (None, user.id)
    assert failed.entity_id == user.id and failed.ip_address
