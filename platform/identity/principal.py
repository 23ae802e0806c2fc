"""The signed-in user as the request sees it: who, and which tenants with which role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from saypro.platform.identity.permissions import Permission, Role, changes_data, role_grants
from saypro.platform.tenancy.models import TenantStatus


@dataclass(frozen=True)
class TenantAccess:
    tenant_id: uuid.UUID
    slug: str
    name: str
    role: Role
    status: TenantStatus = TenantStatus.ACTIVE

    @property
    def read_only(self) -> bool:
        """Suspended (e.g. unpaid) and closed municipalities can be read, not changed."""
        return self.status is not TenantStatus.ACTIVE


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    email: str
    full_name: str
    tenants: dict[str, TenantAccess] = field(default_factory=dict)

    def access(self, slug: str) -> TenantAccess | None:
        return self.tenants.get(slug)

    def can(self, slug: str, permission: Permission) -> bool:
        """Whether the user may use ``permission`` in that municipality now (pages use it
        to show or hide controls; the guard enforces the same rule)."""
        access = self.tenants.get(slug)
        if access is None or not role_grants(access.role, permission):
            return False
        return not (access.read_only and changes_data(permission))
