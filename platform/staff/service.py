"""SayPro staff and consultant assignments.

Staff roles are platform-level (see :mod:`saypro.platform.identity.permissions`). A
consultant reaches a municipality's workspace only through an assignment, which the
municipality sees on its own audit trail: who was given access, in which role, for which
period, and when it ended.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.clock import today_sast
from saypro.platform.db.tenancy import bind_tenant
from saypro.platform.errors import Conflict, InvalidInput, NotFound
from saypro.platform.identity.models import ConsultantAssignment, User
from saypro.platform.identity.permissions import ConsultantRole, StaffRole
from saypro.platform.identity.service import normalise_email
from saypro.platform.tenancy.models import Tenant

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class StaffMember:
    user_id: uuid.UUID
    full_name: str
    email: str
    role: StaffRole
    is_active: bool


@dataclass(frozen=True)
class Assignment:
    tenant_id: uuid.UUID
    tenant_slug: str
    tenant_name: str
    user_id: uuid.UUID
    consultant_name: str
    role: ConsultantRole
    starts_on: date
    ends_on: date | None

    def state(self, today: date) -> str:
        if self.starts_on > today:
            return "upcoming"
        if self.ends_on is not None and self.ends_on < today:
            return "ended"
        return "current"


async def list_staff(session: AsyncSession) -> Sequence[StaffMember]:
    rows = await session.execute(
        select(User.id, User.full_name, User.email, User.staff_role, User.is_active)
        .where(User.staff_role.is_not(None))
        .order_by(User.full_name, User.id)
    )
    return [
        StaffMember(uid, name, email, role, active)
        for uid, name, email, role, active in rows.all()
        if role is not None
    ]


async def _user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound()
    return user


async def _assigned_tenants(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(ConsultantAssignment.tenant_id).where(ConsultantAssignment.user_id == user_id)
    )
    return list(rows.all())


async def _record_on_trails(
    session: AsyncSession,
    tenant_ids: Sequence[uuid.UUID],
    action: str,
    user_id: uuid.UUID,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """A change to a consultant's standing goes on the trail of every municipality they
    are assigned to: those municipalities' auditors must see who can act in them."""
    for tenant_id in tenant_ids:
        await bind_tenant(session, tenant_id)
        audit.record(
            session, action, entity_type="consultant", entity_id=user_id, before=before, after=after
        )
        await session.flush()
    await bind_tenant(session, None)


async def add_staff(
    session: AsyncSession, *, email: str, full_name: str, role: StaffRole
) -> tuple[User, bool]:
    """Give an account a staff role, creating the account (without a password: its owner
    sets one through the password-reset link) when none exists. Returns the user and
    whether the account is new."""
    try:
        address = normalise_email(email)
    except ValueError as error:
        raise InvalidInput(str(error), field="email") from None
    user = await session.scalar(
        select(User).where(func.lower(User.email) == address).with_for_update()
    )
    created = user is None
    if user is None:
        name = full_name.strip()
        if len(name) < 2:
            raise InvalidInput("is required for a new account", field="full_name")
        # The platform admin vouches for a SayPro address; its owner chooses a password
        # through the link they are sent.
        user = User(
            email=address, full_name=name, password_hash=None, email_verified_at=datetime.now(UTC)
        )
        session.add(user)
        await session.flush()
    elif user.staff_role is not None:
        raise Conflict(
            f"{address} is already SayPro staff ({user.staff_role.value})", field="email"
        )
    user.staff_role = role
    await session.flush()
    # A platform-level change: no municipality's trail holds it, the structured log does.
    log.info("staff.added", user_id=str(user.id), staff_role=role.value, new_account=created)
    return user, created


async def change_staff_role(
    session: AsyncSession, user_id: uuid.UUID, role: StaffRole | None, *, acting_user: uuid.UUID
) -> User:
    """Change or end (``None``) a staff role. Ending a consultant's role ends their
    assignments too; nobody can take the last platform admin's role away, nor their own."""
    user = await _user(session, user_id)
    if user.staff_role is None:
        raise NotFound()
    if user.staff_role is role:
        return user
    if user_id == acting_user:
        raise Conflict("you cannot change your own staff role", field="role")
    if user.staff_role is StaffRole.PLATFORM_ADMIN:
        admins = await session.scalars(
            select(User.id).where(User.staff_role == StaffRole.PLATFORM_ADMIN).with_for_update()
        )
        if len(admins.all()) <= 1:
            raise Conflict("SayPro must keep at least one platform admin", field="role")
    before: dict[str, Any] = {"staff_role": user.staff_role.value}
    user.staff_role = role
    await session.flush()
    log.info(
        "staff.role_changed",
        user_id=str(user_id),
        before=before["staff_role"],
        after=role.value if role else None,
        by=str(acting_user),
    )
    tenant_ids = await _assigned_tenants(session, user_id)
    if role is not StaffRole.CONSULTANT:
        await end_assignments(session, user_id)
    await _record_on_trails(
        session,
        tenant_ids,
        "consultants.staff_role_changed",
        user_id,
        before,
        {"staff_role": role.value if role else None},
    )
    return user


