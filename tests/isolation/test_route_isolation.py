"""Every route of the application that takes a municipality or an id, asked by the people
of municipality B (every municipal role, consultants not assigned to A, finance) for
municipality A's objects: never A's data, and nothing of A changes.

- A's address (``/t/{A}/…``) answers the same 404 as a municipality that does not exist.
- B's address with A's ids answers that 404 too, or 403 where the person's role in B
  lacks the route's permission (refused before anything is looked up).
- Platform routes (``/admin/…``) with A's ids answer 403: none of these people holds a
  platform permission.
- A route whose path parameter has no filler in :mod:`tests.isolation.world` fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.guards import PERMISSION_KEY, PUBLIC_KEY
from saypro.platform.identity.models import ConsultantAssignment, Membership
from saypro.platform.identity.permissions import (
    PLATFORM_PERMISSIONS,
    ConsultantRole,
    Permission,
    Role,
    StaffRole,
    role_grants,
)
from saypro.tenants.kpis.models import ActualValue, Indicator, Target
from saypro.tenants.strategy.models import Initiative, Objective
from tests.conftest import login
from tests.factories import (
    TenantRef,
    UserRef,
    assign_consultant,
    make_staff,
    make_user,
)
from tests.isolation.world import (
    FILLERS,
    PUBLIC_ROUTES_WITH_PARAMETERS,
    World,
    build_world,
    fill,
    parameters,
)

VALID_JSON = {
    "ObjectiveCreate": {"code": "XT1", "title": "Cross-tenant attempt"},
    "ObjectiveUpdate": {"title": "Cross-tenant attempt"},
    "InitiativeCreate": {"title": "Cross-tenant attempt"},
    "InitiativeUpdate": {"title": "Cross-tenant attempt"},
    "IndicatorCreate": {"code": "XT1", "name": "Cross-tenant attempt"},
    "IndicatorUpdate": {"name": "Cross-tenant attempt"},
    "TargetsSet": {"periods": [{"period": 1, "value": "1"}]},
    "ActualSet": {"value": "1"},
    "ScaleSettings": {"scale": "rag"},
}
VALID_FORM = {
    "role": "viewer",
    "code": "XT1",
    "title": "Cross-tenant attempt",
    "status": "not_started",
    "phase": "assessment",
    "weight": "1",
    "percent_complete": "10",
    "starts_on": "2026-01-01",
    "user_id": "",
}
NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "The requested resource was not found.",
}


def walked_routes(app: Litestar) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every route that takes a parameter, public ones with a
    stated reason excepted."""
    routes = []
    for route in app.routes:
        if not parameters(route.path) or route.path in PUBLIC_ROUTES_WITH_PARAMETERS:
            continue
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get(PUBLIC_KEY):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                routes.append((method, route.path, handler))
    return routes


def _request(client: TestClient[Any], method: str, path: str, handler: Any) -> Any:
    data_param = handler.parsed_fn_signature.parameters.get("data")
    if data_param is None:
        return client.request(method, path)
    name = getattr(data_param.annotation, "__name__", "")
    if name in VALID_JSON:
        return client.request(method, path, json=VALID_JSON[name])
    return client.request(
        method, path, data={**VALID_FORM, "_csrf_token": client.headers["x-csrftoken"]}
    )


def _is_the_uniform_404(url: str, response: Any) -> bool:
    if url.startswith("/api/"):
        return bool(response.json() == NOT_FOUND)
    return (
        "404 · Not Found" in response.text
        and "The requested resource was not found." in response.text
    )


def _snapshot(database: Database, world: World) -> tuple[Any, ...]:
    tenant_id = world.tenant.id
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant_id)
        objectives = session.query(Objective).order_by(Objective.id).all()
        initiatives = session.query(Initiative).order_by(Initiative.id).all()
        indicators = session.query(Indicator).order_by(Indicator.id).all()
        targets = session.query(Target).order_by(Target.id).all()
        actuals = session.query(ActualValue).order_by(ActualValue.id).all()
        members = session.execute(
            select(Membership.user_id, Membership.role)
            .where(Membership.tenant_id == tenant_id)
            .order_by(Membership.user_id)
        ).all()
        assignments = session.execute(
            select(ConsultantAssignment.user_id, ConsultantAssignment.ends_on).where(
                ConsultantAssignment.tenant_id == tenant_id
            )
        ).all()
        return (
            [(o.id, o.code, o.title, o.updated_at) for o in objectives],
            [(i.id, i.title, i.weight, i.updated_at) for i in initiatives],
            [tuple(m) for m in members],
            [tuple(a) for a in assignments],
            [(i.id, i.code, i.name, i.updated_at) for i in indicators],
            [(t.id, t.value, t.approved_at, t.updated_at) for t in targets],
            [(a.id, a.value) for a in actuals],
        )


