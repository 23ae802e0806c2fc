"""The signed-in user as the request sees it: who, which municipalities with which role,
their SayPro staff role if any, and, for an API token, the permissions it is limited to."""

from __future__ import annotations

import enum
import hashlib
import uuid
from dataclasses import dataclass, field

from saypro.platform.identity.permissions import (
    ConsultantRole,
    Permission,
    Role,
    StaffRole,
    changes_data,
    role_grants,
    staff_grants,
)
from saypro.platform.tenancy.models import TenantStatus


class AccessVia(enum.StrEnum):
    MEMBERSHIP = "membership"
    ASSIGNMENT = "assignment"


@dataclass(frozen=True)
class TenantAccess:
    tenant_id: uuid.UUID
    slug: str
    name: str
    role: Role | ConsultantRole
    status: TenantStatus = TenantStatus.ACTIVE
    via: AccessVia = AccessVia.MEMBERSHIP

    @property
    def role_label(self) -> str:
        if self.via is AccessVia.ASSIGNMENT:
            return f"{self.role.value} consultant"
        return self.role.value.replace("_", " ")

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
    staff_role: StaffRole | None = None
    # Set when the request is authenticated by an API token: the token's permissions,
    # a subset of the user's. ``None`` for a browser session (the role decides alone).
    scope: frozenset[Permission] | None = None
    # The account must have a second factor (SayPro staff, or a municipality requires
    # it) and has none yet: until it is set up, only the enrolment pages are open.
    must_enrol_second_factor: bool = False

    def access(self, slug: str) -> TenantAccess | None:
        return self.tenants.get(slug)

    def within_scope(self, permission: Permission) -> bool:
        return self.scope is None or permission in self.scope

    def can(self, slug: str, permission: Permission) -> bool:
        """Whether the user may use ``permission`` in that municipality now (pages use it
        to show or hide controls; the guard enforces the same rule)."""
        access = self.tenants.get(slug)
        if access is None or not role_grants(access.role, permission):
            return False
        if not self.within_scope(permission):
            return False
        return not (access.read_only and changes_data(permission))

    def can_platform(self, permission: Permission) -> bool:
        """Whether the SayPro staff role grants a platform-level permission."""
        return staff_grants(self.staff_role, permission) and self.within_scope(permission)

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None

    def privileges(self) -> str:
        """A digest of everything this user may do; when it changes between two requests
        of one session (a role changed, an assignment began or ended), the session id is
        replaced, as at sign-in."""
        grants = sorted(f"{slug}:{a.via.value}:{a.role.value}" for slug, a in self.tenants.items())
        material = "|".join([self.staff_role.value if self.staff_role else "-", *grants])
        return hashlib.sha256(material.encode()).hexdigest()[:32]
