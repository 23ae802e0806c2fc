"""Managing a municipality's members: roles, suspension and removal, never leaving it
without an active admin."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import Conflict, NotFound
from saypro.platform.identity import api_tokens
from saypro.platform.identity.models import Membership, User
from saypro.platform.identity.permissions import Role


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    full_name: str
    email: str
    role: Role
    since: datetime
    suspended_at: datetime | None = None


async def list_members(session: AsyncSession) -> Sequence[Member]:
    rows = await session.execute(
        select(
            User.id,
            User.full_name,
            User.email,
            Membership.role,
            Membership.created_at,
            Membership.suspended_at,
        )
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == require_tenant(session))
        .order_by(User.full_name, User.id)
    )
    return [Member(*row) for row in rows.all()]


async def _membership(session: AsyncSession, user_id: uuid.UUID) -> Membership:
    # Scoped to the bound tenant: a person of another municipality is simply not found.
    membership = await session.scalar(
        select(Membership)
        .where(Membership.tenant_id == require_tenant(session), Membership.user_id == user_id)
        .with_for_update()
    )
    if membership is None:
        raise NotFound()
    return membership


async def _refuse_if_last_admin(session: AsyncSession, membership: Membership) -> None:
    # A suspended admin is not counted: taking one away leaves the active admins as they are.
    if membership.role is not Role.TENANT_ADMIN or membership.suspended_at is not None:
        return
    # Lock every admin row of this tenant, so two admins demoting (or suspending) each
    # other at the same moment cannot both succeed.
    admins = await session.execute(
        select(Membership.user_id, Membership.suspended_at)
        .where(Membership.tenant_id == membership.tenant_id, Membership.role == Role.TENANT_ADMIN)
        .with_for_update()
    )
    active = [user_id for user_id, suspended_at in admins.all() if suspended_at is None]
    if len(active) <= 1:
        raise Conflict("the municipality must keep at least one tenant admin", field="role")


async def member_with_email(session: AsyncSession, email: str) -> uuid.UUID | None:
    """The member of the bound tenant (suspended or not) with this address, if any."""
    return await session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == require_tenant(session),
            func.lower(User.email) == email.strip().lower(),
        )
    )


async def change_role(session: AsyncSession, user_id: uuid.UUID, role: Role) -> Membership:
    membership = await _membership(session, user_id)
    if membership.role is role:
        return membership
    if role is not Role.TENANT_ADMIN:
        await _refuse_if_last_admin(session, membership)
    before = {"role": membership.role.value}
    membership.role = role
    await session.flush()
    audit.record(
        session,
        "members.role_changed",
        entity_type="user",
        entity_id=user_id,
        before=before,
        after={"role": role.value},
    )
    return membership


async def remove_member(session: AsyncSession, user_id: uuid.UUID) -> None:
    membership = await _membership(session, user_id)
    await _refuse_if_last_admin(session, membership)
    audit.record(
        session,
        "members.removed",
        entity_type="user",
        entity_id=user_id,
        before={"role": membership.role.value},
    )
    await session.delete(membership)
    await session.flush()
    await api_tokens.revoke_member_tokens(session, membership.tenant_id, user_id)


async def suspend_member(session: AsyncSession, user_id: uuid.UUID) -> Membership:
    """The member loses access to this municipality (at their next request); their
    other municipalities are untouched. Suspending a suspended member changes nothing."""
    membership = await _membership(session, user_id)
    if membership.suspended_at is not None:
        return membership
    await _refuse_if_last_admin(session, membership)
    membership.suspended_at = datetime.now(UTC)
    await session.flush()
    audit.record(
        session,
        "members.suspended",
        entity_type="user",
        entity_id=user_id,
        before={"suspended": False},
        after={"suspended": True, "role": membership.role.value},
    )
    return membership


async def reactivate_member(session: AsyncSession, user_id: uuid.UUID) -> Membership:
    membership = await _membership(session, user_id)
    if membership.suspended_at is None:
        return membership
    membership.suspended_at = None
    await session.flush()
    audit.record(
        session,
        "members.reactivated",
        entity_type="user",
        entity_id=user_id,
        before={"suspended": True},
        after={"suspended": False, "role": membership.role.value},
    )
    return membership
