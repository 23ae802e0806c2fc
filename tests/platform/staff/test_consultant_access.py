"""A consultant acts in a municipality only through a current assignment, in the role
of that assignment, and the municipality's trail says the consultant acted for SayPro."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import ConsultantRole, StaffRole
from tests.conftest import login
from tests.factories import TenantRef, assign_consultant, make_staff


def _objective(client: TestClient[Any], slug: str) -> Any:
    return client.post(
        f"/api/v1/t/{slug}/objectives",
        json={"code": "SO9", "title": "Shared services with the district"},
    )


def test_a_current_lead_assignment_opens_the_workspace_and_is_on_the_trail(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    consultant = make_staff(database, StaffRole.CONSULTANT, name="Kagiso Molefe")
    assign_consultant(database, consultant, tenant_a, ConsultantRole.LEAD)
    login(client, consultant)

    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200
    assert client.get(f"/t/{tenant_a.slug}/audit/").status_code == 200
    created = _objective(client, tenant_a.slug)
    assert created.status_code == 201, created.text
    # Not assigned to B: B does not exist as far as this consultant can tell.
    assert client.get(f"/t/{tenant_b.slug}/").status_code == 404
    assert _objective(client, tenant_b.slug).status_code == 404

    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "strategy.objective.created")
        ).one()
    assert event.actor_id == consultant.id
    assert event.actor_name == "Kagiso Molefe (SayPro lead consultant)"


def test_a_support_consultant_edits_but_does_not_read_the_trail(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    consultant = make_staff(database, StaffRole.CONSULTANT)
    assign_consultant(database, consultant, tenant_a, ConsultantRole.SUPPORT)
    login(client, consultant)
    assert _objective(client, tenant_a.slug).status_code == 201
    assert client.get(f"/t/{tenant_a.slug}/audit/").status_code == 403
    assert client.get(f"/t/{tenant_a.slug}/members/").status_code == 403


def test_only_the_assignment_period_opens_the_workspace(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    today = today_sast()
    consultant = make_staff(database, StaffRole.CONSULTANT)
    assign_consultant(database, consultant, tenant_a, starts_on=today + timedelta(days=1))
    assign_consultant(
        database,
        consultant,
        tenant_b,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
    )
    login(client, consultant)
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 404  # not started
    assert client.get(f"/t/{tenant_b.slug}/").status_code == 404  # ended yesterday

    portfolio = client.get("/portfolio")
    assert portfolio.status_code == 200
    assert tenant_a.name in portfolio.text and "upcoming" in portfolio.text
    assert tenant_b.name in portfolio.text and "ended" in portfolio.text
    assert f'href="/t/{tenant_a.slug}/"' not in portfolio.text


def test_staff_roles_grant_nothing_inside_a_workspace_by_themselves(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    for role in StaffRole:
        with TestClient(client.app, base_url=str(client.base_url)) as fresh:
            login(fresh, make_staff(database, role))
            assert fresh.get(f"/t/{tenant_a.slug}/").status_code == 404, role
            assert fresh.get(f"/api/v1/t/{tenant_a.slug}/objectives").status_code == 404, role


def test_finance_and_municipal_users_cannot_reach_staff_pages(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    login(client, make_staff(database, StaffRole.FINANCE))
    for path in ("/admin/tenants/", "/admin/staff/", "/portfolio"):
        assert client.get(path).status_code == 403, path
