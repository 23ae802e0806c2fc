"""An API token of municipality B, walked over every tenant route: on the API it gets the
uniform 404 for A's URL, and for B's URL with A's ids (or 403 where the token's scope
lacks the route's permission); every page refuses it (401); A's data never changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.guards import PERMISSION_KEY
from saypro.platform.identity.permissions import (
    ROLE_PERMISSIONS,
    WORKSPACE_PERMISSIONS,
    Permission,
    Role,
)
from tests.factories import make_user
from tests.platform.identity.tokens import bearer, make_token
from tests.tenants.strategy.conftest import ObjectiveRef
from tests.tenants.strategy.test_cross_tenant import (
    _fill,
    _is_the_uniform_404,
    _request,
    _snapshot,
    tenant_routes,
)

SCOPES = {
    "everything-the-role-grants": ROLE_PERMISSIONS[Role.TENANT_ADMIN] & WORKSPACE_PERMISSIONS,
    "read-only": frozenset({Permission.WORKSPACE_READ, Permission.STRATEGY_READ}),
}


@pytest.mark.parametrize("scope_name", list(SCOPES))
@pytest.mark.parametrize(
    "use_own_slug", [False, True], ids=["other-tenant-url", "own-url-other-tenant-ids"]
)
def test_a_token_of_another_municipality_gets_nothing(
    app: Litestar,
    another_client: Callable[[], TestClient[Litestar]],
    database: Database,
    objective_a: ObjectiveRef,
    objective_b: ObjectiveRef,
    use_own_slug: bool,
    scope_name: str,
) -> None:
    scope = SCOPES[scope_name]
    admin_of_b = make_user(database, (objective_b.tenant, Role.TENANT_ADMIN))
    _, secret = make_token(database, admin_of_b, objective_b.tenant, scope)
    member_of_a = make_user(database, (objective_a.tenant, Role.TENANT_ADMIN))
    before = _snapshot(database, objective_a)
    slug = objective_b.tenant.slug if use_own_slug else objective_a.tenant.slug
    failures = []
    api_checked = pages_checked = 0
    with another_client() as script:
        script.headers.update(bearer(secret))
        # Only for _request's form branch (pages): a token-only request is not CSRF-checked.
        script.headers["x-csrftoken"] = "not-needed"
        for method, path, handler in tenant_routes(app):
            if use_own_slug and "{objective_id" not in path and "{user_id" not in path:
                continue  # no ids of A in this URL: covered by the other-tenant-url case
            url = _fill(path, slug, objective_a, member_of_a.id)
            response = _request(script, method, url, handler)
            if not url.startswith("/api/"):
                pages_checked += 1
                if response.status_code != 401:
                    failures.append(f"page {method} {url} -> {response.status_code}")
                continue
            api_checked += 1
            permitted = Permission(handler.opt[PERMISSION_KEY]) in scope
            if use_own_slug and not permitted and response.status_code == 403:
                continue
            if response.status_code != 404 or not _is_the_uniform_404(url, response):
                failures.append(f"{method} {url} -> {response.status_code} {response.text[:120]}")
    assert api_checked > 0 and pages_checked > 0
    assert failures == []
    assert _snapshot(database, objective_a) == before


def test_the_walk_covers_every_api_route(app: Litestar) -> None:
    api_routes = {(m, p) for m, p, _ in tenant_routes(app) if p.startswith("/api/v1/t/")}
    assert len(api_routes) >= 8
