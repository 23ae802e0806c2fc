"""The onboarding checklist on the workspace home: tenant admins see it, its steps tick
off as the work is done (the strategy module contributes one), and it goes away when
everything is done or an admin dismisses it."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from tests.conftest import csrf_token, login
from tests.factories import make_tenant, make_user


def _steps(page: str) -> dict[str, bool]:
    return {
        key: done == "true"
        for key, done in re.findall(r'data-step="([a-z_]+)" data-done="(true|false)"', page)
    }


def test_the_checklist_ticks_off_and_goes_away_when_all_is_done(
    client: TestClient[Any], database: Database
) -> None:
    tenant = make_tenant(database, seed=True)
    admin = make_user(database, (tenant, Role.TENANT_ADMIN), name="Sipho Admin")
    login(client, admin)
    home = f"/t/{tenant.slug}/"

    page = client.get(home).text
    assert 'data-testid="onboarding"' in page
    assert _steps(page) == {
        "email_verified": True,
        "strategy_reviewed": False,
        "colleague_invited": False,
    }
    assert f'href="/t/{tenant.slug}/objectives' in page
    assert f'href="/t/{tenant.slug}/members' in page

    make_user(database, (tenant, Role.EDITOR))
    assert _steps(client.get(home).text)["colleague_invited"] is True

    created = client.post(
        f"/t/{tenant.slug}/objectives/new",
        data={
            "_csrf_token": csrf_token(client),
            "code": "SO8",
            "title": "Connect every clinic to the municipal network",
            "status": "not_started",
            "description": "",
            "owner_id": "",
            "start_date": "",
            "target_date": "",
        },
        follow_redirects=False,
    )
    assert created.status_code in (302, 303), created.text
    assert 'data-testid="onboarding"' not in client.get(home).text


def test_only_tenant_admins_see_the_checklist(client: TestClient[Any], database: Database) -> None:
    tenant = make_tenant(database, seed=True)
    make_user(database, (tenant, Role.TENANT_ADMIN))
    editor = make_user(database, (tenant, Role.EDITOR))
    login(client, editor)
    page = client.get(f"/t/{tenant.slug}/")
    assert page.status_code == 200 and 'data-testid="onboarding"' not in page.text
    refused = client.post(
        f"/t/{tenant.slug}/onboarding/dismiss",
        data={"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert refused.status_code == 403


def test_an_admin_can_dismiss_the_checklist_for_the_municipality(
    client: TestClient[Any], database: Database
) -> None:
    tenant = make_tenant(database, seed=True)
    admin = make_user(database, (tenant, Role.TENANT_ADMIN))
    login(client, admin)
    home = f"/t/{tenant.slug}/"
    assert 'data-testid="onboarding"' in client.get(home).text
    dismissed = client.post(
        f"/t/{tenant.slug}/onboarding/dismiss",
        data={"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert dismissed.status_code in (302, 303)
    assert dismissed.headers["location"] == home
    assert 'data-testid="onboarding"' not in client.get(home).text
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
        ).all()
    assert "tenant.onboarding_dismissed" in actions
