"""Named permissions and the one table that maps roles to them.

Every route declares the permission it needs (see :mod:`saypro.platform.identity.guards`);
a role grants exactly the permissions listed here and nothing else (default deny).

Two kinds of role exist:

- roles *in a municipality*: a member's :class:`Role`, or a SayPro consultant's
  :class:`ConsultantRole` on an assignment. They grant workspace permissions in that
  one municipality only.
- a SayPro staff member's :class:`StaffRole`, which grants platform-level permissions
  (tenants, staff, billing). It grants nothing inside a workspace: staff enter a
  municipality only through a membership or a consultant assignment.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """A member's role in one municipality."""

    TENANT_ADMIN = "tenant_admin"
    EDITOR = "editor"
    CONTRIBUTOR = "contributor"
    VIEWER = "viewer"


class ConsultantRole(enum.StrEnum):
    """A SayPro consultant's role on an assignment to one municipality."""

    LEAD = "lead"
    SUPPORT = "support"


class StaffRole(enum.StrEnum):
    """A SayPro staff member's platform role (``None`` on a municipal user)."""

    PLATFORM_ADMIN = "platform_admin"
    CONSULTANT = "consultant"
    FINANCE = "finance"


class Permission(enum.StrEnum):
    # In a municipality (routes under /t/{slug} and /api/v1/t/{slug}).
    WORKSPACE_READ = "workspace.read"
    STRATEGY_READ = "strategy.read"
    STRATEGY_WRITE = "strategy.write"
    KPIS_READ = "kpis.read"
    KPIS_WRITE = "kpis.write"
    FRAMEWORKS_READ = "frameworks.read"
    FRAMEWORKS_WRITE = "frameworks.write"
    # Report actuals with evidence and review them (contributors: only what they own).
    KPIS_REPORT = "kpis.actuals.write"
    # Lock and unlock reporting periods.
    KPIS_PERIODS = "kpis.periods.manage"
    # Choose the indicators on the public performance dashboard and switch it on or off.
    # (A ``.manage`` permission: a suspended municipality's dashboard settings stay as
    # they are.)
    KPIS_PUBLISH = "kpis.public.manage"
    # Reminder settings and the managers who receive escalations.
    KPIS_REMINDERS = "kpis.reminders.manage"
    MEMBERS_MANAGE = "members.manage"
    AUDIT_READ = "audit.read"
    SSO_MANAGE = "sso.manage"
    DATA_EXPORT = "data.export"
    # Platform level (SayPro staff).
    TENANTS_MANAGE = "tenants.manage"
    STAFF_MANAGE = "staff.manage"
    PORTFOLIO_READ = "portfolio.read"
    BILLING_READ = "billing.read"
    BILLING_WRITE = "billing.write"


PLATFORM_PERMISSIONS = frozenset(
    {
        Permission.TENANTS_MANAGE,
        Permission.STAFF_MANAGE,
        Permission.PORTFOLIO_READ,
        Permission.BILLING_READ,
        Permission.BILLING_WRITE,
    }
)
WORKSPACE_PERMISSIONS = frozenset(Permission) - PLATFORM_PERMISSIONS

_READ = {
    Permission.WORKSPACE_READ,
    Permission.STRATEGY_READ,
    Permission.KPIS_READ,
    Permission.FRAMEWORKS_READ,
}
_EDIT = _READ | {
    Permission.STRATEGY_WRITE,
    Permission.KPIS_WRITE,
    Permission.KPIS_REPORT,
    Permission.FRAMEWORKS_WRITE,
}

ROLE_PERMISSIONS: dict[Role | ConsultantRole, frozenset[Permission]] = {
    Role.TENANT_ADMIN: WORKSPACE_PERMISSIONS,
    Role.EDITOR: frozenset(_EDIT),
    # Contributors update only what is assigned to them; assignment-level checks live
    # in the owning module's service. Workspace-wide writes are not theirs.
    Role.CONTRIBUTOR: frozenset(_READ | {Permission.KPIS_REPORT}),
    # Viewers include internal audit and council oversight, who read the audit trail.
    Role.VIEWER: frozenset(_READ | {Permission.AUDIT_READ}),
    # The lead consultant runs the engagement with the municipality's ICT manager: edits
    # the plans, reads the trail and prepares the public performance dashboard with them,
    # but members, SSO and exports stay the municipality's.
    ConsultantRole.LEAD: frozenset(_EDIT | {Permission.AUDIT_READ, Permission.KPIS_PUBLISH}),
    ConsultantRole.SUPPORT: frozenset(_EDIT),
}

STAFF_PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.PLATFORM_ADMIN: frozenset(
        {Permission.TENANTS_MANAGE, Permission.STAFF_MANAGE, Permission.PORTFOLIO_READ}
    ),
    StaffRole.CONSULTANT: frozenset({Permission.PORTFOLIO_READ}),
    # Finance sees municipalities as customers (name, VAT number, address), never
    # their workspaces.
    StaffRole.FINANCE: frozenset({Permission.BILLING_READ, Permission.BILLING_WRITE}),
}


def role_grants(role: Role | ConsultantRole, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def staff_grants(role: StaffRole | None, permission: Permission) -> bool:
    return role is not None and permission in STAFF_PERMISSIONS.get(role, frozenset())


def changes_data(permission: Permission) -> bool:
    """Whether a permission lets its holder change a workspace (refused while the
    municipality is suspended or closed). By convention such permissions end in
    ``.write`` or ``.manage``."""
    return permission.value.endswith((".write", ".manage"))
