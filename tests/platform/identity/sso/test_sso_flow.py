"""Signing in through the municipality's own identity provider, end to end against a real
OpenID provider: just-in-time accounts, matching, refusals, and the one-use flow."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

from litestar.testing import TestClient
from sqlalchemy import func, select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.models import Invitation, Membership, User
from saypro.platform.identity.permissions import Role
from saypro.platform.identity.sso.models import SsoIdentity, SsoProvider
from tests.factories import TenantRef, make_invitation, make_tenant, make_user
from tests.oidc.server import OidcProvider
from tests.platform.identity.sso.conftest import (
    SsoSetup,
    callback_path,
    configure_sso,
    sso_sign_in,
    start,
)


def _actions(database: Database, tenant: TenantRef) -> list[str]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def _user(database: Database, email: str) -> User | None:
    with database.sync_sessions() as session:
        return session.scalar(select(User).where(func.lower(User.email) == email))


def test_the_municipality_page_offers_its_provider_and_the_password_form(
    client: TestClient[Any], sso_a: SsoSetup
) -> None:
    page = client.get(f"/login/{sso_a.tenant.slug}")
    assert page.status_code == 200
    assert f"Sign in with {sso_a.tenant.name}'s account" in page.text
    assert 'name="password"' in page.text
    general = client.get(
        "/login", params={"municipality": sso_a.tenant.slug}, follow_redirects=False
    )
    assert general.headers["location"].startswith(f"/login/{sso_a.tenant.slug}")


def test_unknown_municipality_and_one_without_sso_answer_404(
    client: TestClient[Any], tenant_b: TenantRef
) -> None:
    for path in ("/login/no-such-place", f"/login/{tenant_b.slug}", f"/login/{tenant_b.slug}/sso"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/login/{tenant_b.slug}/sso/callback?code=x&state=y").status_code == 404


def test_first_sign_in_creates_the_person_as_a_member_in_the_default_role(
    client: TestClient[Any], database: Database, sso_a: SsoSetup
) -> None:
    account = sso_a.new_account(name="Nomsa Dlamini")
    response = sso_sign_in(client, sso_a, account, next_path=f"/t/{sso_a.tenant.slug}/")
    assert response.status_code in (302, 303), response.text
    assert response.headers["location"] == f"/t/{sso_a.tenant.slug}/"
    workspace = client.get(f"/t/{sso_a.tenant.slug}/")
    assert workspace.status_code == 200 and "Nomsa Dlamini" in workspace.text
    user = _user(database, account.email)
    assert user is not None and user.password_hash is None and user.full_name == "Nomsa Dlamini"
    with database.sync_sessions() as session:
        role = session.scalar(select(Membership.role).where(Membership.user_id == user.id))
        bind_tenant_sync(session, sso_a.tenant.id)
        identity = session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id))
    assert role is Role.EDITOR
    assert identity is not None
    assert (identity.issuer, identity.subject) == (sso_a.provider.issuer, account.sub)
    actions = _actions(database, sso_a.tenant)
    assert actions[-3:] == ["sso.user_provisioned", "sso.identity_linked", "identity.signed_in.sso"]


def test_an_existing_member_is_matched_by_email_then_by_subject(
    client: TestClient[Any], database: Database, sso_a: SsoSetup, another_client: Any
) -> None:
    member = make_user(database, (sso_a.tenant, Role.VIEWER), name="Existing Member")
    account = sso_a.provider.add_account(member.email, name="Someone Else")
    response = sso_sign_in(client, sso_a, account)
    assert response.status_code in (302, 303), response.text
    assert "Existing Member" in client.get(f"/t/{sso_a.tenant.slug}/").text
    # The provider changes the person's address; the linked subject still finds them.
    moved = sso_a.provider.add_account(
        "renamed-" + member.email, sub=account.sub, login=account.login
    )
    with another_client() as second:
        again = sso_sign_in(second, sso_a, moved)
        assert again.status_code in (302, 303), again.text
        assert "Existing Member" in second.get(f"/t/{sso_a.tenant.slug}/").text
    assert _user(database, "renamed-" + member.email) is None
    with database.sync_sessions() as session:
        role = session.scalar(select(Membership.role).where(Membership.user_id == member.id))
    assert role is Role.VIEWER  # the default role applies to new people only
    assert _actions(database, sso_a.tenant).count("sso.user_provisioned") == 0


def test_an_account_that_is_not_a_member_is_refused(
    client: TestClient[Any], database: Database, sso_a: SsoSetup
) -> None:
    elsewhere = make_tenant(database)
    outsider = make_user(database, (elsewhere, Role.EDITOR))
    account = sso_a.provider.add_account(outsider.email)
    response = sso_sign_in(client, sso_a, account)
    assert response.status_code == 403
    assert "already has a SayPro account, but it is not a member" in response.text
    signed_out = client.get(f"/t/{sso_a.tenant.slug}/", follow_redirects=False)
    assert signed_out.status_code != 200
    with database.sync_sessions() as session:
        assert (
            session.scalar(
                select(Membership).where(
                    Membership.user_id == outsider.id, Membership.tenant_id == sso_a.tenant.id
                )
            )
            is None
        )
    assert _actions(database, sso_a.tenant)[-1] == "sso.sign_in_refused"


def test_single_sign_on_honours_an_invitation_new_person_or_existing_account(
    client: TestClient[Any], database: Database, sso_a: SsoSetup, another_client: Any
) -> None:
    # A new person invited as a viewer gets the invitation's role, not the default.
    newcomer = sso_a.new_account(name="Invited Newcomer")
    invited = make_invitation(database, sso_a.tenant, email=newcomer.email, role=Role.VIEWER)
    assert sso_sign_in(client, sso_a, newcomer).status_code in (302, 303)
    user = _user(database, newcomer.email)
    assert user is not None
    # An account of another municipality, invited here, is let in by the invitation.
    elsewhere = make_tenant(database)
    outsider = make_user(database, (elsewhere, Role.EDITOR))
    make_invitation(database, sso_a.tenant, email=outsider.email, role=Role.CONTRIBUTOR)
    with another_client() as second:
        response = sso_sign_in(second, sso_a, sso_a.provider.add_account(outsider.email))
        assert response.status_code in (302, 303), response.text
        assert second.get(f"/t/{sso_a.tenant.slug}/").status_code == 200
    with database.sync_sessions() as session:
        roles = dict(
            session.execute(
                select(Membership.user_id, Membership.role).where(
                    Membership.tenant_id == sso_a.tenant.id,
                    Membership.user_id.in_([user.id, outsider.id]),
                )
            ).all()
        )
        bind_tenant_sync(session, sso_a.tenant.id)
        accepted = session.get(Invitation, (sso_a.tenant.id, invited))
    assert roles == {user.id: Role.VIEWER, outsider.id: Role.CONTRIBUTOR}
    assert accepted is not None and accepted.accepted_by_id == user.id
    assert _actions(database, sso_a.tenant).count("members.invitation_accepted") == 2


def test_a_disallowed_domain_and_an_unverified_email_are_refused(
    client: TestClient[Any], database: Database, sso_a: SsoSetup
) -> None:
    foreign = sso_a.new_account(domain="elsewhere.example.com")
    response = sso_sign_in(client, sso_a, foreign)
    assert response.status_code == 403
    assert "Email addresses at elsewhere.example.com may not sign in" in response.text
    assert _user(database, foreign.email) is None
    unverified = sso_a.new_account(email_verified=False)
    response = sso_sign_in(client, sso_a, unverified)
    assert response.status_code == 403 and "not verified your email" in response.text
    assert _user(database, unverified.email) is None
    assert _actions(database, sso_a.tenant)[-2:] == ["sso.sign_in_refused"] * 2


def test_a_forged_state_is_refused_and_the_flow_works_only_once(
    client: TestClient[Any], database: Database, sso_a: SsoSetup
) -> None:
    account = sso_a.new_account()
    back = callback_path(sso_a.provider.sign_in(start(client, sso_a.tenant.slug), account))
    query = parse_qs(urlsplit(back).query)
    forged = client.get(
        f"/login/{sso_a.tenant.slug}/sso/callback",
        params={"code": query["code"][0], "state": "forged-state"},
    )
    assert forged.status_code == 400 and "state does not match" in forged.text
    # The forged attempt used up the flow: the genuine answer is now refused too.
    late = client.get(back, follow_redirects=False)
    assert late.status_code == 400 and "no sign-in was started" in late.text
    assert _user(database, account.email) is None
    # A successful answer cannot be replayed either.
    done = sso_sign_in(client, sso_a, account)
    assert done.status_code in (302, 303)
    replay_back = callback_path(sso_a.provider.sign_in(start(client, sso_a.tenant.slug), account))
    assert client.get(replay_back, follow_redirects=False).status_code in (302, 303)
    assert client.get(replay_back, follow_redirects=False).status_code == 400


def test_a_callback_without_a_started_flow_is_refused(
    client: TestClient[Any], sso_a: SsoSetup
) -> None:
    response = client.get(f"/login/{sso_a.tenant.slug}/sso/callback?code=abc&state=def")
    assert response.status_code == 400 and "no sign-in was started" in response.text


def test_a_flow_started_for_another_municipality_is_refused(
    client: TestClient[Any], database: Database, sso_a: SsoSetup, oidc_provider: OidcProvider
) -> None:
    other = configure_sso(database, make_tenant(database), oidc_provider)
    account = sso_a.new_account()
    back = callback_path(oidc_provider.sign_in(start(client, sso_a.tenant.slug), account))
    query = urlsplit(back).query
    response = client.get(f"/login/{other.tenant.slug}/sso/callback?{query}")
    assert response.status_code == 400
    assert _user(database, account.email) is None


def test_an_unreachable_provider_is_reported_on_the_municipality_page(
    client: TestClient[Any], database: Database, sso_a: SsoSetup
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, sso_a.tenant.id)
        session.execute(update(SsoProvider).values(issuer=dead))
    response = client.get(f"/login/{sso_a.tenant.slug}/sso", follow_redirects=False)
    assert response.status_code == 502
    assert "identity provider cannot be reached right now" in response.text
