"""A municipality that requires single sign-on: its members cannot sign in with a
password (whether or not it is right), SayPro staff still can."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.models import User
from saypro.platform.identity.permissions import Role, StaffRole
from saypro.platform.identity.sso.models import SsoProvider
from tests.conftest import csrf_token
from tests.factories import PASSWORD, TenantRef, UserRef, make_user
from tests.oidc.server import OidcProvider
from tests.platform.identity.sso.conftest import configure_sso, sso_sign_in


def _password_login(client: TestClient[Any], user: UserRef, password: str) -> Any:
    return client.post(
        "/login",
        data={
            "email": user.email,
            "password": password,
            "_csrf_token": csrf_token(client),
            "next": "/",
        },
        follow_redirects=False,
    )


def test_members_must_use_the_municipalitys_sign_in_page(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    oidc_provider: OidcProvider,
) -> None:
    setup = configure_sso(database, tenant_a, oidc_provider, sso_required=True)
    member = make_user(database, (tenant_b, Role.EDITOR), (tenant_a, Role.VIEWER))
    right = _password_login(client, member, PASSWORD)
    wrong = _password_login(client, member, "not the password at all")
    assert right.status_code == wrong.status_code == 403
    # The same answer, whether or not the password was right.
    assert right.text.replace(csrf_token(client), "") == wrong.text.replace(csrf_token(client), "")
    assert f"{tenant_a.name} requires signing in with the municipality" in right.text
    assert f'href="/login/{tenant_a.slug}?next=/"' in right.text
    assert client.get("/", follow_redirects=False).status_code != 200
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        refused = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == member.id)
        ).all()
    assert list(refused) == ["identity.password_sign_in_refused"] * 2
    # The municipality's page offers its provider only, and that way in works.
    page = client.get(f"/login/{tenant_a.slug}")
    assert "sso-button" in page.text and 'name="password"' not in page.text
    account = oidc_provider.add_account(member.email)
    assert sso_sign_in(client, setup, account).status_code in (302, 303)
    assert client.get(f"/t/{tenant_b.slug}/").status_code == 200


def test_staff_and_members_of_other_municipalities_keep_their_password(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    oidc_provider: OidcProvider,
    another_client: Any,
) -> None:
    configure_sso(database, tenant_a, oidc_provider, sso_required=True)
    staff = make_user(database, (tenant_a, Role.TENANT_ADMIN))
    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(User).where(User.id == staff.id).values(staff_role=StaffRole.PLATFORM_ADMIN)
        )
    assert _password_login(client, staff, PASSWORD).status_code == 302
    with another_client() as other:
        elsewhere = make_user(database, (tenant_b, Role.EDITOR))
        assert _password_login(other, elsewhere, PASSWORD).status_code == 302


def test_a_provider_that_is_not_required_leaves_passwords_alone(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, oidc_provider: OidcProvider
) -> None:
    configure_sso(database, tenant_a, oidc_provider, sso_required=False)
    member = make_user(database, (tenant_a, Role.EDITOR))
    assert _password_login(client, member, PASSWORD).status_code == 302
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.execute(update(SsoProvider).values(sso_required=True, enabled=False))
    # Switched off, a provider requires nothing (the settings page refuses this pair anyway).
    assert _password_login(client, member, PASSWORD).status_code == 302
