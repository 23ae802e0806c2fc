"""Invitations: an admin invites an address with a role, the email carries a single-use
link, and the person joins with a new account or the one they have. Unknown, expired,
revoked, used and mismatched links change nothing; every change is audited."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlparse

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.models import Invitation, Membership, User
from saypro.platform.identity.permissions import Role
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, TenantRef, UserRef, make_user
from tests.mail import Mailbox, link_in, text_of

NEW_PASSWORD = "a long enough passphrase 2026"


def _address() -> str:
    return f"invitee-{secrets.token_hex(5)}@example.gov.za"


def _post(client: TestClient[Any], url: str, **form: str) -> Any:
    return client.post(
        url, data={"_csrf_token": csrf_token(client), **form}, follow_redirects=False
    )


def _invite(client: TestClient[Any], tenant: TenantRef, email: str, role: str = "editor") -> Any:
    return _post(client, f"/t/{tenant.slug}/members/invitations", email=email, role=role)


def _link(mailbox: Mailbox, deliver_mail: Callable[[], int], email: str, count: int = 1) -> str:
    """The path of the join link in the ``count``-th message to ``email``."""
    deliver_mail()
    return urlparse(link_in(mailbox.wait_for(email, count=count), "/join/")).path


def _invited(
    client: TestClient[Any],
    tenant: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
    email: str,
    role: str = "editor",
) -> str:
    response = _invite(client, tenant, email, role)
    assert response.status_code in (302, 303), response.text
    return _link(mailbox, deliver_mail, email)


class Invite(Protocol):
    def __call__(self, email: str, role: str = "editor") -> str: ...


@pytest.fixture
def invite(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
) -> Invite:
    """Signs ``client`` in as an administrator of municipality A; the function it gives
    invites an address there and returns the path of the emailed join link."""
    login(client, _admin(database, tenant_a))

    def invited(email: str, role: str = "editor") -> str:
        return _invited(client, tenant_a, mailbox, deliver_mail, email, role)

    return invited


def _create_account(
    client: TestClient[Any],
    link: str,
    name: str = "Naledi Invitee",
    password: str = NEW_PASSWORD,
) -> Any:
    return _post(client, link, full_name=name, password=password, confirm_password=password)


def _invitation(database: Database, tenant: TenantRef, email: str) -> Invitation:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        found = session.scalar(select(Invitation).where(Invitation.email == email.lower()))
        assert found is not None
        session.expunge(found)
        return found


def _membership_count(database: Database, tenant: TenantRef, email: str) -> int:
    with database.sync_sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Membership)
                .join(User, User.id == Membership.user_id)
                .where(Membership.tenant_id == tenant.id, func.lower(User.email) == email.lower())
            )
            or 0
        )


def _user_count(database: Database, email: str) -> int:
    with database.sync_sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(User).where(func.lower(User.email) == email)
            )
            or 0
        )


def _accounts(database: Database, tenant: TenantRef, email: str) -> tuple[int, int]:
    """How many accounts have ``email``, and how many memberships of ``tenant`` they hold."""
    return _user_count(database, email), _membership_count(database, tenant, email)


def _actions(database: Database, tenant: TenantRef) -> list[str]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _admin(database: Database, tenant: TenantRef) -> UserRef:
    return make_user(database, (tenant, Role.TENANT_ADMIN), name="Sipho Admin")


def test_invite_sends_a_link_and_a_new_person_joins_signed_in(
    client: TestClient[Any],
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
) -> None:
    admin = _admin(database, tenant_a)
    login(client, admin)
    email = _address()
    sent = _invite(client, tenant_a, email.upper(), role="contributor")
    assert sent.status_code in (302, 303)
    listing = client.get(sent.headers["location"])
    assert "Invitation sent" in listing.text and email in listing.text
    deliver_mail()
    message = mailbox.wait_for(email)
    assert tenant_a.name in str(message["Subject"])
    assert "contributor" in text_of(message) and "Sipho Admin" in text_of(message)
    link = urlparse(link_in(message, f"/join/{tenant_a.slug}/")).path
    # Only a hash of the token is kept.
    token = link.rsplit("/", 1)[1]
    assert token not in _invitation(database, tenant_a, email).token_hash

    with another_client() as newcomer:
        page = newcomer.get(link)
        assert page.status_code == 200
        assert tenant_a.name in page.text and "contributor" in page.text
        assert 'name="password"' in page.text
        short = _post(
            newcomer, link, full_name="Naledi", password="short", confirm_password="short"
        )
        assert short.status_code == 422 and 'id="password-error"' in short.text
        assert _user_count(database, email) == 0
        joined = _create_account(newcomer, link)
        assert joined.status_code in (302, 303)
        assert joined.headers["location"] == f"/t/{tenant_a.slug}/"
        workspace = newcomer.get(f"/t/{tenant_a.slug}/")
        assert workspace.status_code == 200
        assert "Your role: contributor" in workspace.text and "Naledi Invitee" in workspace.text
    assert _accounts(database, tenant_a, email) == (1, 1)
    invitation = _invitation(database, tenant_a, email)
    assert invitation.accepted_at is not None and invitation.accepted_by_id is not None
    actions = _actions(database, tenant_a)
    assert "members.invited" in actions and "members.invitation_accepted" in actions
    assert "identity.signed_in" in actions
    # The new account signs in with the password it chose.
    with another_client() as later:
        login(later, UserRef(invitation.accepted_by_id, email), password=NEW_PASSWORD)


def test_accepting_twice_makes_one_member_and_no_error(
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    invite: Invite,
) -> None:
    email = _address()
    link = invite(email)
    with another_client() as first, another_client() as repeat:
        # A double click: both submissions leave before the first answer sets a cookie.
        assert _create_account(first, link).status_code in (302, 303)
        again = _create_account(repeat, link)
        assert again.status_code in (302, 303)
        assert again.headers["location"] == f"/t/{tenant_a.slug}/"
        assert repeat.get(f"/t/{tenant_a.slug}/").status_code == 200
        # Signed in, the same person submitting again simply goes to the workspace.
        third = _post(first, link)
        assert third.status_code in (302, 303)
        assert third.headers["location"] == f"/t/{tenant_a.slug}/"
    assert _accounts(database, tenant_a, email) == (1, 1)
    assert _actions(database, tenant_a).count("members.invitation_accepted") == 1


def test_simultaneous_acceptances_make_one_account(
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    invite: Invite,
) -> None:
    email = _address()
    link = invite(email)
    with another_client() as first, another_client() as second:
        for browser in (first, second):
            csrf_token(browser)
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda b: _create_account(b, link), (first, second)))
    assert [a.status_code for a in answers] == [302, 302]
    assert {a.headers["location"] for a in answers} == {f"/t/{tenant_a.slug}/"}
    assert _accounts(database, tenant_a, email) == (1, 1)


def test_an_existing_user_accepts_while_signed_in(
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    invite: Invite,
) -> None:
    colleague = make_user(database, (tenant_b, Role.VIEWER), name="Existing Colleague")
    link = invite(colleague.email, role="viewer")
    with another_client() as browser:
        anonymous = browser.get(link)
        assert anonymous.status_code == 200 and 'data-testid="invitation-sign-in"' in anonymous.text
        assert f"/login?next={link}" in anonymous.text
        assert 'name="password"' not in anonymous.text
        refused = _post(browser, link, full_name="Impostor", password=NEW_PASSWORD)
        assert refused.status_code == 403
        assert _membership_count(database, tenant_a, colleague.email) == 0
        # Signing in through the link's sign-in page comes back to the invitation.
        signed_in = _post(browser, "/login", email=colleague.email, password=PASSWORD, next=link)
        assert signed_in.headers["location"] == link
        browser.headers["x-csrftoken"] = csrf_token(browser)
        offer = browser.get(link)
        assert offer.status_code == 200 and "Accept and join" in offer.text
        accepted = _post(browser, link)
        assert accepted.status_code in (302, 303)
        assert accepted.headers["location"] == f"/t/{tenant_a.slug}/"
        assert browser.get(f"/t/{tenant_a.slug}/").status_code == 200
        assert browser.get(f"/t/{tenant_b.slug}/").status_code == 200  # still there
        assert _post(browser, link).headers["location"] == f"/t/{tenant_a.slug}/"
    assert _accounts(database, tenant_a, colleague.email) == (1, 1)


def test_a_different_signed_in_account_is_refused(
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    invite: Invite,
) -> None:
    email = _address()
    link = invite(email)
    someone_else = make_user(database, (tenant_b, Role.EDITOR))
    with another_client() as browser:
        login(browser, someone_else)
        page = browser.get(link)
        assert page.status_code == 403
        assert "invitation-wrong-account" in page.text and someone_else.email in page.text
        refused = _create_account(browser, link)
        assert refused.status_code == 403 and "invitation-wrong-account" in refused.text
        assert browser.get(f"/t/{tenant_a.slug}/").status_code == 404
    assert _user_count(database, email) == 0
    assert _membership_count(database, tenant_a, someone_else.email) == 0
    assert _invitation(database, tenant_a, email).accepted_at is None


def _refused(response: Any, state: str) -> bool:
    return f'data-state="{state}"' in response.text


def test_expired_revoked_used_and_unknown_links_change_nothing(
    client: TestClient[Any],
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    invite: Invite,
) -> None:
    expired_email, revoked_email, used_email = _address(), _address(), _address()
    expired = invite(expired_email)
    revoked = invite(revoked_email)
    used = invite(used_email)
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.execute(
            update(Invitation)
            .where(Invitation.email == expired_email)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    revoked_id = _invitation(database, tenant_a, revoked_email).id
    assert _post(
        client, f"/t/{tenant_a.slug}/members/invitations/{revoked_id}/revoke"
    ).status_code in (302, 303)
    with another_client() as owner:
        assert _create_account(owner, used).status_code in (302, 303)
    token = used.rsplit("/", 1)[1]
    with another_client() as browser:
        for link, email, state, status in (
            (expired, expired_email, "expired", 410),
            (revoked, revoked_email, "revoked", 410),
            (used, used_email, "accepted", 410),
            (f"/join/{tenant_a.slug}/{secrets.token_urlsafe(32)}", None, "invalid", 404),
            # The right token under another municipality's name is not found there.
            (f"/join/{tenant_b.slug}/{token}", None, "invalid", 404),
            (f"/join/no-such-municipality/{token}", None, "invalid", 404),
        ):
            page = browser.get(link)
            assert page.status_code == status and _refused(page, state), link
            attempt = _create_account(
                browser, link, name="Second Person", password="another person's passphrase"
            )
            assert attempt.status_code == status and _refused(attempt, state), link
            if email is not None:
                joined = 1 if email == used_email else 0
                assert _accounts(database, tenant_a, email) == (joined, joined)
    assert _actions(database, tenant_a).count("members.invitation_accepted") == 1


def test_resend_replaces_the_link_and_revoke_is_audited(
    client: TestClient[Any],
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    mailbox: Mailbox,
    deliver_mail: Callable[[], int],
    invite: Invite,
) -> None:
    email = _address()
    old_link = invite(email)
    invitation = _invitation(database, tenant_a, email)
    resent = _post(client, f"/t/{tenant_a.slug}/members/invitations/{invitation.id}/resend")
    assert resent.status_code in (302, 303)
    new_link = _link(mailbox, deliver_mail, email, count=2)
    assert new_link != old_link
    with another_client() as browser:
        dead = browser.get(old_link)
        assert dead.status_code == 404 and _refused(dead, "invalid")
        assert _create_account(browser, old_link).status_code == 404
        assert _user_count(database, email) == 0
        assert browser.get(new_link).status_code == 200
        assert _create_account(browser, new_link).status_code in (302, 303)
    actions = _actions(database, tenant_a)
    assert {"members.invited", "members.invitation_resent", "members.invitation_accepted"} <= set(
        actions
    )
    # An accepted invitation can be neither resent nor revoked.
    for verb in ("resend", "revoke"):
        late = _post(client, f"/t/{tenant_a.slug}/members/invitations/{invitation.id}/{verb}")
        assert late.status_code == 409 and "was accepted" in late.text
    other = _address()
    invite(other)
    other_id = _invitation(database, tenant_a, other).id
    page = client.get(f"/t/{tenant_a.slug}/members/")
    assert other in page.text and str(other_id) in page.text
    assert _post(
        client, f"/t/{tenant_a.slug}/members/invitations/{other_id}/revoke"
    ).status_code in (302, 303)
    assert other not in client.get(f"/t/{tenant_a.slug}/members/").text
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        event = session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "members.invitation_revoked", AuditEvent.entity_id == other_id
            )
        )
    assert event is not None and event.after == {"email": other}


def test_duplicate_invitations_and_members_are_refused_on_the_field(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    deliver_mail: Callable[[], int],
) -> None:
    admin = _admin(database, tenant_a)
    member = make_user(database, (tenant_a, Role.VIEWER))
    login(client, admin)
    email = _address()
    assert _invite(client, tenant_a, email).status_code in (302, 303)
    again = _invite(client, tenant_a, email.upper())
    assert again.status_code == 409
    assert 'id="email-error"' in again.text and "already has a pending invitation" in again.text
    existing = _invite(client, tenant_a, member.email)
    assert existing.status_code == 409 and "already a member" in existing.text
    bad = _invite(client, tenant_a, "not-an-address", role="mayor")
    assert bad.status_code == 422
    assert 'id="email-error"' in bad.text and 'id="role-error"' in bad.text
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        count = session.scalar(select(func.count()).select_from(Invitation))
    assert count == 1
    assert _actions(database, tenant_a).count("members.invited") == 1
    # Once the first invitation has expired, the address can be invited afresh.
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, tenant_a.id)
        session.execute(
            update(Invitation).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert _invite(client, tenant_a, email).status_code in (302, 303)
    deliver_mail()


def test_only_admins_invite(
    client: TestClient[Any],
    another_client: Callable[[], TestClient[Any]],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    editor_a: UserRef,
) -> None:
    login(client, editor_a)
    assert _invite(client, tenant_a, _address()).status_code == 403
    with another_client() as other:
        login(other, _admin(database, tenant_b))
        assert _invite(other, tenant_a, _address()).status_code == 404
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_unknown_invitation_ids_are_not_found(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    login(client, _admin(database, tenant_a))
    for verb in ("resend", "revoke"):
        url = f"/t/{tenant_a.slug}/members/invitations/{uuid.uuid4()}/{verb}"
        assert _post(client, url).status_code == 404
