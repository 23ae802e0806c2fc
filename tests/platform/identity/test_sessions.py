"""Session lifetime and password hashing upgrades."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy import select, update

from saypro.platform.db.engine import Database
from saypro.platform.identity import auth
from saypro.platform.identity.models import Membership, User
from saypro.platform.identity.permissions import Role
from tests.conftest import login
from tests.factories import PASSWORD, TenantRef, make_user


def test_a_session_ends_at_the_absolute_time_out(
    client_a: TestClient[Any], tenant_a: TenantRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"/t/{tenant_a.slug}/"
    assert client_a.get(url, follow_redirects=False).status_code == 200
    signed_in = auth.now()
    monkeypatch.setattr(auth, "now", lambda: signed_in + 11 * 3600)
    assert client_a.get(url, follow_redirects=False).status_code == 200
    monkeypatch.setattr(auth, "now", lambda: signed_in + 13 * 3600)
    assert client_a.get(url, follow_redirects=False).headers["location"].startswith("/login")


def test_weaker_password_hashes_are_upgraded_at_sign_in(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with database.sync_sessions() as session, session.begin():
        session.execute(update(User).where(User.id == user.id).values(password_hash=weak))
    login(client, user)
    with database.sync_sessions() as session:
        upgraded = session.scalar(select(User.password_hash).where(User.id == user.id))
    assert upgraded is not None and upgraded != weak
    assert upgraded.startswith("$argon2id$") and "m=65536" in upgraded


def test_a_privilege_change_replaces_the_session_id(
    client: TestClient[Any],
    database: Database,
    tenant_a: TenantRef,
    another_client: Callable[[], TestClient[Any]],
) -> None:
    user = make_user(database, (tenant_a, Role.VIEWER))
    login(client, user)
    url = f"/t/{tenant_a.slug}/"
    assert client.get(url).status_code == 200
    before = client.cookies[auth.SESSION_COOKIE]
    assert client.get(url).status_code == 200
    assert client.cookies[auth.SESSION_COOKIE] == before  # nothing changed: same id

    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(Membership)
            .where(Membership.user_id == user.id, Membership.tenant_id == tenant_a.id)
            .values(role=Role.EDITOR)
        )
    assert client.get(url).status_code == 200
    after = client.cookies[auth.SESSION_COOKIE]
    assert after != before
    # The old id is gone from the server: a browser still holding it is signed out.
    with another_client() as stale:
        stale.cookies.set(auth.SESSION_COOKIE, before, domain="testserver.local")
        assert stale.get(url, follow_redirects=False).status_code in (302, 303)
    with another_client() as current:  # while the new id works anywhere
        current.cookies.set(auth.SESSION_COOKIE, after, domain="testserver.local")
        assert current.get(url, follow_redirects=False).status_code == 200
