"""Business rules of strategic objectives and initiatives. Services never commit: the
request (or job) that calls them owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.audit import service as audit
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import InvalidInput
from saypro.platform.identity.service import is_member
from saypro.platform.jobs.registry import enqueue
from saypro.platform.kit import AuditTrail, apply_changes
from saypro.tenants.strategy.models import Initiative, InitiativeStatus, Objective
from saypro.tenants.strategy.repository import (
    OBJECTIVE_CODE,
    InitiativeRepository,
    ObjectiveFilters,
    ObjectiveRepository,
)
from saypro.tenants.strategy.schemas import (
    InitiativeCreate,
    InitiativeUpdate,
    ObjectiveCreate,
    ObjectiveUpdate,
)

OBJECTIVES = AuditTrail(
    "strategy.objective",
    "objective",
    ("code", "title", "description", "owner_id", "status", "start_date", "target_date"),
)
INITIATIVES = AuditTrail(
    "strategy.initiative",
    "initiative",
    (
        "objective_id",
        "title",
        "description",
        "owner_id",
        "phase",
        "status",
        "weight",
        "percent_complete",
    ),
)
RECOMPUTE_JOB = "strategy.recompute_objective_progress"
RECOMPUTE_ALL_JOB = "strategy.recompute_stale_objectives"
HUNDREDTH = Decimal("0.01")


async def _check_owner(session: AsyncSession, owner_id: uuid.UUID | None) -> None:
    if owner_id is not None and not await is_member(session, require_tenant(session), owner_id):
        raise InvalidInput("is not a member of this municipality", field="owner_id")


async def list_objectives(
    session: AsyncSession, filters: ObjectiveFilters, *, limit: int, offset: int
) -> tuple[Sequence[Objective], int]:
    return await ObjectiveRepository(session).list(filters, limit=limit, offset=offset)


async def get_objective(session: AsyncSession, objective_id: uuid.UUID) -> Objective:
    return await ObjectiveRepository(session).get_with_initiatives(objective_id)


async def create_objective(session: AsyncSession, data: ObjectiveCreate) -> Objective:
    repository = ObjectiveRepository(session)
    await repository.check_unique(OBJECTIVE_CODE, data.code)
    await _check_owner(session, data.owner_id)
    objective = Objective(**data.model_dump())
    session.add(objective)
    await repository.flush_unique(OBJECTIVE_CODE, data.code)
    await session.refresh(objective, ["initiatives"])
    OBJECTIVES.created(session, objective)
    return objective


async def update_objective(
    session: AsyncSession, objective_id: uuid.UUID, data: ObjectiveUpdate
) -> Objective:
    repository = ObjectiveRepository(session)
    objective = await repository.get_with_initiatives(objective_id)
    changes = data.model_dump(exclude_unset=True)
    if "code" in changes:
        await repository.check_unique(OBJECTIVE_CODE, changes["code"], excluding=objective.id)
    if "owner_id" in changes:
        await _check_owner(session, changes["owner_id"])
    start = changes.get("start_date", objective.start_date)
    target = changes.get("target_date", objective.target_date)
    if start and target and target < start:
        raise InvalidInput("must be on or after start_date", field="target_date")
    before = OBJECTIVES.snapshot(objective)
    apply_changes(objective, changes)
    await repository.flush_unique(OBJECTIVE_CODE, objective.code)
    OBJECTIVES.updated(session, objective, before)
    return objective


async def delete_objective(session: AsyncSession, objective_id: uuid.UUID) -> None:
    objective = await ObjectiveRepository(session).get_with_initiatives(objective_id)
    # The initiatives go with it (cascade), so their state is part of the record.
    initiatives = [INITIATIVES.snapshot(i) for i in objective.initiatives]
    OBJECTIVES.deleted(
        session, objective, {**OBJECTIVES.snapshot(objective), "initiatives": initiatives}
    )
    await session.delete(objective)
    await session.flush()


async def _request_recompute(session: AsyncSession, objective: Objective) -> None:
    objective.progress_requested_at = await session.scalar(select(func.now()))
    await enqueue(session, RECOMPUTE_JOB, objective_id=str(objective.id))


async def add_initiative(
    session: AsyncSession, objective_id: uuid.UUID, data: InitiativeCreate
) -> Initiative:
    objective = await ObjectiveRepository(session).get(objective_id)
    await _check_owner(session, data.owner_id)
    initiative = Initiative(objective_id=objective.id, **data.model_dump())
    session.add(initiative)
    await _request_recompute(session, objective)
    await session.flush()
    INITIATIVES.created(session, initiative)
    return initiative


async def update_initiative(
    session: AsyncSession, objective_id: uuid.UUID, initiative_id: uuid.UUID, data: InitiativeUpdate
) -> Initiative:
    initiative = await InitiativeRepository(session).get(initiative_id, objective_id=objective_id)
    changes = data.model_dump(exclude_unset=True)
    if "owner_id" in changes:
        await _check_owner(session, changes["owner_id"])
    before = INITIATIVES.snapshot(initiative)
    apply_changes(initiative, changes)
    await _request_recompute(session, await ObjectiveRepository(session).get(objective_id))
    await session.flush()
    INITIATIVES.updated(session, initiative, before)
    return initiative


async def delete_initiative(
    session: AsyncSession, objective_id: uuid.UUID, initiative_id: uuid.UUID
) -> None:
    initiative = await InitiativeRepository(session).get(initiative_id, objective_id=objective_id)
    INITIATIVES.deleted(session, initiative)
    await session.delete(initiative)
    await _request_recompute(session, await ObjectiveRepository(session).get(objective_id))
    await session.flush()


def weighted_progress(initiatives: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Σ(weight × percent) ÷ Σ weight, rounded half-up to 0.01; None with no initiatives."""
    total_weight = sum((weight for weight, _ in initiatives), Decimal(0))
    if total_weight == 0:
        return None
    weighted = sum((weight * percent for weight, percent in initiatives), Decimal(0))
    return (weighted / total_weight).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def recompute_progress(session: Session, objective_id: uuid.UUID) -> Objective | None:
    """Recompute one objective's roll-up from its current initiatives (the job's body).

    Cancelled initiatives do not count. The objective row is locked so concurrent
    recomputations serialise; running it twice leaves the row exactly as once did.
    """
    objective = session.scalar(
        select(Objective)
        .where(Objective.tenant_id == require_tenant(session), Objective.id == objective_id)
        .with_for_update()
    )
    if objective is None:
        return None  # deleted since the job was requested: nothing to do
    rows = session.execute(
        select(Initiative.weight, Initiative.percent_complete).where(
            Initiative.tenant_id == objective.tenant_id,
            Initiative.objective_id == objective.id,
            Initiative.status != InitiativeStatus.CANCELLED,
        )
    ).all()
    progress = weighted_progress([(weight, percent) for weight, percent in rows])
    if progress == objective.progress and not objective.progress_pending:
        return objective
    computed_at: datetime = session.scalar(select(func.now())) or datetime.now().astimezone()
    OBJECTIVES.record(
        session,
        "progress_recomputed",
        objective.id,
        before=audit.snapshot(objective, ["progress"]),
        after={"progress": None if progress is None else str(progress)},
    )
    objective.progress = progress
    objective.progress_updated_at = computed_at
    return objective


