"""An API token of municipality B, walked over every route that takes a municipality or an
id: on the API it gets the uniform 404 for A's address, and for B's address with A's ids
(or 403 where the token's scope lacks the route's permission); every page refuses it
(401); A's data never changes."""

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
from tests.factories import TenantRef, make_user
from tests.isolation.walk import is_the_uniform_404, request_route, snapshot, walked_routes
from tests.isolation.world import build_world, fill, parameters
from tests.platform.identity.tokens import bearer, make_token

SCOPES = {
    "everything-the-role-grants": ROLE_PERMISSIONS[Role.TENANT_ADMIN] & WORKSPACE_PERMISSIONS,
    "read-only": frozenset({Permission.WORKSPACE_READ, Permission.STRATEGY_READ}),
}


@pytest.mark.parametrize("scope_name", list(SCOPES))
@pytest.mark.parametrize("use_own_slug", [False, True], ids=["a-address", "b-address-with-a-ids"])
def test_a_token_of_another_municipality_gets_nothing(
    app: Litestar,
    another_client: Callable[[], TestClient[Litestar]],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
    use_own_slug: bool,
    scope_name: str,
) -> None:
    scope = SCOPES[scope_name]
    world = build_world(database, tenant_a)
    admin_of_b = make_user(database, (tenant_b, Role.TENANT_ADMIN))
    _, secret = make_token(database, admin_of_b, tenant_b, scope)
    before = snapshot(database, world)
    slug = tenant_b.slug if use_own_slug else tenant_a.slug
    failures = []
    api_checked = pages_checked = 0
    with another_client() as script:
        script.headers.update(bearer(secret))
        # Only for the form branch (pages): a token-only request is not CSRF-checked.
        script.headers["x-csrftoken"] = "not-needed"
        for method, path, handler in walked_routes(app):
            if "{tenant_slug" not in path:
                continue  # platform routes: pages, which refuse tokens (below, by address)
            if use_own_slug and parameters(path) == ["tenant_slug"]:
                continue  # no id of A in this address: the A-address case covers it
            url = fill(path, world, slug)
            response = request_route(script, method, url, handler)
            if not url.startswith("/api/"):
                pages_checked += 1
                if response.status_code != 401:
                    failures.append(f"page {method} {url} -> {response.status_code}")
                continue
            api_checked += 1
            permitted = Permission(handler.opt[PERMISSION_KEY]) in scope
            if use_own_slug and not permitted and response.status_code == 403:
                continue
            if response.status_code != 404 or not is_the_uniform_404(url, response):
                failures.append(f"{method} {url} -> {response.status_code} {response.text[:120]}")
    assert api_checked > 0 and pages_checked > 0
    assert failures == []
    assert snapshot(database, world) == before


def test_a_token_gets_nothing_from_platform_pages(
    another_client: Callable[[], TestClient[Litestar]],
    database: Database,
    tenant_a: TenantRef,
    tenant_b: TenantRef,
) -> None:
    admin_of_b = make_user(database, (tenant_b, Role.TENANT_ADMIN))
    _, secret = make_token(database, admin_of_b, tenant_b, SCOPES["read-only"])
    with another_client() as script:
        script.headers.update(bearer(secret))
        for url in (f"/admin/tenants/{tenant_a.id}", "/admin/staff/", "/portfolio", "/"):
            assert script.get(url, follow_redirects=False).status_code == 401, url
