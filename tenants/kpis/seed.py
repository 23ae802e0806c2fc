"""The default workspace template and demo content for the KPI module: municipal ICT
indicators of the kind a top-layer SDBIP carries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import require_tenant
from saypro.tenants.kpis.models import (
    ANNUAL,
    ActualValue,
    Calculation,
    Indicator,
    InitiativeLink,
    ObjectiveLink,
    Target,
    Unit,
)
from saypro.tenants.kpis.periods import Frequency
from saypro.tenants.kpis.scoring import Direction, TargetType


def _indicator(
    code: str,
    name: str,
    definition: str,
    unit: Unit,
    decimals: int,
    direction: Direction,
    frequency: Frequency,
    target_type: TargetType,
    source: str,
    formula: str | None = None,
) -> dict[str, object]:
    return {
        "code": code,
        "name": name,
        "definition": definition,
        "unit": unit,
        "decimal_places": decimals,
        "direction": direction,
        "frequency": frequency,
        "target_type": target_type,
        "data_source": source,
        "calculation": Calculation.FORMULA if formula else Calculation.MANUAL,
        "formula": formula,
    }


PROGRAMME_INDICATORS: tuple[dict[str, object], ...] = (
    _indicator(
        "ICT1",
        "Network uptime of municipal sites",
        "Percentage of time the core network and site links were available during "
        "working hours, excluding planned maintenance.",
        Unit.PERCENTAGE,
        2,
        Direction.HIGHER_IS_BETTER,
        Frequency.QUARTERLY,
        TargetType.PER_PERIOD,
        "Network monitoring system availability report",
    ),
    _indicator(
        "ICT2A",
        "ICT helpdesk tickets logged",
        "Number of incidents and service requests logged with the ICT service desk.",
        Unit.NUMBER,
        0,
        Direction.WITHIN_RANGE,
        Frequency.MONTHLY,
        TargetType.PER_PERIOD,
        "ICT service desk system monthly report",
    ),
    _indicator(
        "ICT2B",
        "ICT helpdesk tickets resolved within SLA",
        "Number of logged tickets resolved within the service level agreement time.",
        Unit.NUMBER,
        0,
        Direction.HIGHER_IS_BETTER,
        Frequency.MONTHLY,
        TargetType.PER_PERIOD,
        "ICT service desk system monthly report",
    ),
    _indicator(
        "ICT2",
        "Percentage of ICT helpdesk tickets resolved within SLA",
        "Tickets resolved within SLA as a percentage of tickets logged.",
        Unit.PERCENTAGE,
        1,
        Direction.HIGHER_IS_BETTER,
        Frequency.MONTHLY,
        TargetType.PER_PERIOD,
        "Calculated from ICT2A and ICT2B",
        formula="ICT2B / ICT2A * 100",
    ),
    _indicator(
        "ICT3",
        "ICT strategy milestones achieved",
        "Number of milestones of the approved ICT strategic plan and roadmap achieved, as "
        "confirmed by the ICT Steering Committee.",
        Unit.NUMBER,
        0,
        Direction.HIGHER_IS_BETTER,
        Frequency.QUARTERLY,
        TargetType.CUMULATIVE,
        "ICT Steering Committee minutes and project close-out reports",
    ),
    _indicator(
        "ICT4",
        "Average days to restore critical systems after an outage",
        "Mean calendar days from the start of an unplanned outage of a critical system "
        "(financial system, ERP, email) to its full restoration.",
        Unit.DAYS,
        1,
        Direction.LOWER_IS_BETTER,
        Frequency.QUARTERLY,
        TargetType.PER_PERIOD,
        "ICT incident register",
    ),
    _indicator(
        "ICT5",
        "ICT governance policies reviewed and approved by council",
        "Number of ICT policies (security, backup, acceptable use, disaster recovery) "
        "reviewed and approved by council in the financial year.",
        Unit.NUMBER,
        0,
        Direction.HIGHER_IS_BETTER,
        Frequency.ANNUAL,
        TargetType.CUMULATIVE,
        "Council resolutions",
    ),
)


def seed_workspace(session: Session) -> None:
    """Create the programme's ICT indicators in a new workspace (skips codes that exist)."""
    tenant = require_tenant(session)
    existing = {
        code.lower()
        for code in session.scalars(select(Indicator.code).where(Indicator.tenant_id == tenant))
    }
    for fields in PROGRAMME_INDICATORS:
        if str(fields["code"]).lower() not in existing:
            session.add(Indicator(**fields))
    session.flush()


D = Decimal
# (code) -> (annual target, period targets, period actuals so far) for 2026/27.
DEMO_YEAR = 2026
DEMO_TARGETS: dict[str, tuple[str | None, list[str | None], list[str | None]]] = {
    "ICT1": ("99", ["99", "99", "99", "99"], ["99.42"]),
    "ICT2B": (None, ["360"] * 12, ["372", "341", "365", "380"]),
    "ICT2": ("90", ["90"] * 12, []),
    "ICT3": ("12", ["2", "4", "3", "3"], ["1"]),
    "ICT4": ("2", ["2", "2", "2", "2"], ["1.5"]),
    "ICT5": ("4", ["4"], []),
}
DEMO_RANGES: dict[str, tuple[list[str], list[str]]] = {
    # ICT2A: between 350 and 450 tickets a month is the expected demand.
    "ICT2A": (["350"] * 12, ["450"] * 12),
}
DEMO_LOGGED = ["401", "388", "420", "412"]