async def end_assignments(session: AsyncSession, user_id: uuid.UUID) -> None:
    """End every current or upcoming assignment of the consultant yesterday (access stops
    at once; the record of the past engagement stays)."""
    yesterday = today_sast() - timedelta(days=1)
    rows = await session.scalars(
        select(ConsultantAssignment)
        .where(ConsultantAssignment.user_id == user_id)
        .with_for_update()
    )
    for assignment in rows.all():
        if assignment.ends_on is not None and assignment.ends_on <= yesterday:
            continue
        await _end(session, assignment, yesterday)


async def _end(session: AsyncSession, assignment: ConsultantAssignment, last_day: date) -> None:
    before = {"ends_on": assignment.ends_on.isoformat() if assignment.ends_on else None}
    # An assignment that has not started yet cannot end before it begins: it is
    # withdrawn instead (the trail keeps what it was).
    if last_day < assignment.starts_on:
        await bind_tenant(session, assignment.tenant_id)
        audit.record(
            session,
            "consultants.unassigned",
            entity_type="consultant",
            entity_id=assignment.user_id,
            before={"role": assignment.role.value, "starts_on": assignment.starts_on.isoformat()},
        )
        await session.delete(assignment)
        await session.flush()
        await bind_tenant(session, None)
        return
    assignment.ends_on = last_day
    await session.flush()
    await bind_tenant(session, assignment.tenant_id)
    audit.record(
        session,
        "consultants.assignment_ended",
        entity_type="consultant",
        entity_id=assignment.user_id,
        before=before,
        after={"ends_on": last_day.isoformat()},
    )
    await session.flush()
    await bind_tenant(session, None)


async def assign(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    role: ConsultantRole,
    starts_on: date,
    ends_on: date | None,
) -> ConsultantAssignment:
    """Assign a consultant to a municipality, or change the assignment they have there."""
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("must be on or after the start date", field="ends_on")
    consultant = await session.get(User, user_id)
    if consultant is None or consultant.staff_role is not StaffRole.CONSULTANT:
        raise InvalidInput("must be a SayPro consultant", field="user_id")
    if not consultant.is_active:
        raise InvalidInput("is deactivated", field="user_id")
    if await session.get(Tenant, tenant_id) is None:
        raise NotFound()
    assignment = await session.get(ConsultantAssignment, (user_id, tenant_id), with_for_update=True)
    after = {"role": role.value, "starts_on": starts_on.isoformat(), "ends_on": _iso(ends_on)}
    if assignment is None:
        assignment = ConsultantAssignment(
            user_id=user_id, tenant_id=tenant_id, role=role, starts_on=starts_on, ends_on=ends_on
        )
        session.add(assignment)
        before = None
        action = "consultants.assigned"
    else:
        before = {
            "role": assignment.role.value,
            "starts_on": assignment.starts_on.isoformat(),
            "ends_on": _iso(assignment.ends_on),
        }
        assignment.role, assignment.starts_on, assignment.ends_on = role, starts_on, ends_on
        action = "consultants.assignment_changed"
    await session.flush()
    await bind_tenant(session, tenant_id)
    audit.record(
        session, action, entity_type="consultant", entity_id=user_id, before=before, after=after
    )
    await session.flush()
    await bind_tenant(session, None)
    return assignment


async def end_assignment(
    session: AsyncSession, *, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    assignment = await session.get(ConsultantAssignment, (user_id, tenant_id), with_for_update=True)
    if assignment is None:
        raise NotFound()
    yesterday = today_sast() - timedelta(days=1)
    if assignment.ends_on is not None and assignment.ends_on <= yesterday:
        raise Conflict("the assignment has already ended", field="user_id")
    await _end(session, assignment, yesterday)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


async def _assignments(
    session: AsyncSession, *criteria: ColumnElement[bool], order: Sequence[Any]
) -> list[Assignment]:
    rows = await session.execute(
        select(
            Tenant.id,
            Tenant.slug,
            Tenant.name,
            User.id,
            User.full_name,
            ConsultantAssignment.role,
            ConsultantAssignment.starts_on,
            ConsultantAssignment.ends_on,
        )
        .join(ConsultantAssignment, ConsultantAssignment.tenant_id == Tenant.id)
        .join(User, User.id == ConsultantAssignment.user_id)
        .where(*criteria)
        .order_by(*order)
    )
    return [Assignment(*row) for row in rows.all()]


async def assignments_for_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> list[Assignment]:
    return await _assignments(
        session,
        ConsultantAssignment.tenant_id == tenant_id,
        order=(ConsultantAssignment.starts_on.desc(), User.full_name),
    )


async def portfolio(session: AsyncSession, user_id: uuid.UUID) -> list[Assignment]:
    """A consultant's assignments: current and upcoming first, then ended ones."""
    assignments = await _assignments(
        session, ConsultantAssignment.user_id == user_id, order=(Tenant.name,)
    )
    order = {"current": 0, "upcoming": 1, "ended": 2}
    today = today_sast()
    return sorted(assignments, key=lambda a: (order[a.state(today)], a.tenant_name))


async def consultants(session: AsyncSession) -> Sequence[StaffMember]:
    return [s for s in await list_staff(session) if s.role is StaffRole.CONSULTANT and s.is_active]
