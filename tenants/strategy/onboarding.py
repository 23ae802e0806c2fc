"""The strategy module's step on a new workspace's onboarding checklist."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit.models import AuditEvent
from saypro.platform.modules import OnboardingStep
from saypro.platform.tenancy.context import CurrentTenant


async def objectives_reviewed(session: AsyncSession, _tenant: CurrentTenant) -> bool:
    """Done once anyone has changed, added or removed an objective or initiative: the
    seeded template has been made the municipality's own. (Seeding is not audited, so
    any strategy event on the trail is a person's work.)"""
    found = await session.scalar(
        select(AuditEvent.id).where(AuditEvent.action.like("strategy.%")).limit(1)
    )
    return found is not None


REVIEW_OBJECTIVES = OnboardingStep(
    key="strategy_reviewed",
    label="Review the seeded ICT strategy objectives and make them your own",
    route_name="strategy:objectives",
    done=objectives_reviewed,
)
