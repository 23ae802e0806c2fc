"""Which municipalities require a user to sign in through their identity provider."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.identity.models import Membership, User
from saypro.platform.identity.service import find_user_id
from saypro.platform.identity.sso.models import SsoProvider
from saypro.platform.tenancy.models import Tenant


@dataclass(frozen=True)
class RequiringMunicipality:
    slug: str
    name: str


async def municipalities_requiring_sso(
    session: AsyncSession, user_id: uuid.UUID
) -> list[RequiringMunicipality]:
    """The municipalities this user belongs to whose provider is enabled and required;
    empty for SayPro staff, who always sign in with their own password (and second factor).
    The settings are tenant-owned, so each membership's municipality is bound in turn."""
    user = await session.get(User, user_id)
    if user is None or user.staff_role is not None:
        return []
    rows = await session.execute(
        select(Tenant.id, Tenant.slug, Tenant.name)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == user_id)
        .order_by(Tenant.name)
    )
    found: list[RequiringMunicipality] = []
    try:
        for tenant_id, slug, name in rows.all():
            await bind_tenant(session, tenant_id)
            required = await session.scalar(
                select(SsoProvider.id).where(
                    SsoProvider.enabled.is_(True), SsoProvider.sso_required.is_(True)
                )
            )
            if required is not None:
                found.append(RequiringMunicipality(slug=slug, name=name))
    finally:
        await bind_tenant(session, None)
    return found


async def password_sign_in_refusal(
    session: AsyncSession, email: str
) -> list[RequiringMunicipality]:
    """The municipalities that forbid a password sign-in for the account with this email
    (empty when there is no such account, or none of its municipalities requires SSO)."""
    user_id = await find_user_id(session, email)
    if user_id is None:
        return []
    return await municipalities_requiring_sso(session, user_id)
