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

from saypro.platform.clock import today_sast
from saypro.platform.db.engine import Database
from saypro.platform.identity.guards import PERMISSION_KEY, PUBLIC_KEY, SIGNED_IN
from saypro.platform.identity.permissions import (
    ConsultantRole,
    Permission,
    Role,
    StaffRole,
    role_grants,
)
from tests.conftest import login
from tests.factories import (
    TenantRef,
    UserRef,
    assign_consultant,
    make_staff,
    make_user,
)
from tests.isolation.walk import is_the_uniform_404, request_route, snapshot, walked_routes
from tests.isolation.world import (
    FILLERS,
    PUBLIC_ROUTES_WITH_PARAMETERS,
    build_world,
    fill,
    parameters,
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
    unexplained = sorted(
        route.path
        for route in app.routes
        if parameters(route.path)
        and route.path not in PUBLIC_ROUTES_WITH_PARAMETERS
        and any(h.opt.get(PUBLIC_KEY) for h in getattr(route, "route_handlers", []))
    )
    assert unexplained == [], "say in PUBLIC_ROUTES_WITH_PARAMETERS why these may be public"
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
    before = snapshot(database, world)
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
        response = request_route(client, method, url, handler)
        checked += 1
        if not tenant_route:
            # Someone else's account object is simply not found; platform routes refuse
            # people without the platform permission before looking anything up.
            own_account_route = handler.opt[PERMISSION_KEY] == SIGNED_IN
            expected = 404 if own_account_route else 403
            if response.status_code != expected or tenant_a.name in response.text:
                failures.append(f"{method} {url} -> {response.status_code}")
            continue
        permission = Permission(handler.opt[PERMISSION_KEY])
        lacks_permission = role_in_b is None or not role_grants(role_in_b, permission)
        if (
            use_own_slug
            and role_in_b is not None
            and lacks_permission
            and (response.status_code == 403)
        ):
            continue
        if response.status_code != 404 or not is_the_uniform_404(url, response):
            failures.append(f"{method} {url} -> {response.status_code} {response.text[:120]}")
    assert checked > 0
    assert failures == []
    assert snapshot(database, world) == before