def stale_objective_ids(session: Session) -> list[uuid.UUID]:
    """Objectives whose roll-up was requested after it was last computed."""
    return list(
        session.scalars(
            select(Objective.id).where(
                Objective.tenant_id == require_tenant(session),
                Objective.progress_requested_at.is_not(None),
                (Objective.progress_updated_at.is_(None))
                | (Objective.progress_requested_at > Objective.progress_updated_at),
            )
        )
    )


async def objective_labels(
    session: AsyncSession, ids: Collection[uuid.UUID] | None = None
) -> dict[uuid.UUID, str]:
    """ "Code · title" of the bound tenant's objectives (all, or those of ``ids`` that
    exist), in code order. Other modules link to objectives through this."""
    statement = select(Objective.id, Objective.code, Objective.title).where(
        Objective.tenant_id == require_tenant(session)
    )
    if ids is not None:
        statement = statement.where(Objective.id.in_(list(ids)))
    rows = await session.execute(statement.order_by(Objective.code, Objective.id))
    return {row.id: f"{row.code} · {row.title}" for row in rows}


async def initiative_labels(
    session: AsyncSession, ids: Collection[uuid.UUID] | None = None
) -> dict[uuid.UUID, str]:
    """ "Objective code · initiative title" of the bound tenant's initiatives (all, or
    those of ``ids`` that exist)."""
    tenant = require_tenant(session)
    statement = (
        select(Initiative.id, Initiative.title, Objective.code)
        .join(
            Objective,
            (Objective.tenant_id == Initiative.tenant_id)
            & (Objective.id == Initiative.objective_id),
        )
        .where(Initiative.tenant_id == tenant)
    )
    if ids is not None:
        statement = statement.where(Initiative.id.in_(list(ids)))
    rows = await session.execute(statement.order_by(Objective.code, Initiative.title))
    return {row.id: f"{row.code} · {row.title}" for row in rows}


async def objectives_and_initiatives(
    session: AsyncSession,
) -> tuple[Sequence[Objective], Sequence[Initiative]]:
    """Every objective (by code) and initiative (by objective, then creation) of the bound
    tenant, in two queries, for roll-ups in other modules."""
    tenant = require_tenant(session)
    objectives = await session.scalars(
        select(Objective)
        .where(Objective.tenant_id == tenant)
        .order_by(Objective.code, Objective.id)
    )
    initiatives = await session.scalars(
        select(Initiative)
        .where(Initiative.tenant_id == tenant)
        .order_by(Initiative.objective_id, Initiative.created_at, Initiative.id)
    )
    return objectives.all(), initiatives.all()
