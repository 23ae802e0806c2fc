"""The data-subject access report: what one municipality holds about one person.

A tenant admin answers a POPIA access request (s23) with it: the person's profile,
their memberships and roles here, every action in this municipality's audit trail by
them and about them, and which SayPro staff had access to the workspace, and when.
It covers this municipality only; other municipalities are responsible for their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import NotFound
from saypro.platform.identity.models import ConsultantAssignment, Membership, User
from saypro.platform.privacy.archive import json_value
from saypro.platform.tenancy.models import Tenant

_PROFILE = ("id", "email", "full_name", "is_active", "staff_role", "created_at", "updated_at")
_EVENT = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "request_id",
    "ip_address",
)


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    name: str
    email: str | None
    relation: str  # "member", "consultant", or "in the audit trail"


async def people(session: AsyncSession) -> list[Person]:
    """Everyone a report can be made for: members, assigned consultants, and anyone who
    acted or was acted on in this municipality's trail."""
    tenant_id = require_tenant(session)
    found: dict[uuid.UUID, Person] = {}
    members = await session.execute(
        select(User.id, User.full_name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_id)
    )
    for uid, name, email in members.all():
        found[uid] = Person(uid, name, email, "member")
    consultants = await session.execute(
        select(User.id, User.full_name, User.email)
        .join(ConsultantAssignment, ConsultantAssignment.user_id == User.id)
        .where(ConsultantAssignment.tenant_id == tenant_id)
    )
    for uid, name, email in consultants.all():
        found.setdefault(uid, Person(uid, name, email, "consultant"))
    actors = await session.execute(
        select(AuditEvent.actor_id, func.max(AuditEvent.actor_name))
        .where(AuditEvent.tenant_id == tenant_id, AuditEvent.actor_id.is_not(None))
        .group_by(AuditEvent.actor_id)
    )
    subjects = await session.scalars(
        select(AuditEvent.entity_id)
        .where(
            AuditEvent.tenant_id == tenant_id,
            AuditEvent.entity_type == "user",
            AuditEvent.entity_id.is_not(None),
        )
        .distinct()
    )
    in_trail: dict[uuid.UUID, str | None] = {}
    for actor_id, actor_name in actors.all():
        if actor_id is not None:
            in_trail[actor_id] = actor_name
    for subject in subjects.all():
        if subject is not None:
            in_trail.setdefault(subject, None)
    unknown = [uid for uid in in_trail if uid not in found]
    if unknown:
        accounts = await session.execute(
            select(User.id, User.full_name, User.email).where(User.id.in_(unknown))
        )
        for uid, name, email in accounts.all():
            found[uid] = Person(uid, name, email, "in the audit trail")
    for uid in unknown:
        if uid not in found:  # the account no longer exists; the trail still names them
            found[uid] = Person(uid, in_trail[uid] or str(uid), None, "in the audit trail")
    return sorted(found.values(), key=lambda p: (p.name.lower(), str(p.user_id)))


def _row(obj: object, fields: Sequence[str]) -> dict[str, Any]:
    return audit.snapshot(obj, fields)


async def person_report(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """The report for one person of the bound municipality, audited as a data export.
    Someone with no link to this municipality is not found (404)."""
    tenant_id = require_tenant(session)
    if user_id not in {p.user_id for p in await people(session)}:
        raise NotFound()
    tenant = await session.get(Tenant, tenant_id)
    user = await session.get(User, user_id)
    memberships = (
        await session.scalars(
            select(Membership).where(
                Membership.tenant_id == tenant_id, Membership.user_id == user_id
            )
        )
    ).all()
    assignments = (
        await session.scalars(
            select(ConsultantAssignment).where(
                ConsultantAssignment.tenant_id == tenant_id,
                ConsultantAssignment.user_id == user_id,
            )
        )
    ).all()
    by_them = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.actor_id == user_id)
            .order_by(AuditEvent.seq)
        )
    ).all()
    about_them = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.entity_id == user_id)
            .order_by(AuditEvent.seq)
        )
    ).all()
    report = {
        "format": "saypro-person-report/1",
        "generated_at": datetime.now(UTC).isoformat(),
        "municipality": {
            "id": str(tenant_id),
            "name": tenant.name if tenant else None,
            "slug": tenant.slug if tenant else None,
            "role": "responsible party (POPIA); SayPro processes the data as its operator",
        },
        "person": {"id": str(user_id), "profile": _row(user, _PROFILE) if user else None},
        "memberships_here": [_row(m, ("role", "created_at", "updated_at")) for m in memberships],
        "consultant_assignments_here": [
            _row(a, ("role", "starts_on", "ends_on", "created_at")) for a in assignments
        ],
        "actions_by_person": [_row(e, _EVENT) for e in by_them],
        "actions_about_person": [_row(e, _EVENT) for e in about_them],
        "saypro_staff_with_access": await staff_access(session),
    }
    audit.record(
        session,
        "data_export.person_report",
        entity_type="user",
        entity_id=user_id,
        after={
            "actions_by_person": len(by_them),
            "actions_about_person": len(about_them),
        },
    )
    return report


async def staff_access(session: AsyncSession) -> list[dict[str, Any]]:
    """SayPro staff who could reach this workspace: through a consultant assignment
    (with its period), a membership, or as seen acting in the trail (first and last)."""
    tenant_id = require_tenant(session)
    entries: list[dict[str, Any]] = []
    assigned = await session.execute(
        select(User, ConsultantAssignment)
        .join(ConsultantAssignment, ConsultantAssignment.user_id == User.id)
        .where(ConsultantAssignment.tenant_id == tenant_id)
        .order_by(ConsultantAssignment.starts_on, User.id)
    )
    for user, assignment in assigned.all():
        entries.append(
            {
                **_row(user, ("id", "full_name", "email", "staff_role")),
                "via": "consultant assignment",
                "role": assignment.role.value,
                "from": json_value(assignment.starts_on),
                "until": json_value(assignment.ends_on),
            }
        )
    staff_members = await session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_id, User.staff_role.is_not(None))
    )
    for user, membership in staff_members.all():
        entries.append(
            {
                **_row(user, ("id", "full_name", "email", "staff_role")),
                "via": "membership",
                "role": membership.role.value,
                "from": json_value(membership.created_at),
                "until": None,
            }
        )
    acting = await session.execute(
        select(
            User,
            func.min(AuditEvent.occurred_at),
            func.max(AuditEvent.occurred_at),
            func.count(),
        )
        .join(AuditEvent, AuditEvent.actor_id == User.id)
        .where(AuditEvent.tenant_id == tenant_id, User.staff_role.is_not(None))
        .group_by(User.id)
    )
    for user, first, last, count in acting.all():
        entries.append(
            {
                **_row(user, ("id", "full_name", "email", "staff_role")),
                "via": "audit trail",
                "role": None,
                "from": json_value(first),
                "until": json_value(last),
                "actions": int(count),
            }
        )
    return entries