# The strategy module's tables, by name only: this module uses the strategy service,
# never its models.
_OBJECTIVES = table("strategy_objectives", column("id"), column("code"), column("tenant_id"))
_INITIATIVES = table("strategy_initiatives", column("id"), column("title"), column("tenant_id"))

# Which strategic objective each demo indicator measures (with its weight there) and
# which of the strategy demo's initiatives it tracks, so that the demo scorecard rolls up.
DEMO_LINKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ICT1": ("SO1", "2", ("Fibre link to satellite offices",)),
    "ICT4": ("SO1", "1", ("Disaster recovery site",)),
    "ICT2": ("SO2", "1", ()),
    "ICT3": ("SO3", "1", ("KPI dashboard for the municipal manager",)),
    "ICT5": ("SO7", "1", ()),
}


def _link_demo_indicators(session: Session, indicators: dict[str, Indicator]) -> None:
    tenant = require_tenant(session)
    objectives = dict(
        session.execute(
            select(_OBJECTIVES.c.code, _OBJECTIVES.c.id).where(_OBJECTIVES.c.tenant_id == tenant)
        ).all()
    )
    initiatives = dict(
        session.execute(
            select(_INITIATIVES.c.title, _INITIATIVES.c.id).where(
                _INITIATIVES.c.tenant_id == tenant
            )
        ).all()
    )
    linked = set(
        session.scalars(select(ObjectiveLink.indicator_id).where(ObjectiveLink.tenant_id == tenant))
    )
    for code, (objective, weight, titles) in DEMO_LINKS.items():
        indicator = indicators.get(code)
        if indicator is None or indicator.id in linked or objective not in objectives:
            continue
        session.add(
            ObjectiveLink(
                indicator_id=indicator.id,
                objective_id=objectives[objective],
                weight=Decimal(weight),
            )
        )
        for title in titles:
            if title in initiatives:
                session.add(
                    InitiativeLink(indicator_id=indicator.id, initiative_id=initiatives[title])
                )


def seed_demo(session: Session, users: dict[str, object]) -> None:
    """Demo content: the template with owners, 2026/27 targets and the actuals so far."""
    seed_workspace(session)
    owner = users.get("editor")
    owner_id = owner if isinstance(owner, uuid.UUID) else None
    admin = users.get("tenant_admin") or users.get("admin")
    reviewer_id = admin if isinstance(admin, uuid.UUID) else None
    tenant = require_tenant(session)
    indicators = {
        i.code: i for i in session.scalars(select(Indicator).where(Indicator.tenant_id == tenant))
    }
    already = set(
        session.scalars(
            select(Target.indicator_id).where(
                Target.tenant_id == tenant, Target.financial_year == DEMO_YEAR
            )
        )
    )
    for code, indicator in indicators.items():
        indicator.owner_id = indicator.owner_id or owner_id
        indicator.reviewer_id = indicator.reviewer_id or reviewer_id
        if indicator.id in already:
            continue
        if code == "ICT1":
            indicator.baseline_value, indicator.baseline_date = D("97.5"), date(2026, 6, 30)
        if code in DEMO_TARGETS:
            annual, targets, actuals = DEMO_TARGETS[code]
            _targets(session, indicator, annual, None, targets, [None] * len(targets))
            if indicator.calculation is Calculation.MANUAL:
                _actuals(session, indicator, actuals)
        if code in DEMO_RANGES:
            lower, upper = DEMO_RANGES[code]
            _targets(session, indicator, None, None, lower, upper)
            _actuals(session, indicator, DEMO_LOGGED)
    _link_demo_indicators(session, indicators)
    session.flush()


# The demo's 2026/27 targets are those of an adopted SDBIP: approved before the year began.
DEMO_TARGETS_APPROVED = datetime(2026, 6, 30, 10, tzinfo=UTC)


def _targets(
    session: Session,
    indicator: Indicator,
    annual: str | None,
    annual_upper: str | None,
    values: Sequence[str | None],
    uppers: Sequence[str | None],
) -> None:
    session.add(
        Target(
            indicator_id=indicator.id,
            financial_year=DEMO_YEAR,
            period=ANNUAL,
            value=D(annual) if annual else None,
            upper_value=D(annual_upper) if annual_upper else None,
            approved_at=DEMO_TARGETS_APPROVED,
        )
    )
    for number, (value, upper) in enumerate(zip(values, uppers, strict=True), start=1):
        session.add(
            Target(
                indicator_id=indicator.id,
                financial_year=DEMO_YEAR,
                period=number,
                value=D(value) if value else None,
                upper_value=D(upper) if upper else None,
                approved_at=DEMO_TARGETS_APPROVED,
            )
        )


def _actuals(session: Session, indicator: Indicator, values: Sequence[str | None]) -> None:
    for number, value in enumerate(values, start=1):
        if value is not None:
            session.add(
                ActualValue(
                    indicator_id=indicator.id,
                    financial_year=DEMO_YEAR,
                    period=number,
                    value=D(value),
                )
            )
