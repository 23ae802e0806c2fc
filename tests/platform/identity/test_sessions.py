"""Session lifetime and password hashing upgrades."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy import select, update

from saypro.platform.db.engine import Database
from saypro.platform.identity import auth
from saypro.platform.identity.models import User
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
