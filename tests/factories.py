"""Test data: tenants, users and memberships with unique names, written as the runtime role."""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass

from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity import service as identity
from saypro.platform.identity.permissions import Role
from saypro.platform.tenancy import service as tenancy

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class TenantRef:
    id: uuid.UUID
    slug: str
    name: str


@dataclass(frozen=True)
class UserRef:
    id: uuid.UUID
    email: str


def make_tenant(database: Database, *, seed: bool = False, name: str | None = None) -> TenantRef:
    suffix = secrets.token_hex(4)
    code = "".join(secrets.choice(string.ascii_uppercase) for _ in range(3)) + str(
        secrets.randbelow(1000)
    )
    with database.sync_sessions() as session, session.begin():
        tenant = tenancy.create_tenant(
            session,
            name=name or f"Test Local Municipality {suffix}",
            slug=f"test-{suffix}",
            demarcation_code=code,
            province="WC",
            category="B",
            seed=seed,
        )
        return TenantRef(tenant.id, tenant.slug, tenant.name)


def make_user(
    database: Database, *memberships: tuple[TenantRef, Role], name: str = "Test User"
) -> UserRef:
    email = f"user-{secrets.token_hex(5)}@example.org"
    with database.sync_sessions() as session, session.begin():
        bind_tenant_sync(session, None)
        user = identity.create_user(
            session, email=email, full_name=name, password=PASSWORD, email_verified=True
        )
        for tenant, role in memberships:
            identity.add_membership(session, user=user, tenant_id=tenant.id, role=role)
        return UserRef(user.id, email)
