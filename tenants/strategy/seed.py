"""The default workspace template and demo content for the strategy module."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import require_tenant
from saypro.platform.jobs.registry import enqueue_sync
from saypro.tenants.strategy.models import (
    Initiative,
    InitiativeStatus,
    Objective,
    ObjectiveStatus,
    Phase,
)
from saypro.tenants.strategy.service import RECOMPUTE_JOB

# The programme's seven strategic objectives.
PROGRAMME_OBJECTIVES: tuple[tuple[str, str, str], ...] = (
    (
        "SO1",
        "Strengthen Municipal Digital Infrastructure",
        "Reliable networks, data centres, cloud and end-user computing across all municipal sites.",
    ),
    (
        "SO2",
        "Enhance Operational Efficiency Through Technology",
        "Automate and integrate business processes (ERP, document management, workflow).",
    ),
    (
        "SO3",
        "Promote Data-Driven Decision Making",
        "Trusted data, analytics platforms and performance dashboards for management and council.",
    ),
    (
        "SO4",
        "Improve Citizen Engagement Through Digital Platforms",
        "Websites, portals and mobile applications for service requests and feedback.",
    ),
    (
        "SO5",
        "Foster Collaboration Across Departments Using Technology",
        "Shared systems and interdepartmental digital collaboration frameworks.",
    ),
    (
        "SO6",
        "Build Multi-Stakeholder Technology Partnerships",
        "Partnerships with government, private sector, academia and civil society.",
    ),
    (
        "SO7",
        "Institutionalize Sustainable Technology Governance",
        "ICT policies, the ICT Steering Committee, compliance reporting and audit readiness.",
    ),
)


def seed_workspace(session: Session) -> None:
    """Create the programme's seven objectives in a new workspace (skips codes that exist)."""
    tenant = require_tenant(session)
    existing = set(session.scalars(select(Objective.code).where(Objective.tenant_id == tenant)))
    for code, title, description in PROGRAMME_OBJECTIVES:
        if code not in existing:
            session.add(Objective(code=code, title=title, description=description))
    session.flush()


DEMO_INITIATIVES: dict[str, list[tuple[str, Phase, InitiativeStatus, str, str]]] = {
    "SO1": [
        (
            "ICT and digital infrastructure audit",
            Phase.ASSESSMENT,
            InitiativeStatus.COMPLETED,
            "2",
            "100",
        ),
        (
            "Fibre link to satellite offices",
            Phase.IMPLEMENTATION,
            InitiativeStatus.IN_PROGRESS,
            "3",
            "45",
        ),
        (
            "Disaster recovery site",
            Phase.STRATEGY_DEVELOPMENT,
            InitiativeStatus.NOT_STARTED,
            "1",
            "10",
        ),
    ],
    "SO3": [
        (
            "KPI dashboard for the municipal manager",
            Phase.IMPLEMENTATION,
            InitiativeStatus.IN_PROGRESS,
            "2",
            "60",
        ),
        (
            "Data quality review of SDBIP indicators",
            Phase.MONITORING_OPTIMISATION,
            InitiativeStatus.IN_PROGRESS,
            "1",
            "30",
        ),
    ],
    "SO4": [
        (
            "Service request mobile app",
            Phase.STRATEGY_DEVELOPMENT,
            InitiativeStatus.IN_PROGRESS,
            "2",
            "20",
        ),
    ],
}


def seed_demo(session: Session, users: dict[str, object]) -> None:
    """Demo content: the template, dates and statuses, and initiatives with a roll-up job each."""
    seed_workspace(session)
    owner = users.get("editor")
    owner_id = owner if isinstance(owner, uuid.UUID) else None
    objectives = {
        o.code: o
        for o in session.scalars(
            select(Objective).where(Objective.tenant_id == require_tenant(session))
        )
    }
    for code, objective in objectives.items():
        objective.start_date = date(2026, 7, 1)
        objective.target_date = date(2027, 6, 30)
        objective.owner_id = owner_id
        for title, phase, status, weight, percent in DEMO_INITIATIVES.get(code, []):
            session.add(
                Initiative(
                    objective_id=objective.id,
                    title=title,
                    phase=phase,
                    status=status,
                    weight=Decimal(weight),
                    percent_complete=Decimal(percent),
                    owner_id=owner_id,
                )
            )
        if code in DEMO_INITIATIVES:
            objective.status = ObjectiveStatus.ON_TRACK
            session.flush()
            enqueue_sync(session, RECOMPUTE_JOB, objective_id=str(objective.id))
    session.flush()
