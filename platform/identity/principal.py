"""The signed-in user as the request sees it: who, and which tenants with which role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from saypro.platform.identity.permissions import Permission, Role, role_grants


@dataclass(frozen=True)
class TenantAccess:
    tenant_id: uuid.UUID
    slug: str
    name: str
    role: Role


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    email: str
    full_name: str
    tenants: dict[str, TenantAccess] = field(default_factory=dict)

    def access(self, slug: str) -> TenantAccess | None:
        return self.tenants.get(slug)

    def can(self, slug: str, permission: Permission) -> bool:
        access = self.tenants.get(slug)
        return access is not None and role_grants(access.role, permission)
