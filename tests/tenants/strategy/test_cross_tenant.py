"""Every tenant route, API and page, answers 404 to a user of another municipality, for
the other municipality's URL and for the other municipality's ids; nothing changes."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.guards import PERMISSION_KEY
from saypro.platform.identity.models import Membership
from saypro.platform.identity.permissions import Permission, Role, role_grants
from saypro.tenants.strategy.models import Initiative, Objective
from tests.conftest import login
from tests.factories import make_user
from tests.platform.privacy.factories import make_export
from tests.tenants.strategy.conftest import ObjectiveRef

VALID_JSON = {
    "ObjectiveCreate": {"code": "XT1", "title": "Cross-tenant attempt"},
    "ObjectiveUpdate": {"title": "Cross-tenant attempt"},
    "InitiativeCreate": {"title": "Cross-tenant attempt"},
    "InitiativeUpdate": {"title": "Cross-tenant attempt"},
}
VALID_FORM = {
    "role": "viewer",
    "code": "XT1",
    "title": "Cross-tenant attempt",
    "status": "not_started",
    "phase": "assessment",
    "weight": "1",
    "percent_complete": "10",
}


def tenant_routes(app: Litestar) -> list[tuple[str, str, Any]]:
    routes = []
    for route in app.routes:
        if "{tenant_slug" not in route.path:
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                routes.append((method, route.path, handler))
    return routes


def _request(client: TestClient[Any], method: str, path: str, handler: Any) -> Any:
    data_param = handler.parsed_fn_signature.parameters.get("data")
    if data_param is None:
        return client.request(method, path)
    annotation = data_param.annotation
    name = getattr(annotation, "__name__", "")
    if name in VALID_JSON:
        return client.request(method, path, json=VALID_JSON[name])
    return client.request(
        method, path, data={**VALID_FORM, "_csrf_token": client.headers["x-csrftoken"]}
    )


def _fill(
    path: str, slug: str, ids: ObjectiveRef, member_id: uuid.UUID, export_id: uuid.UUID
) -> str:
    path = re.sub(r"\{tenant_slug:str\}", slug, path)
    path = re.sub(r"\{user_id:uuid\}", str(member_id), path)
    path = re.sub(r"\{export_id:uuid\}", str(export_id), path)
    path = re.sub(r"\{objective_id:uuid\}", str(ids.objective_id), path)
    return re.sub(r"\{initiative_id:uuid\}", str(ids.initiative_id), path)


NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "The requested resource was not found.",
}


def _is_the_uniform_404(url: str, response: Any) -> bool:
    """Identical to the answer for something that does not exist."""
    if url.startswith("/api/"):
        return bool(response.json() == NOT_FOUND)
    return (
        "404 · Not Found" in response.text
        and "The requested resource was not found." in response.text
    )


def _snapshot(database: Database, ids: ObjectiveRef) -> tuple[Any, ...]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, ids.tenant.id)
        objectives = session.query(Objective).order_by(Objective.id).all()
        initiatives = session.query(Initiative).order_by(Initiative.id).all()
        members = (
            session.query(Membership.user_id, Membership.role)
            .filter(Membership.tenant_id == ids.tenant.id)
            .order_by(Membership.user_id)
            .all()
        )
        return (
            [(o.id, o.code, o.title, o.updated_at) for o in objectives],
            [(i.id, i.title, i.weight, i.updated_at) for i in initiatives],
            [tuple(m) for m in members],
        )


def test_the_route_table_has_tenant_routes(app: Litestar) -> None:
    methods = {(m, p) for m, p, _ in tenant_routes(app)}
    assert len(methods) >= 20


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize(
    "use_own_slug", [False, True], ids=["other-tenant-url", "own-url-other-tenant-ids"]
)
def test_every_tenant_route_answers_404_across_tenants(
    app: Litestar,
    client: TestClient[Any],
    database: Database,
    objective_a: ObjectiveRef,
    objective_b: ObjectiveRef,
    use_own_slug: bool,
    role: Role,
) -> None:
    """Each role of municipality B, asking for municipality A's objects: never A's data.
    A's URL is always 404; B's URL with A's ids is 404, or 403 where B's role lacks the
    route's permission (refused before any data is looked up)."""
    login(client, make_user(database, (objective_b.tenant, role)))
    member_of_a = make_user(database, (objective_a.tenant, Role.TENANT_ADMIN))
    export_of_a = make_export(database, objective_a.tenant)
    before = _snapshot(database, objective_a)
    slug = objective_b.tenant.slug if use_own_slug else objective_a.tenant.slug
    failures = []
    checked = 0
    for method, path, handler in tenant_routes(app):
        if use_own_slug and not any(
            f"{{{name}" in path for name in ("objective_id", "user_id", "export_id")
        ):
            continue  # no ids of A in this URL: covered by the other-tenant-url case
        url = _fill(path, slug, objective_a, member_of_a.id, export_of_a)
        response = _request(client, method, url, handler)
        checked += 1
        permitted = role_grants(role, Permission(handler.opt[PERMISSION_KEY]))
        if use_own_slug and not permitted and response.status_code == 403:
            continue
        if response.status_code != 404 or not _is_the_uniform_404(url, response):
            failures.append(f"{method} {url} -> {response.status_code} {response.text[:120]}")
    assert checked > 0
    assert failures == []
    assert _snapshot(database, objective_a) == before
