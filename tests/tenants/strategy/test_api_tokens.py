"""Personal API tokens on the JSON API: Bearer authentication within the token's scope
and the user's current role, refusals (401 with ``WWW-Authenticate``), last-used time,
CSRF for token and cookie requests, pages refusing tokens, and the OpenAPI scheme."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.api_tokens import utcnow
from saypro.platform.identity.auth import SESSION_COOKIE
from saypro.platform.identity.models import ConsultantAssignment, Membership, User
from saypro.platform.identity.permissions import ConsultantRole, Permission, Role, StaffRole
from saypro.platform.identity.token_models import ApiToken
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, UserRef, assign_consultant, make_staff, make_user
from tests.platform.identity.tokens import bearer, make_token, tokens_of

READ = [Permission.WORKSPACE_READ, Permission.STRATEGY_READ]
WRITE = [*READ, Permission.STRATEGY_WRITE]


@pytest.fixture
def script(
    another_client: Callable[[], TestClient[Litestar]],
) -> Iterator[TestClient[Litestar]]:
    """A program calling the API: no cookies, no CSRF token, only what it is given."""
    with another_client() as test_client:
        yield test_client


def _objectives(tenant: TenantRef) -> str:
    return f"/api/v1/t/{tenant.slug}/objectives"


def _set_membership(
    database: Database, user: UserRef, tenant: TenantRef, role: Role | None
) -> None:
    with database.sync_sessions() as session, session.begin():
        where = (Membership.user_id == user.id, Membership.tenant_id == tenant.id)
        if role is None:
            session.execute(delete(Membership).where(*where))
        else:
            session.execute(update(Membership).where(*where).values(role=role))


def _assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401 and response.json()["title"] == "Unauthorized"
    assert "set-cookie" not in response.headers


def test_a_token_reads_and_writes_only_within_its_permissions(
    script: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    _, reader = make_token(database, editor_a, tenant_a, READ)
    _, writer = make_token(database, editor_a, tenant_a, WRITE)
    listed = script.get(_objectives(tenant_a), headers=bearer(reader))
    assert listed.status_code == 200 and listed.json()["total"] == 0
    refused = script.post(
        _objectives(tenant_a), json={"code": "T1", "title": "Read only"}, headers=bearer(reader)
    )
    assert refused.status_code == 403
    assert "API token does not grant strategy.write" in refused.json()["detail"]

    created = script.post(
        _objectives(tenant_a), json={"code": "T1", "title": "By token"}, headers=bearer(writer)
    )
    assert created.status_code == 201, created.text
    # A token request neither needs nor gets a session or a CSRF cookie.
    assert "set-cookie" not in created.headers and "set-cookie" not in listed.headers
    assert script.cookies.get(SESSION_COOKIE) is None
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.entity_id == created.json()["id"])
        )
    assert event is not None and event.actor_id == editor_a.id


@pytest.mark.parametrize(
    "presented",
    ["spk_unknownunknownunknownunknownunknownunknown", "not-a-token", "", "spk_" + "x" * 500],
    ids=["unknown", "malformed", "empty", "oversized"],
)
def test_an_unknown_token_is_refused(
    script: TestClient[Any], tenant_a: TenantRef, presented: str
) -> None:
    _assert_invalid_token(script.get(_objectives(tenant_a), headers=bearer(presented)))


def test_an_api_request_without_credentials_is_told_to_bring_a_token(
    script: TestClient[Any], tenant_a: TenantRef
) -> None:
    response = script.get(_objectives(tenant_a))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="SayPro API"'
    assert response.json()["status"] == 401


def test_an_expired_token_is_refused(
    script: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    _, secret = make_token(
        database, editor_a, tenant_a, READ, expires_at=utcnow() - timedelta(seconds=1)
    )
    _assert_invalid_token(script.get(_objectives(tenant_a), headers=bearer(secret)))


def test_a_revoked_token_is_refused_from_the_next_request(
    script: TestClient[Any],
    client_a: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    editor_a: UserRef,
) -> None:
    token_id, secret = make_token(database, editor_a, tenant_a, READ)
    assert script.get(_objectives(tenant_a), headers=bearer(secret)).status_code == 200
    revoked = client_a.post(
        f"/account/tokens/{token_id}/revoke",
        data={"_csrf_token": csrf_token(client_a)},
        follow_redirects=False,
    )
    assert revoked.status_code in (302, 303)
    _assert_invalid_token(script.get(_objectives(tenant_a), headers=bearer(secret)))


def test_last_use_is_recorded_at_most_once_a_minute(
    script: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    token_id, secret = make_token(database, editor_a, tenant_a, READ)
    assert tokens_of(database, editor_a)[0].last_used_at is None
    before = utcnow()
    assert script.get(_objectives(tenant_a), headers=bearer(secret)).status_code == 200
    first = tokens_of(database, editor_a)[0].last_used_at
    assert first is not None and first >= before
    assert script.get(_objectives(tenant_a), headers=bearer(secret)).status_code == 200
    assert tokens_of(database, editor_a)[0].last_used_at == first  # no write within the minute

    long_ago = utcnow() - timedelta(minutes=5)
    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=long_ago)
        )
    # A refused request (403 here) still used the token.
    assert script.post(_objectives(tenant_a), json={}, headers=bearer(secret)).status_code == 403
    latest = tokens_of(database, editor_a)[0].last_used_at
    assert latest is not None and latest > long_ago + timedelta(minutes=4)


def test_a_role_downgrade_narrows_the_token_and_leaving_stops_it(
    script: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    _, secret = make_token(database, editor_a, tenant_a, WRITE)
    url = _objectives(tenant_a)
    assert (
        script.post(url, json={"code": "D1", "title": "Editor"}, headers=bearer(secret)).status_code
        == 201
    )
    _set_membership(database, editor_a, tenant_a, Role.VIEWER)
    downgraded = script.post(url, json={"code": "D2", "title": "Viewer"}, headers=bearer(secret))
    assert downgraded.status_code == 403
    assert "your role does not grant strategy.write" in downgraded.json()["detail"]
    assert script.get(url, headers=bearer(secret)).status_code == 200
    _set_membership(database, editor_a, tenant_a, None)
    _assert_invalid_token(script.get(url, headers=bearer(secret)))


def test_removing_a_member_revokes_their_tokens_for_good(
    script: TestClient[Any],
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
) -> None:
    """Let back in later, the person does not get the old tokens back; their tokens for
    other municipalities are untouched."""
    member = make_user(database, (tenant_a, Role.EDITOR), (tenant_b, Role.EDITOR))
    _, secret_a = make_token(database, member, tenant_a, READ)
    _, secret_b = make_token(database, member, tenant_b, READ)
    login(client, make_user(database, (tenant_a, Role.TENANT_ADMIN)))
    removed = client.post(
        f"/t/{tenant_a.slug}/members/{member.id}/remove",
        data={"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert removed.status_code in (302, 303)
    by_tenant = {t.tenant_id: t for t in tokens_of(database, member)}
    assert by_tenant[tenant_a.id].revoked_at is not None
    assert by_tenant[tenant_b.id].revoked_at is None
    with database.sync_sessions() as session, session.begin():
        session.add(Membership(user_id=member.id, tenant_id=tenant_a.id, role=Role.EDITOR))
    _assert_invalid_token(script.get(_objectives(tenant_a), headers=bearer(secret_a)))
    assert script.get(_objectives(tenant_b), headers=bearer(secret_b)).status_code == 200
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_a.id)
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == by_tenant[tenant_a.id].id)
        ).all()
    assert list(actions) == ["identity.api_token_revoked"]


def test_a_deactivated_account_or_a_password_change_stops_older_tokens(
    script: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    for column in ("is_active", "sessions_valid_after"):
        user = make_user(database, (tenant_a, Role.EDITOR))
        _, secret = make_token(database, user, tenant_a, READ)
        assert script.get(_objectives(tenant_a), headers=bearer(secret)).status_code == 200
        # A password change sets the cut-off to its moment: after the token was made.
        change = {"is_active": False} if column == "is_active" else {column: utcnow()}
        with database.sync_sessions() as session, session.begin():
            session.execute(update(User).where(User.id == user.id).values(**change))
        _assert_invalid_token(script.get(_objectives(tenant_a), headers=bearer(secret)))


def test_a_consultants_token_lasts_as_long_as_the_assignment(
    script: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    # Staff have their second factor on (they could not have made a token otherwise).
    consultant = make_staff(database, StaffRole.CONSULTANT, name="SayPro Consultant")
    assign_consultant(
        database, consultant, tenant_a, ConsultantRole.SUPPORT, starts_on=date(2026, 1, 1)
    )
    _, secret = make_token(database, consultant, tenant_a, WRITE)
    url = _objectives(tenant_a)
    created = script.post(url, json={"code": "C1", "title": "Support"}, headers=bearer(secret))
    assert created.status_code == 201, created.text
    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(ConsultantAssignment)
            .where(ConsultantAssignment.user_id == consultant.id)
            .values(ends_on=today_sast() - timedelta(days=1))
        )
    _assert_invalid_token(script.get(url, headers=bearer(secret)))


def test_pages_refuse_tokens(
    script: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    _, secret = make_token(database, editor_a, tenant_a, WRITE)
    for path in (f"/t/{tenant_a.slug}/", f"/t/{tenant_a.slug}/objectives/", "/account/tokens", "/"):
        response = script.get(path, headers=bearer(secret), follow_redirects=False)
        assert response.status_code == 401, (path, response.status_code)
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_request"')
        assert "/api/" in response.text and "set-cookie" not in response.headers
    # Nor can a token make more tokens.
    made = script.post(
        "/account/tokens",
        data={"name": "x", "tenant": tenant_a.slug, "permissions": "strategy.read"},
        headers=bearer(secret),
        follow_redirects=False,
    )
    assert made.status_code == 401
    assert len(tokens_of(database, editor_a)) == 1


def test_a_cookie_session_still_needs_the_csrf_token_on_the_api(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    url = _objectives(tenant_a)
    header = client_a.headers.pop("x-csrftoken")
    assert client_a.post(url, json={"code": "X1", "title": "Forged"}).status_code == 403
    assert client_a.get(url).json()["total"] == 0
    created = client_a.post(
        url, json={"code": "X1", "title": "Real"}, headers={"x-csrftoken": header}
    )
    assert created.status_code == 201


def test_a_token_sent_with_a_session_cookie_still_needs_the_csrf_token(
    client: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    """The browser's cookie came along, so the request is treated as a browser's: the
    CSRF token is required. The token still decides who acts (the viewer's session
    could not write at all)."""
    viewer = make_user(database, (tenant_a, Role.VIEWER))
    login(client, viewer)
    header = client.headers.pop("x-csrftoken")
    _, secret = make_token(database, editor_a, tenant_a, WRITE)
    url = _objectives(tenant_a)
    forged = client.post(url, json={"code": "B1", "title": "Both"}, headers=bearer(secret))
    assert forged.status_code == 403
    assert client.get(url, headers=bearer(secret)).json()["total"] == 0
    allowed = client.post(
        url, json={"code": "B1", "title": "Both"}, headers={**bearer(secret), "x-csrftoken": header}
    )
    assert allowed.status_code == 201, allowed.text
    # The browser's session is untouched by the token request.
    assert client.get("/account/tokens").status_code == 200


def test_a_bearer_header_does_not_skip_csrf_where_nothing_is_authenticated(
    script: TestClient[Any], database: Database, tenant_a: TenantRef, editor_a: UserRef
) -> None:
    _, secret = make_token(database, editor_a, tenant_a, WRITE)
    sign_in = script.post(
        "/login",
        data={"email": editor_a.email, "password": "correct horse battery staple"},
        headers=bearer(secret),
        follow_redirects=False,
    )
    assert sign_in.status_code == 403


def test_the_openapi_document_describes_bearer_tokens(client: TestClient[Any]) -> None:
    document = client.get("/api/schema/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"]["type"] == "http"
    assert schemes["bearerToken"]["scheme"] == "bearer"
    assert "sessionCookie" in schemes
    assert {"bearerToken": []} in document["security"]
    assert {"sessionCookie": []} in document["security"]
