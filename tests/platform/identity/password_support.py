"""Helpers shared by the password change and password reset tests: what a fresh browser
may sign in with, whether a browser was signed out, and what went on the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from tests.conftest import csrf_token, login
from tests.factories import TenantRef, UserRef


@contextmanager
def signed_in_elsewhere(
    another_client: Callable[[], TestClient[Any]], user: UserRef, workspace: str
) -> Iterator[TestClient[Any]]:
    """A second browser (a laptop) where ``user`` is signed in and reaches ``workspace``."""
    with another_client() as laptop:
        login(laptop, user)
        assert laptop.get(workspace, follow_redirects=False).status_code == 200
        yield laptop


def login_status(client: TestClient[Any], email: str, password: str) -> int:
    """The status of one sign-in attempt (400: refused)."""
    return client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": csrf_token(client)}
    ).status_code


def signed_out(client: TestClient[Any], path: str) -> bool:
    """Whether ``client`` is sent to the sign-in page when it asks for ``path``."""
    return bool(client.get(path, follow_redirects=False).headers["location"].startswith("/login"))


def audit_actions(database: Database, tenant: TenantRef, entity_id: uuid.UUID) -> list[str]:
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        return list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == entity_id))
        )
