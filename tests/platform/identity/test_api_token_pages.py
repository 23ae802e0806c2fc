"""The /account/tokens page: a token is shown once and only its hash is kept; bad input
names the field and makes nothing; revoking is immediate; both are on the audit trail."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import (
    ROLE_PERMISSIONS,
    WORKSPACE_PERMISSIONS,
    Permission,
    Role,
)
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, UserRef, make_user
from tests.platform.identity.tokens import make_token, tokens_of

SECRET = re.compile(r"spk_[A-Za-z0-9_-]{43}")


def _create(client: TestClient[Any], **form: Any) -> Any:
    return client.post(
        "/account/tokens", data={"_csrf_token": csrf_token(client), **form}, follow_redirects=False
    )


def _events(database: Database, tenant: TenantRef, prefix: str) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.seq)
            )
        )


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(
    client_a: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    created = _create(
        client_a,
        name="Quarterly export",
        tenant=tenant_a.slug,
        permissions=["strategy.read", "strategy.write"],
        expires_in_days="30",
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    shown = SECRET.findall(created.text)
    assert len(set(shown)) == 1
    secret = shown[0]

    [token] = tokens_of(database, editor_a)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and len(token.prefix) < len(secret)
    assert token.permissions == ["strategy.read", "strategy.write"]
    assert token.tenant_id == tenant_a.id and token.name == "Quarterly export"
    stored = [str(getattr(token, column.key)) for column in token.__table__.columns]
    assert not any(secret in value for value in stored)

    listing = client_a.get("/account/tokens")
    assert listing.status_code == 200
    assert secret not in listing.text
    assert SECRET.search(listing.text) is None
    row = listing.text[listing.text.index('data-testid="tokens"') :]
    for shown_value in ("Quarterly export", tenant_a.name, "strategy.read, strategy.write"):
        assert shown_value in row
    assert "never" in row and token.prefix in row

    [event] = _events(database, tenant_a, "identity.api_token")
    assert (event.action, event.entity_id, event.actor_id) == (
        "identity.api_token_created",
        token.id,
        editor_a.id,
    )
    assert event.after is not None and event.after["name"] == "Quarterly export"
    assert secret not in str(event.after) and secret not in str(event.before)


def test_revoking_is_immediate_audited_once_and_only_for_the_owner(
    client_a: TestClient[Any],
    another_client: Any,
    database: Database,
    tenant_a: TenantRef,
    editor_a: UserRef,
) -> None:
    token_id, secret = make_token(database, editor_a, tenant_a, [Permission.STRATEGY_READ])
    api = f"/api/v1/t/{tenant_a.slug}/objectives"
    with another_client() as script:
        assert script.get(api, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with another_client() as other:
        colleague = make_user(database, (tenant_a, Role.TENANT_ADMIN))
        login(other, colleague)
        refused = other.post(
            f"/account/tokens/{token_id}/revoke",
            data={"_csrf_token": csrf_token(other)},
            follow_redirects=False,
        )
        assert refused.status_code == 404
    assert tokens_of(database, editor_a)[0].revoked_at is None

    url = f"/account/tokens/{token_id}/revoke"
    revoked = client_a.post(url, data={"_csrf_token": csrf_token(client_a)}, follow_redirects=False)
    assert revoked.status_code in (302, 303)
    assert tokens_of(database, editor_a)[0].revoked_at is not None
    again = client_a.post(url, data={"_csrf_token": csrf_token(client_a)}, follow_redirects=False)
    assert again.status_code in (302, 303)
    assert [e.action for e in _events(database, tenant_a, "identity.api_token")] == [
        "identity.api_token_revoked"
    ]
    listing = client_a.get("/account/tokens")
    assert "revoked" in listing.text and f"/account/tokens/{token_id}/revoke" not in listing.text
    with another_client() as script:
        assert script.get(api, headers={"Authorization": f"Bearer {secret}"}).status_code == 401


GOOD = {
    "name": "Report sync",
    "permissions": ["strategy.read"],
    "expires_in_days": "30",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "at least 1 character"),
        ({"tenant": ""}, "tenant", "choose a municipality"),
        ({"tenant": "someone-elses"}, "tenant", "choose one of your municipalities"),
        ({"permissions": []}, "permissions", "choose at least one permission"),
        ({"permissions": ["strategy.read", "members.manage"]}, "permissions", "members.manage"),
        ({"permissions": ["audit.read"]}, "permissions", "does not grant audit.read"),
        ({"permissions": ["tenants.manage"]}, "permissions", "not a workspace permission"),
        ({"expires_in_days": "0"}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": "366"}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": "soon"}, "expires_in_days", "from 1 to 365"),
        ({"expires_in_days": ""}, "expires_in_days", "from 1 to 365"),
    ],
    ids=[
        "no-name",
        "no-municipality",
        "not-my-municipality",
        "no-permission",
        "not-granted-by-role",
        "not-granted-to-editor",
        "platform-permission",
        "zero-days",
        "over-a-year",
        "not-a-number",
        "no-expiry",
    ],
)
def test_bad_input_names_the_field_and_makes_nothing(
    client_a: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    editor_a: UserRef,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    form = {**GOOD, "tenant": tenant_a.slug, **change}
    if form["tenant"] == "someone-elses":
        form["tenant"] = tenant_b.slug
    response = _create(client_a, **form)
    assert response.status_code == 422, response.text
    error = re.search(rf'id="{field}-error">([^<]*)<', response.text)
    assert error is not None, response.text
    assert message in error.group(1)
    assert SECRET.search(response.text) is None
    assert tokens_of(database, editor_a) == []
    assert _events(database, tenant_a, "identity.api_token") == []


def test_the_form_offers_my_municipalities_and_what_each_role_grants(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, tenant_b: TenantRef
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER), (tenant_b, Role.EDITOR))
    login(client, user)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert f'value="{tenant_a.slug}"' in page.text and f'value="{tenant_b.slug}"' in page.text
    assert 'data-testid="no-tokens"' in page.text
    grants = page.text[page.text.index('data-testid="grantable"') :]
    for tenant, role in ((tenant_a, Role.VIEWER), (tenant_b, Role.EDITOR)):
        granted = sorted(p.value for p in ROLE_PERMISSIONS[role] & WORKSPACE_PERMISSIONS)
        assert f"{tenant.name}: {', '.join(granted)}" in grants
    assert f"{tenant_a.name}: audit.read," in grants  # viewers read the trail
    assert "strategy.write" not in grants.split(tenant_a.name + ":")[1].split("</li>")[0]


def test_the_page_needs_a_signed_in_user_and_a_csrf_token(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    anonymous = client.get("/account/tokens", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    login(client, editor_a)
    del client.headers["x-csrftoken"]
    forged = client.post(
        "/account/tokens", data={**GOOD, "tenant": tenant_a.slug}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert tokens_of(database, editor_a) == []
