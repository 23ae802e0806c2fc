"""Named permissions and the one table that maps roles to them.

Every route declares the permission it needs (see :mod:`saypro.platform.identity.guards`);
a role grants exactly the permissions listed here and nothing else (default deny).
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    TENANT_ADMIN = "tenant_admin"
    EDITOR = "editor"
    CONTRIBUTOR = "contributor"
    VIEWER = "viewer"


class Permission(enum.StrEnum):
    WORKSPACE_READ = "workspace.read"
    STRATEGY_READ = "strategy.read"
    STRATEGY_WRITE = "strategy.write"
    MEMBERS_MANAGE = "members.manage"
    AUDIT_READ = "audit.read"


_READ = {Permission.WORKSPACE_READ, Permission.STRATEGY_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.TENANT_ADMIN: frozenset(Permission),
    Role.EDITOR: frozenset(_READ | {Permission.STRATEGY_WRITE}),
    # Contributors update only what is assigned to them; assignment-level checks live
    # in the owning module's service. Workspace-wide writes are not theirs.
    Role.CONTRIBUTOR: frozenset(_READ),
    # Viewers include internal audit and council oversight, who read the audit trail.
    Role.VIEWER: frozenset(_READ | {Permission.AUDIT_READ}),
}


def role_grants(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def changes_data(permission: Permission) -> bool:
    """Whether a permission lets its holder change a workspace (refused while the
    municipality is suspended or closed). By convention such permissions end in
    ``.write`` or ``.manage``."""
    return permission.value.endswith((".write", ".manage"))
