"""Tenant admins manage members: roles change at once, removal ends access, the
municipality always keeps an admin, and every change is audited."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.web.app import create_app
from tests.conftest import BASE_URL, csrf_token, login
from tests.factories import TenantRef, UserRef, make_user


def _as(client: TestClient[Any], user: UserRef) -> TestClient[Any]:
    login(client, user)
    return client


def _post(client: TestClient[Any], url: str, **form: str) -> Any:
    return client.post(
        url, data={"_csrf_token": csrf_token(client), **form}, follow_redirects=False
    )


def test_admin_changes_a_role_which_applies_at_once_and_is_audited(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    settings: Settings,
    services: Services,
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN), name="Admin Person")
    editor = make_user(database, (tenant_a, Role.EDITOR), name="Editor Person")
    admin_client = _as(client, admin)
    page = admin_client.get(f"/t/{tenant_a.slug}/members/")
    assert page.status_code == 200 and "Editor Person" in page.text
    with TestClient(create_app(settings, services), base_url=BASE_URL) as editor_client:
        login(editor_client, editor)
        api = f"/api/v1/t/{tenant_a.slug}/objectives"
        assert editor_client.post(api, json={"code": "SO1", "title": "Allowed"}).status_code == 201
        changed = _post(admin_client, f"/t/{tenant_a.slug}/members/{editor.id}/role", role="viewer")
        assert changed.status_code in (302, 303)
        assert (
            editor_client.post(api, json={"code": "SO2", "title": "Not any more"}).status_code
            == 403
        )
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "members.role_changed")
        )
    assert event is not None
    assert (event.entity_id, event.before, event.after) == (
        editor.id,
        {"role": "editor"},
        {"role": "viewer"},
    )
    assert event.actor_id == admin.id


def test_removing_a_member_ends_their_access(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    settings: Settings,
    services: Services,
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    viewer = make_user(database, (tenant_a, Role.VIEWER))
    admin_client = _as(client, admin)
    with TestClient(create_app(settings, services), base_url=BASE_URL) as viewer_client:
        login(viewer_client, viewer)
        assert viewer_client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
        assert _post(
            admin_client, f"/t/{tenant_a.slug}/members/{viewer.id}/remove"
        ).status_code in (302, 303)
        assert viewer_client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 404


def test_the_last_admin_can_neither_be_demoted_nor_removed(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    admin_client = _as(client, admin)
    demoted = _post(admin_client, f"/t/{tenant_a.slug}/members/{admin.id}/role", role="editor")
    assert demoted.status_code == 409 and "at least one tenant admin" in demoted.text
    removed = _post(admin_client, f"/t/{tenant_a.slug}/members/{admin.id}/remove")
    assert removed.status_code == 409
    second = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    assert _post(
        admin_client, f"/t/{tenant_a.slug}/members/{second.id}/role", role="editor"
    ).status_code in (302, 303)
    page = admin_client.get(f"/t/{tenant_a.slug}/members/")
    assert page.text.count('value="tenant_admin" selected') == 1


def test_bad_role_and_unknown_member(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    outsider = make_user(database, (tenant_b, Role.EDITOR))
    admin_client = _as(client, admin)
    bad = _post(admin_client, f"/t/{tenant_a.slug}/members/{admin.id}/role", role="mayor")
    assert bad.status_code == 422 and "role" in bad.text
    assert (
        _post(admin_client, f"/t/{tenant_a.slug}/members/{outsider.id}/remove").status_code == 404
    )


def test_only_admins_manage_members(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    assert client_a.get(f"/t/{tenant_a.slug}/members/").status_code == 403


def test_suspending_ends_access_to_that_municipality_only_and_reactivating_restores_it(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    settings: Settings,
    services: Services,
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    member = make_user(database, (tenant_a, Role.EDITOR), (tenant_b, Role.VIEWER), name="Zanele")
    admin_client = _as(client, admin)
    members_url = f"/t/{tenant_a.slug}/members/"
    with TestClient(create_app(settings, services), base_url=BASE_URL) as member_client:
        login(member_client, member)
        assert member_client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
        suspended = _post(admin_client, f"{members_url}{member.id}/suspend")
        assert suspended.status_code in (302, 303)
        # The next request already finds no access; the other municipality is unaffected.
        assert member_client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 404
        assert (
            member_client.post(
                f"/api/v1/t/{tenant_a.slug}/objectives", json={"code": "S1", "title": "No"}
            ).status_code
            == 404
        )
        assert member_client.get(f"/t/{tenant_b.slug}/", follow_redirects=False).status_code == 200
        page = admin_client.get(members_url)
        assert page.text.count('data-testid="suspended"') == 1 and "Zanele" in page.text
        assert "/reactivate" in page.text
        # Suspending again changes nothing.
        assert _post(admin_client, f"{members_url}{member.id}/suspend").status_code in (302, 303)
        reactivated = _post(admin_client, f"{members_url}{member.id}/reactivate")
        assert reactivated.status_code in (302, 303)
        assert member_client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_id == member.id, AuditEvent.action.like("members.%"))
                .order_by(AuditEvent.id)
            )
        )
    assert [e.action for e in events] == ["members.suspended", "members.reactivated"]
    assert events[0].actor_id == admin.id
    assert events[0].after == {"suspended": True, "role": "editor"}


def test_the_last_active_admin_cannot_be_suspended(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    second = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    admin_client = _as(client, admin)
    members_url = f"/t/{tenant_a.slug}/members/"
    assert _post(admin_client, f"{members_url}{second.id}/suspend").status_code in (302, 303)
    # The only active admin left: suspending, demoting or removing them is refused.
    refused = _post(admin_client, f"{members_url}{admin.id}/suspend")
    assert refused.status_code == 409 and "at least one tenant admin" in refused.text
    assert _post(admin_client, f"{members_url}{admin.id}/role", role="viewer").status_code == 409
    assert _post(admin_client, f"{members_url}{admin.id}/remove").status_code == 409
    # A suspended admin does not count, so changing them is allowed.
    assert _post(admin_client, f"{members_url}{second.id}/role", role="editor").status_code in (
        302,
        303,
    )
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        actions = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == admin.id))
        )
    assert "members.suspended" not in actions
    assert admin_client.get(members_url).status_code == 200
