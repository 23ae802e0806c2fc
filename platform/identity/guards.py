"""Route permissions. Every route declares one with :func:`requires` or is marked
:func:`public`; a test walks the route table and fails on a route that does neither.
The guard is installed once on the application, so a route that forgets to declare a
permission is refused (default deny) rather than left open.

For a route under ``/t/{tenant_slug}`` the guard answers 404 when the user has neither a
membership nor a current consultant assignment in that tenant (the same answer as for a
tenant that does not exist), and 403 when the role there lacks the permission. A
platform-level permission (tenants, staff, billing) is checked against the user's SayPro
staff role. An API token narrows both to the permissions it was given.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from saypro.platform.identity.permissions import (
    PLATFORM_PERMISSIONS,
    Permission,
    changes_data,
    role_grants,
)
from saypro.platform.identity.principal import Principal

PERMISSION_KEY = "permission"
PUBLIC_KEY = "public"
# Open to a user who must still set up a second factor (the enrolment pages, sign-out).
BEFORE_SECOND_FACTOR_KEY = "before_second_factor"
ENROLMENT_PATH = "/account/security"
# Granted to every signed-in user: their own account and the list of their tenants.
SIGNED_IN = "account.self"


class SecondFactorEnrolmentRequired(PermissionDeniedException):
    """Pages answer it with a redirect to the enrolment page; the API with a 403."""


def permission_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    required = handler.opt.get(PERMISSION_KEY)
    if handler.opt.get(PUBLIC_KEY):
        return
    if required is None:
        raise PermissionDeniedException("this route declares no permission")  # default deny
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("sign in to continue")
    if user.must_enrol_second_factor and not handler.opt.get(BEFORE_SECOND_FACTOR_KEY):
        raise SecondFactorEnrolmentRequired(
            "your account must use two-factor sign-in: set up an authenticator app at "
            f"{ENROLMENT_PATH} before anything else"
        )
    if required == SIGNED_IN:
        return
    permission = Permission(required)
    if permission in PLATFORM_PERMISSIONS:
        if not user.can_platform(permission):
            raise PermissionDeniedException(f"your SayPro role does not grant {required}")
        return
    slug = connection.path_params.get("tenant_slug")
    access = user.access(slug) if isinstance(slug, str) else None
    if access is None:
        raise NotFoundException()
    if not role_grants(access.role, permission):
        raise PermissionDeniedException(f"your role does not grant {required}")
    if not user.within_scope(permission):
        raise PermissionDeniedException(f"this API token does not grant {required}")
    if access.read_only and changes_data(permission):
        raise PermissionDeniedException(
            f"{access.name} is {access.status.value}: its workspace can be read but not changed"
        )


def requires(permission: Permission | str) -> dict[str, Any]:
    """Keyword arguments for a route decorator: ``@get("/", **requires(Permission.X))``."""
    return {"opt": {PERMISSION_KEY: str(permission)}}


def signed_in() -> dict[str, Any]:
    return requires(SIGNED_IN)


def signed_in_before_second_factor() -> dict[str, Any]:
    """Signed in, and open even before a required second factor is set up."""
    return {"opt": {PERMISSION_KEY: SIGNED_IN, BEFORE_SECOND_FACTOR_KEY: True}}


def public() -> dict[str, Any]:
    return {"opt": {PUBLIC_KEY: True, "exclude_from_auth": True}}
