"""Tenant admins register the municipality's identity provider: checked against its
discovery document, the client secret write-only and never on the audit trail."""

from __future__ import annotations

import json
import socket
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.permissions import Role
from saypro.platform.identity.sso.configuration import secret_box
from saypro.platform.identity.sso.models import SsoProvider
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, make_user
from tests.oidc.server import OidcProvider
from tests.servers import TEST_SECRET_KEY

SECRET = "client-secret-that-must-never-show-9f8e7d"


def _url(tenant: TenantRef) -> str:
    return f"/t/{tenant.slug}/settings/sso/"


def _save(client: TestClient[Any], tenant: TenantRef, **fields: str) -> Any:
    form = {
        "issuer": "",
        "client_id": "saypro-municipal",
        "client_secret": SECRET,
        "allowed_domains": "example.org, @ICT.Example.org",
        "default_role": "editor",
        "enabled": "on",
        **fields,
    }
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(
        _url(tenant), data={"_csrf_token": csrf_token(client), **form}, follow_redirects=False
    )


def _stored(database: Database, tenant: TenantRef) -> SsoProvider | None:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return session.scalar(select(SsoProvider))


def _sso_events(database: Database, tenant: TenantRef) -> list[AuditEvent]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(["sso.configured", "sso.updated"]))
                .order_by(AuditEvent.seq)
            )
        )


def test_an_admin_registers_the_provider_and_the_secret_is_never_shown_or_audited(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, oidc_provider: OidcProvider
) -> None:
    admin = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    login(client, admin)
    page = client.get(_url(tenant_a))
    assert page.status_code == 200
    assert f"https://testserver.local/login/{tenant_a.slug}/sso/callback" in page.text
    saved = _save(client, tenant_a, issuer=oidc_provider.issuer)
    assert saved.status_code in (302, 303), saved.text
    stored = _stored(database, tenant_a)
    assert stored is not None and stored.enabled and not stored.sso_required
    assert stored.allowed_domains == ["example.org", "ict.example.org"]
    assert stored.default_role is Role.EDITOR
    assert SECRET not in stored.client_secret_encrypted
    assert secret_box(TEST_SECRET_KEY).decrypt(stored.client_secret_encrypted) == SECRET
    assert SECRET not in client.get(_url(tenant_a)).text
    # Saved again without a secret: the stored one is kept; a new one is replaced.
    assert _save(client, tenant_a, issuer=oidc_provider.issuer, client_secret="").status_code in (
        302,
        303,
    )
    kept = _stored(database, tenant_a)
    assert kept is not None and kept.client_secret_encrypted == stored.client_secret_encrypted
    assert _save(
        client,
        tenant_a,
        issuer=oidc_provider.issuer,
        client_secret="another-secret-1234",
        sso_required="on",
    ).status_code in (302, 303)
    replaced = _stored(database, tenant_a)
    assert replaced is not None and replaced.sso_required
    assert secret_box(TEST_SECRET_KEY).decrypt(replaced.client_secret_encrypted) == (
        "another-secret-1234"
    )
    events = _sso_events(database, tenant_a)
    assert [e.action for e in events] == ["sso.configured", "sso.updated"]
    trail = json.dumps([[e.before, e.after] for e in events])
    assert SECRET not in trail and "another-secret-1234" not in trail
    assert events[0].after is not None and events[0].after["client_secret"] == "********"
    assert events[1].after == {"client_secret": "******** (replaced)", "sso_required": True}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bad_settings_are_refused_on_their_field_and_nothing_is_saved(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, oidc_provider: OidcProvider
) -> None:
    login(client, make_user(database, (tenant_a, Role.TENANT_ADMIN)))
    cases = [
        ({"issuer": "http://login.example.gov.za"}, "must use https"),
        ({"issuer": f"http://127.0.0.1:{_free_port()}"}, "could not read the discovery document"),
        ({"issuer": oidc_provider.issuer + "/"}, "names the issuer"),
        ({"issuer": oidc_provider.issuer, "allowed_domains": "not a domain!"}, "is not a domain"),
        ({"issuer": oidc_provider.issuer, "default_role": "tenant_admin"}, "admins are appointed"),
        ({"issuer": oidc_provider.issuer, "enabled": None, "sso_required": "on"}, "enabled"),
        ({"issuer": oidc_provider.issuer, "client_secret": ""}, "is required"),
    ]
    for fields, message in cases:
        response = _save(client, tenant_a, **fields)  # type: ignore[arg-type]
        assert response.status_code == 422, (fields, response.status_code)
        assert message in response.text, (fields, message)
        assert 'class="field-error"' in response.text
        assert SECRET not in response.text
    assert _stored(database, tenant_a) is None
    assert _sso_events(database, tenant_a) == []


def test_only_tenant_admins_of_the_municipality_reach_the_settings(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    oidc_provider: OidcProvider,
    another_client: Any,
) -> None:
    login(client, make_user(database, (tenant_a, Role.EDITOR)))
    assert client.get(_url(tenant_a)).status_code == 403
    assert _save(client, tenant_a, issuer=oidc_provider.issuer).status_code == 403
    with another_client() as other:
        login(other, make_user(database, (tenant_b, Role.TENANT_ADMIN)))
        assert other.get(_url(tenant_a)).status_code == 404
        assert _save(other, tenant_a, issuer=oidc_provider.issuer).status_code == 404
    assert _stored(database, tenant_a) is None
