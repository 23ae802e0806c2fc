"""The person report: one person's data in one municipality, for an access request."""

from __future__ import annotations

import json
import uuid
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, UserRef, make_user
from tests.platform.privacy.factories import act_as, make_consultant


def report_url(tenant: TenantRef, user_id: uuid.UUID) -> str:
    return f"/t/{tenant.slug}/exports/people/{user_id}"


def test_the_report_holds_profile_roles_actions_by_and_about_and_staff_access(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    admin_a: UserRef,
) -> None:
    person = make_user(
        database, (tenant_a, Role.EDITOR), (tenant_b, Role.VIEWER), name="Thandi Nkosi"
    )
    consultant = make_consultant(database, tenant_a)
    act_as(database, tenant_a, person, "strategy.objective_created")
    act_as(database, tenant_b, person, "strategy.objective_created_elsewhere")
    act_as(database, tenant_a, consultant, "strategy.objective_updated")
    login(client, admin_a)
    changed = client.post(
        f"/t/{tenant_a.slug}/members/{person.id}/role",
        data={"role": "viewer", "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert changed.status_code in (302, 303)

    page = client.get(f"/t/{tenant_a.slug}/exports/")
    assert report_url(tenant_a, person.id) in page.text
    assert report_url(tenant_a, consultant.id) in page.text

    response = client.get(report_url(tenant_a, person.id))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    report = json.loads(response.content)
    assert report["municipality"]["id"] == str(tenant_a.id)
    profile = report["person"]["profile"]
    assert profile["email"] == person.email and profile["full_name"] == "Thandi Nkosi"
    assert "password_hash" not in profile and "$argon2" not in response.text
    assert [m["role"] for m in report["memberships_here"]] == ["viewer"]
    assert [e["action"] for e in report["actions_by_person"]] == ["strategy.objective_created"]
    assert "objective_created_elsewhere" not in response.text, "other municipalities stay out"
    about = report["actions_about_person"]
    assert [e["action"] for e in about] == ["members.role_changed"]
    assert about[0]["before"] == {"role": "editor"} and about[0]["after"] == {"role": "viewer"}
    assert about[0]["actor_id"] == str(admin_a.id)
    staff = report["saypro_staff_with_access"]
    via = {(s["id"], s["via"]) for s in staff}
    assert (str(consultant.id), "consultant assignment") in via
    assert (str(consultant.id), "audit trail") in via
    assignment = next(s for s in staff if s["via"] == "consultant assignment")
    assert assignment["role"] == "lead" and assignment["from"] and assignment["until"] is None

    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        recorded = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "data_export.person_report")
        ).all()
    assert [(e.entity_id, e.actor_id) for e in recorded] == [(person.id, admin_a.id)]


def test_a_consultants_own_report_lists_their_assignment(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, admin_a: UserRef
) -> None:
    consultant = make_consultant(database, tenant_a)
    login(client, admin_a)
    report = client.get(report_url(tenant_a, consultant.id)).json()
    assert [a["role"] for a in report["consultant_assignments_here"]] == ["lead"]
    assert report["person"]["profile"]["staff_role"] == "consultant"


def test_people_outside_the_municipality_and_other_tenants_get_404(
    client: TestClient[Any],
    another_client: Any,
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    admin_a: UserRef,
    admin_b: UserRef,
    editor_a: UserRef,
) -> None:
    member_of_b = make_user(database, (tenant_b, Role.EDITOR))
    login(client, admin_a)
    assert client.get(report_url(tenant_a, member_of_b.id)).status_code == 404
    assert client.get(report_url(tenant_a, uuid.uuid4())).status_code == 404
    with another_client() as other:
        login(other, admin_b)
        assert other.get(report_url(tenant_a, editor_a.id)).status_code == 404
        assert other.get(report_url(tenant_b, editor_a.id)).status_code == 404
    with another_client() as editor:
        login(editor, editor_a)
        assert editor.get(report_url(tenant_a, admin_a.id)).status_code == 403
