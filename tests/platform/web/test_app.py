"""The request pipeline: authentication, tenant resolution, errors, probes, headers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.guards import PERMISSION_KEY, PUBLIC_KEY
from saypro.platform.identity.permissions import Permission, Role
from saypro.platform.logging import configure_logging
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.web.app import create_app
from tests.conftest import BASE_URL, csrf_token, login
from tests.factories import PASSWORD, TenantRef, UserRef, make_tenant, make_user

NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "The requested resource was not found.",
}


def test_healthz_and_readyz(client: TestClient[Any]) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_answers_503_when_redis_is_unreachable(
    settings: Settings, services: Services
) -> None:
    broken = Services(database=services.database, redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings, broken), base_url=BASE_URL) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["redis"].startswith("unavailable")


def test_pages_redirect_to_login_and_api_answers_401(
    client: TestClient[Any], tenant_a: TenantRef
) -> None:
    page = client.get(f"/t/{tenant_a.slug}/objectives/", follow_redirects=False)
    assert page.status_code in (302, 303)
    assert page.headers["location"].startswith("/login")
    api = client.get(f"/api/v1/t/{tenant_a.slug}/objectives")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")


def test_every_404_looks_the_same(
    client_a: TestClient[Any],
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    database: Database,
    another_client: Callable[[], TestClient[Any]],
) -> None:
    other = make_user(database, (tenant_b, Role.EDITOR))
    foreign = another_client()
    with foreign:
        login(foreign, other)
        b_objective = foreign.post(
            f"/api/v1/t/{tenant_b.slug}/objectives", json={"code": "B1", "title": "Beta only"}
        )
        assert b_objective.status_code == 201
    urls = [
        "/api/v1/t/no-such-municipality/objectives",  # unknown tenant
        f"/api/v1/t/{tenant_b.slug}/objectives",  # a tenant I am not a member of
        f"/api/v1/t/{tenant_a.slug}/objectives/{uuid.uuid4()}",  # unknown id
        f"/api/v1/t/{tenant_a.slug}/objectives/{b_objective.json()['id']}",  # another tenant's id
        "/api/v1/nothing-here",  # unknown route
    ]
    for url in urls:
        response = client_a.get(url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), url


def test_validation_errors_name_the_field_and_write_nothing(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    base = f"/api/v1/t/{tenant_a.slug}/objectives"
    response = client_a.post(base, json={"code": "SO1", "title": ""})
    assert response.status_code in (400, 422)
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "title" in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["title"]
    assert client_a.get(base).json()["total"] == 0


def test_viewer_may_read_but_not_write(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    viewer = make_user(database, (tenant_a, Role.VIEWER))
    login(client, viewer)
    base = f"/api/v1/t/{tenant_a.slug}/objectives"
    assert client.get(base).status_code == 200
    refused = client.post(base, json={"code": "SO1", "title": "Not allowed"})
    assert refused.status_code == 403
    assert client.get(base).json()["total"] == 0


def test_unsafe_requests_need_the_csrf_token(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    token = client_a.headers.pop("x-csrftoken")
    refused = client_a.post(
        f"/api/v1/t/{tenant_a.slug}/objectives", json={"code": "SO1", "title": "No token"}
    )
    assert refused.status_code == 403
    client_a.headers["x-csrftoken"] = token
    assert client_a.get(f"/api/v1/t/{tenant_a.slug}/objectives").json()["total"] == 0


def test_wrong_password_is_refused_with_a_message(
    client: TestClient[Any], editor_a: UserRef
) -> None:
    response = client.post(
        "/login",
        data={"email": editor_a.email, "password": "wrong", "_csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    assert "Email or password is incorrect" in response.text


def test_login_rotates_the_session_and_logout_ends_it(
    client: TestClient[Any], editor_a: UserRef, tenant_a: TenantRef
) -> None:
    from saypro.platform.identity.auth import SESSION_COOKIE

    client.get("/login")
    before = client.cookies.get(SESSION_COOKIE)
    login(client, editor_a)
    assert client.cookies.get(SESSION_COOKIE) not in (None, before)
    assert client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code == 200
    client.post("/logout", data={"_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert client.get(f"/t/{tenant_a.slug}/", follow_redirects=False).status_code in (302, 303)


def test_tenant_switcher_lists_every_membership(
    client: TestClient[Any], database: Database
) -> None:
    first, second = make_tenant(database), make_tenant(database)
    user = make_user(database, (first, Role.VIEWER), (second, Role.EDITOR))
    login(client, user)
    home = client.get("/")
    assert first.name in home.text and second.name in home.text
    workspace = client.get(f"/t/{second.slug}/")
    assert 'data-testid="tenant-switcher"' in workspace.text
    assert f"/t/{first.slug}/" in workspace.text


def test_single_membership_goes_straight_to_the_workspace(
    client_a: TestClient[Any], tenant_a: TenantRef
) -> None:
    response = client_a.get("/", follow_redirects=False)
    assert response.headers["location"] == f"/t/{tenant_a.slug}/"


def test_security_headers_and_request_id(client: TestClient[Any]) -> None:
    response = client.get("/login", headers={"x-request-id": "req-12345678"})
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-request-id"] == "req-12345678"
    assert len(client.get("/healthz").headers["x-request-id"]) >= 8


def test_logs_are_json_with_request_and_tenant_id(
    client_a: TestClient[Any], tenant_a: TenantRef, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    capsys.readouterr()
    client_a.get(
        f"/api/v1/t/{tenant_a.slug}/objectives", headers={"x-request-id": "trace-abcdef12"}
    )
    captured = capsys.readouterr().err
    configure_logging("WARNING", "json")
    lines = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    access = [
        line
        for line in lines
        if line.get("event") == "request" and line.get("request_id") == "trace-abcdef12"
    ]
    assert access, lines
    assert access[0]["tenant_id"] == str(tenant_a.id)
    assert access[0]["status"] == 200


def test_openapi_documents_the_json_api_only(client: TestClient[Any]) -> None:
    schema = client.get("/api/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/t/{tenant_slug}/objectives" in paths
    assert all(path.startswith("/api/") for path in paths)


def test_every_route_declares_a_permission_or_is_public(app: Litestar) -> None:
    undeclared = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.http_methods == {"OPTIONS"} and handler.handler_name == "options_handler":
                continue  # generated by the framework; answered by the default-deny guard
            opt = handler.opt
            if opt.get(PUBLIC_KEY):
                continue
            permission = opt.get(PERMISSION_KEY)
            if permission is None:
                undeclared.append(f"{route.path} {handler}")
            elif permission != "account.self":
                Permission(permission)  # a known, named permission
    assert undeclared == []


def test_a_route_without_a_permission_is_denied(
    settings: Settings, services: Services, editor_a: UserRef
) -> None:
    from litestar import get

    @get("/undeclared")
    async def undeclared() -> str:
        return "should never be served"

    app = create_app(settings, services)
    app.register(undeclared)
    with TestClient(app, base_url=BASE_URL) as client:
        login(client, editor_a)
        assert client.get("/undeclared").status_code == 403


def test_problem_pages_are_friendly_html(client_a: TestClient[Any], tenant_a: TenantRef) -> None:
    response = client_a.get(f"/t/{tenant_a.slug}/objectives/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "The requested resource was not found." in response.text


def test_argon2id_hashes_are_stored(database: Database, editor_a: UserRef) -> None:
    from sqlalchemy import select

    from saypro.platform.identity.models import User

    with database.sync_sessions() as session:
        stored = session.scalar(select(User.password_hash).where(User.id == editor_a.id))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored
