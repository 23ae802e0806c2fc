"""Accounts and memberships: creating users, checking passwords, loading a principal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.audit.service import Actor, set_actor
from saypro.platform.clock import today_sast
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.identity.models import ConsultantAssignment, Membership, User
from saypro.platform.identity.passwords import hash_password, needs_rehash, verify_password
from saypro.platform.identity.permissions import Role
from saypro.platform.identity.principal import AccessVia, Principal, TenantAccess
from saypro.platform.tenancy.models import Tenant


class DuplicateEmail(ValueError):
    pass


def normalise_email(email: str) -> str:
    cleaned = email.strip()
    if "@" not in cleaned or cleaned.startswith("@") or cleaned.endswith("@") or len(cleaned) > 320:
        raise ValueError("email must be an address like name@example.gov.za")
    return cleaned.lower()


def create_user(
    session: Session,
    *,
    email: str,
    full_name: str,
    password: str | None,
    email_verified: bool = False,
) -> User:
    """A new account. ``email_verified`` is for accounts an operator vouches for (the
    CLI, the demo); everyone else proves the address through a link first."""
    address = normalise_email(email)
    if session.scalar(select(User.id).where(func.lower(User.email) == address)) is not None:
        raise DuplicateEmail(f"a user with email {address} already exists")
    user = User(
        email=address,
        full_name=full_name.strip(),
        password_hash=hash_password(password) if password else None,
        email_verified_at=datetime.now(UTC) if email_verified else None,
    )
    session.add(user)
    session.flush()
    return user


def add_membership(session: Session, *, user: User, tenant_id: uuid.UUID, role: Role) -> Membership:
    membership = Membership(user_id=user.id, tenant_id=tenant_id, role=role)
    session.add(membership)
    session.flush()
    return membership


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None``; upgrades stale hashes."""
    user = await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    # Argon2 is deliberately slow (tens of milliseconds): keep it off the event loop.
    stored = user.password_hash if user else None
    if not await anyio.to_thread.run_sync(verify_password, stored, password) or user is None:
        return None
    if not user.is_active:
        return None
    if user.email_verified_at is None:
        # Not before the owner has shown the address is theirs (a sign-up that was never
        # verified has no password anyway; this keeps it so whatever sets one).
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = await anyio.to_thread.run_sync(hash_password, password)
    return user


async def load_principal(
    session: AsyncSession, user_id: uuid.UUID, signed_in_at: float | None = None
) -> Principal | None:
    """The active user and their memberships; ``None`` when the account is gone or
    inactive, or when a session signed in at ``signed_in_at`` was ended (password change)."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    cutoff = user.sessions_valid_after
    # The cut-off is stored to the microsecond; allow for that rounding, so the session
    # issued together with the cut-off (the browser that changed the password) stays valid.
    if cutoff is not None and (signed_in_at is None or signed_in_at + 0.001 < cutoff.timestamp()):
        return None
    tenants: dict[str, TenantAccess] = {}
    if user.staff_role is not None:
        # A consultant's current assignments; a membership in the same municipality
        # (loaded after, so it wins) is the more specific grant.
        today = today_sast()
        assigned = await session.execute(
            select(Tenant.id, Tenant.slug, Tenant.name, ConsultantAssignment.role, Tenant.status)
            .join(ConsultantAssignment, ConsultantAssignment.tenant_id == Tenant.id)
            .where(
                ConsultantAssignment.user_id == user_id,
                ConsultantAssignment.starts_on <= today,
                (ConsultantAssignment.ends_on.is_(None)) | (ConsultantAssignment.ends_on >= today),
            )
        )
        for tid, slug, name, consultant_role, status in assigned.all():
            tenants[slug] = TenantAccess(
                tenant_id=tid,
                slug=slug,
                name=name,
                role=consultant_role,
                status=status,
                via=AccessVia.ASSIGNMENT,
            )
    rows = await session.execute(
        select(
            Tenant.id,
            Tenant.slug,
            Tenant.name,
            Membership.role,
            Tenant.status,
            Tenant.require_two_factor,
        )
        .join(Membership, Membership.tenant_id == Tenant.id)
        # A suspended membership grants nothing until it is reactivated.
        .where(Membership.user_id == user_id, Membership.suspended_at.is_(None))
    )
    # Read with the memberships (this runs on every request): does a municipality the
    # user belongs to require a second factor of its members?
    second_factor_required = user.staff_role is not None
    for tid, slug, name, role, status, requires_second_factor in rows.all():
        tenants[slug] = TenantAccess(tenant_id=tid, slug=slug, name=name, role=role, status=status)
        second_factor_required = second_factor_required or requires_second_factor
    ordered = dict(sorted(tenants.items(), key=lambda item: item[1].name))
    return Principal(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        tenants=ordered,
        staff_role=user.staff_role,
        must_enrol_second_factor=user.totp_enabled_at is None and second_factor_required,
    )


async def is_member(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Membership.user_id).where(
            Membership.tenant_id == tenant_id, Membership.user_id == user_id
        )
    )
    return found is not None


async def list_members(session: AsyncSession, tenant_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """(user id, display name) of every active member of the tenant, by name."""
    rows = await session.execute(
        select(User.id, User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_id, User.is_active.is_(True))
        .order_by(User.full_name)
    )
    return [(uid, name) for uid, name in rows.all()]


async def find_user_id(session: AsyncSession, email: str) -> uuid.UUID | None:
    return await session.scalar(
        select(User.id).where(func.lower(User.email) == email.strip().lower())
    )


async def record_account_event(
    session: AsyncSession,
    user_id: uuid.UUID,
    action: str,
    actor: Actor,
    after: dict[str, Any] | None = None,
) -> None:
    """Put an account event (sign-in, failed sign-in, password change) on the trail of
    every municipality the user belongs to."""
    tenant_ids = (
        await session.scalars(select(Membership.tenant_id).where(Membership.user_id == user_id))
    ).all()
    set_actor(session, actor)
    for tenant_id in tenant_ids:
        await bind_tenant(session, tenant_id)
        audit.record(session, action, entity_type="user", entity_id=user_id, after=after)
        await session.flush()
    await bind_tenant(session, None)


async def change_password(
    session: AsyncSession, user_id: uuid.UUID, current: str, new: str, moment: float
) -> bool:
    """Replace the password if ``current`` is right, and end every session signed in
    before ``moment``. Returns False (and changes nothing) when ``current`` is wrong."""
    user = await session.get(User, user_id)
    stored = user.password_hash if user else None
    if user is None or not await anyio.to_thread.run_sync(verify_password, stored, current):
        return False
    user.password_hash = await anyio.to_thread.run_sync(hash_password, new)
    user.sessions_valid_after = datetime.fromtimestamp(moment, tz=UTC)
    await session.flush()
    return True
