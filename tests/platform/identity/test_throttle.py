"""Password guessing is slowed per client address and per account (429 + Retry-After)."""

from __future__ import annotations

from typing import Any

import redis
from litestar.testing import TestClient

from saypro.platform.db.engine import Database
from saypro.platform.identity.permissions import Role
from saypro.platform.identity.throttle import ACCOUNT_FAILURE_LIMIT
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.web.app import create_app
from tests.conftest import BASE_URL, csrf_token
from tests.factories import PASSWORD, TenantRef, make_user


def _attempt(client: TestClient[Any], email: str, password: str) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )


def test_an_account_refuses_sign_in_after_too_many_failures(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    target = make_user(database, (tenant_a, Role.VIEWER))
    bystander = make_user(database, (tenant_a, Role.VIEWER))
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        assert _attempt(client, target.email, "guess").status_code == 400
    locked = _attempt(client, target.email, PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in locked.text
    assert _attempt(client, bystander.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    for _ in range(ACCOUNT_FAILURE_LIMIT - 1):
        _attempt(client, user.email, "guess")
    assert _attempt(client, user.email, PASSWORD).status_code == 302
    assert _attempt(client, user.email, "guess").status_code == 400  # counting from zero again


def test_a_client_address_is_limited_per_minute(
    settings: Settings, services: Services, redis_url: str, database: Database, tenant_a: TenantRef
) -> None:
    strict = settings.model_copy(update={"login_attempts_per_minute": 3})
    user = make_user(database, (tenant_a, Role.VIEWER))
    store = redis.Redis.from_url(redis_url)
    for key in store.scan_iter(match="saypro-rate-limit*"):  # earlier sign-ins from this address
        store.delete(key)
    store.close()
    with TestClient(create_app(strict, services), base_url=BASE_URL) as client:
        statuses = [_attempt(client, user.email, "guess").status_code for _ in range(4)]
        # At most three get through in the minute (fewer if another run signs in from
        # this address at the same time); then every attempt is refused.
        answered = statuses[: statuses.index(429)] if 429 in statuses else statuses
        assert set(answered) <= {400} and len(answered) <= 3
        assert statuses[len(answered) :] == [429] * (4 - len(answered))
        limited = _attempt(client, user.email, PASSWORD)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
