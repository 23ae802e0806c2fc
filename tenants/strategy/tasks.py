"""Jobs of the strategy module. They take ids only and re-read state (at-least-once)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from saypro.platform.jobs.registry import job
from saypro.tenants.strategy.service import (
    RECOMPUTE_ALL_JOB,
    RECOMPUTE_JOB,
    recompute_progress,
    stale_objective_ids,
)


@job(RECOMPUTE_JOB)
def recompute_objective_progress(session: Session, *, objective_id: str) -> None:
    recompute_progress(session, uuid.UUID(objective_id))


@job(RECOMPUTE_ALL_JOB)
def recompute_all_objectives(session: Session) -> None:
    """Nightly safety net: recompute every objective of the tenant whose roll-up is stale."""
    for objective_id in stale_objective_ids(session):
        recompute_progress(session, objective_id)
