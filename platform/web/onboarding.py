"""The onboarding checklist on a workspace's home page, for its tenant admins.

The platform contributes the steps about accounts (the address verified, a colleague
invited); modules contribute theirs through ``Module.onboarding_steps``. The checklist
shows until every step is done or an admin dismisses it (for the whole municipality,
on its audit trail).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.response import Redirect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.identity.guards import requires
from saypro.platform.identity.models import Membership, User
from saypro.platform.identity.permissions import Permission, Role
from saypro.platform.identity.principal import Principal
from saypro.platform.modules import OnboardingStep, load_modules
from saypro.platform.tenancy.context import CurrentTenant
from saypro.platform.tenancy.models import Tenant


async def _address_verified(session: AsyncSession, tenant: CurrentTenant) -> bool:
    found = await session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == tenant.id,
            Membership.role == Role.TENANT_ADMIN,
            User.email_verified_at.is_not(None),
        )
        .limit(1)
    )
    return found is not None


async def _colleague_invited(session: AsyncSession, tenant: CurrentTenant) -> bool:
    members = await session.scalar(
        select(func.count()).select_from(Membership).where(Membership.tenant_id == tenant.id)
    )
    return (members or 0) > 1


VERIFY_ADDRESS = OnboardingStep(
    key="email_verified",
    label="Verify your email address",
    route_name="workspace",
    done=_address_verified,
)
INVITE_COLLEAGUE = OnboardingStep(
    key="colleague_invited",
    label="Invite a colleague to the workspace",
    route_name="members:list",
    done=_colleague_invited,
)


def all_steps() -> list[OnboardingStep]:
    return [
        VERIFY_ADDRESS,
        *[step for module in load_modules() for step in module.onboarding_steps],
        INVITE_COLLEAGUE,
    ]


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    route_name: str
    done: bool
    optional: bool


async def checklist(
    session: AsyncSession, tenant: CurrentTenant, user: Principal
) -> list[ChecklistItem] | None:
    """The checklist to show this user, or ``None`` (not an admin here, dismissed, or
    every step done)."""
    if not user.can(tenant.slug, Permission.MEMBERS_MANAGE):
        return None
    dismissed = await session.scalar(
        select(Tenant.onboarding_dismissed_at).where(Tenant.id == tenant.id)
    )
    if dismissed is not None:
        return None
    items = [
        ChecklistItem(
            key=step.key,
            label=step.label,
            route_name=step.route_name,
            done=await step.done(session, tenant),
            optional=step.optional,
        )
        for step in all_steps()
    ]
    if all(item.done for item in items):
        return None
    return items


@post(
    "/onboarding/dismiss",
    name="onboarding:dismiss",
    include_in_schema=False,
    **requires(Permission.MEMBERS_MANAGE),
)
async def dismiss(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[CurrentTenant],
    db_session: NamedDependency[AsyncSession],
) -> Redirect:
    row = await db_session.get(Tenant, tenant.id)
    if row is not None and row.onboarding_dismissed_at is None:
        row.onboarding_dismissed_at = datetime.now(UTC)
        audit.record(
            db_session, "tenant.onboarding_dismissed", entity_type="tenant", entity_id=tenant.id
        )
        await db_session.flush()
    return Redirect(path=f"/t/{tenant.slug}/")