# Who asks: (label, how to make them, their role in B or None).
Person = Callable[[Database, TenantRef, TenantRef], tuple[UserRef, Role | ConsultantRole | None]]


def _member(role: Role) -> Person:
    return lambda db, a, b: (make_user(db, (b, role)), role)


def _consultant_of_b_only(db: Database, a: TenantRef, b: TenantRef) -> tuple[UserRef, Any]:
    consultant = make_staff(db, StaffRole.CONSULTANT)
    assign_consultant(db, consultant, b, ConsultantRole.LEAD)
    return consultant, ConsultantRole.LEAD


def _consultant_whose_assignment_to_a_ended(
    db: Database, a: TenantRef, b: TenantRef
) -> tuple[UserRef, Any]:
    consultant = make_staff(db, StaffRole.CONSULTANT)
    today = today_sast()
    assign_consultant(
        db, consultant, a, starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=1)
    )
    assign_consultant(db, consultant, b, ConsultantRole.SUPPORT)
    return consultant, ConsultantRole.SUPPORT


def _consultant_assigned_to_a_from_tomorrow(
    db: Database, a: TenantRef, b: TenantRef
) -> tuple[UserRef, Any]:
    consultant = make_staff(db, StaffRole.CONSULTANT)
    assign_consultant(db, consultant, a, starts_on=today_sast() + timedelta(days=1))
    return consultant, None


def _finance(db: Database, a: TenantRef, b: TenantRef) -> tuple[UserRef, Any]:
    return make_staff(db, StaffRole.FINANCE), None


PEOPLE: dict[str, Person] = {
    **{f"b-{role.value}": _member(role) for role in Role},
    "consultant-of-b-only": _consultant_of_b_only,
    "consultant-whose-assignment-to-a-ended": _consultant_whose_assignment_to_a_ended,
    "consultant-assigned-to-a-from-tomorrow": _consultant_assigned_to_a_from_tomorrow,
    "finance": _finance,
}


def test_every_route_parameter_has_a_filler(app: Litestar) -> None:
    missing = sorted(
        {
            f"{path}: {name}"
            for _method, path, _handler in walked_routes(app)
            for name in parameters(path)
            if name != "tenant_slug" and name not in FILLERS
        }
    )
    assert missing == [], "add a filler for these in tests/isolation/world.py"
    assert len(walked_routes(app)) >= 25


@pytest.mark.parametrize("person", list(PEOPLE), ids=list(PEOPLE))
@pytest.mark.parametrize("use_own_slug", [False, True], ids=["a-address", "b-address-with-a-ids"])
def test_nobody_of_b_reaches_anything_of_a(
    app: Litestar,
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    person: str,
    use_own_slug: bool,
) -> None:
    world = build_world(database, tenant_a)
    user, role_in_b = PEOPLE[person](database, tenant_a, tenant_b)
    login(client, user)
    before = _snapshot(database, world)
    slug = tenant_b.slug if use_own_slug else tenant_a.slug
    failures = []
    checked = 0
    for method, path, handler in walked_routes(app):
        tenant_route = "{tenant_slug" in path
        if use_own_slug and tenant_route and parameters(path) == ["tenant_slug"]:
            continue  # no id of A in this address: the A-address case covers it
        if use_own_slug and not tenant_route:
            continue  # platform routes carry no municipality address
        url = fill(path, world, slug)
        response = _request(client, method, url, handler)
        checked += 1
        permission = Permission(handler.opt[PERMISSION_KEY])
        if not tenant_route:
            expected_refusal = permission in PLATFORM_PERMISSIONS and response.status_code == 403
            if not expected_refusal or tenant_a.name in response.text:
                failures.append(f"{method} {url} -> {response.status_code}")
            continue
        lacks_permission = role_in_b is None or not role_grants(role_in_b, permission)
        if (
            use_own_slug
            and role_in_b is not None
            and lacks_permission
            and (response.status_code == 403)
        ):
            continue
        if response.status_code != 404 or not _is_the_uniform_404(url, response):
            failures.append(f"{method} {url} -> {response.status_code} {response.text[:120]}")
    assert checked > 0
    assert failures == []
    assert _snapshot(database, world) == before
