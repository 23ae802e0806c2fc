"""AuditTrail: action names, and before/after holding only what changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.models import AuditEvent
from saypro.platform.kit import AuditTrail, apply_changes
from saypro.tenants.strategy.models import Objective, ObjectiveStatus
from tests.factories import TenantRef

TRAIL = AuditTrail("test.objective", "objective", ("code", "title", "status", "owner_id"))


async def _events(session: AsyncSession, entity_id: object) -> list[AuditEvent]:
    await session.flush()
    rows = await session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == entity_id).order_by(AuditEvent.seq)
    )
    return list(rows.all())


def test_created_updated_deleted(in_tenant: Callable[..., Any], tenant_a: TenantRef) -> None:
    async def changes(session: AsyncSession) -> None:
        objective = Objective(code="SO1", title="First")
        session.add(objective)
        await session.flush()
        TRAIL.created(session, objective)

        before = TRAIL.snapshot(objective)
        apply_changes(objective, {"title": "Renamed", "status": ObjectiveStatus.ON_TRACK})
        TRAIL.updated(session, objective, before)

        unchanged = TRAIL.snapshot(objective)
        apply_changes(objective, {"title": "Renamed"})
        TRAIL.updated(session, objective, unchanged)  # nothing changed: no row

        TRAIL.deleted(session, objective)
        created, updated, deleted = await _events(session, objective.id)
        assert [e.action for e in (created, updated, deleted)] == [
            "test.objective.created",
            "test.objective.updated",
            "test.objective.deleted",
        ]
        assert {e.entity_type for e in (created, updated, deleted)} == {"objective"}
        assert (created.before, created.after) == (
            None,
            {"code": "SO1", "title": "First", "status": "not_started", "owner_id": None},
        )
        assert updated.before == {"title": "First", "status": "not_started"}
        assert updated.after == {"title": "Renamed", "status": "on_track"}
        assert deleted.before == {
            "code": "SO1",
            "title": "Renamed",
            "status": "on_track",
            "owner_id": None,
        }
        assert deleted.after is None
        await session.rollback()

    in_tenant(tenant_a, changes)


def test_an_image_function_and_a_fuller_delete_record(
    in_tenant: Callable[..., Any], tenant_a: TenantRef
) -> None:
    coded = AuditTrail("test.code", "objective", image=lambda o: {"label": f"{o.code}!"})

    async def changes(session: AsyncSession) -> None:
        objective = Objective(code="SO2", title="Second")
        session.add(objective)
        await session.flush()
        coded.created(session, objective)
        coded.deleted(session, objective, {"label": "SO2!", "children": ["a"]})
        created, deleted = await _events(session, objective.id)
        assert created.after == {"label": "SO2!"}
        assert deleted.before == {"label": "SO2!", "children": ["a"]}
        await session.rollback()

    in_tenant(tenant_a, changes)
