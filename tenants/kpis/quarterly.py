"""Indicators at the end of a quarter of a financial year, in bulk: what a section 52
quarterly report and the frameworks' "what feeds it" report show of each indicator.

A fixed number of queries for any number of indicators (indicators with their objective
links, the status scale, :func:`~saypro.tenants.kpis.evaluation.load_year`, evidence);
each indicator is then judged by the pure
:func:`~saypro.tenants.kpis.evaluation.evaluate_year`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from saypro.platform.db.tenancy import require_tenant
from saypro.tenants.kpis.evaluation import evaluate_year, load_year
from saypro.tenants.kpis.models import ANNUAL, ActualState, ActualValue, Evidence, Indicator
from saypro.tenants.kpis.periods import FinancialYear
from saypro.tenants.kpis.schemas import PeriodRead, StatusRead
from saypro.tenants.kpis.scoring import Actual, PeriodEntry, Scale, year_to_date
from saypro.tenants.kpis.scoring import Target as TargetValue

APPROVED_ONLY = frozenset({ActualState.APPROVED})
SUBMITTED = frozenset({ActualState.SUBMITTED, ActualState.APPROVED})
# The scale an indicator is judged on: the workspace's with the indicator's thresholds.
ScaleOf = Callable[[Scale, Indicator], Scale]


@dataclass(frozen=True)
class EvidenceRef:
    id: uuid.UUID
    file_name: str


@dataclass(frozen=True)
class QuarterLine:
    """One indicator at the end of a quarter."""

    indicator: Indicator
    objective_ids: list[uuid.UUID]  # the strategic objectives it measures, first link first
    annual_target: Decimal | None
    annual_upper_target: Decimal | None
    # The quarter on its own: the periods that end in it (one for a quarterly indicator,
    # three months for a monthly one, none for an annual indicator before Q4).
    quarter_target: Decimal | None
    quarter_actual: Decimal | None
    # Year to date at the end of the quarter, as the indicator's target type defines it.
    ytd_target: Decimal | None
    ytd_actual: Decimal | None
    status: StatusRead  # of the year to date, on the workspace's (or indicator's) scale
    state: ActualState | None  # of the latest actual that counts in the quarter
    deviation_reason: str
    corrective_measure: str
    evidence: list[EvidenceRef]


def _quarter_alone(indicator: Indicator, rows: Sequence[PeriodRead]) -> PeriodEntry:
    """The quarter's own target and actual from its periods (their effective targets)."""
    entries = [
        PeriodEntry(
            TargetValue(row.effective_target, row.upper_target)
            if row.effective_target is not None
            else None,
            Actual(row.actual, row.flag) if row.actual is not None or row.flag else None,
        )
        for row in rows
    ]
    return year_to_date(indicator.target_type, entries)


def _joined(rows: Sequence[tuple[str, str]]) -> str:
    """Texts of the quarter's periods; named by period when more than one says something."""
    said = [(label, text) for label, text in rows if text]
    if len(said) == 1:
        return said[0][1]
    return "; ".join(f"{label}: {text}" for label, text in said)


async def indicators_with_links(
    session: AsyncSession, indicator_ids: Collection[uuid.UUID] | None
) -> Sequence[Indicator]:
    statement = (
        select(Indicator)
        .where(Indicator.tenant_id == require_tenant(session))
        .options(selectinload(Indicator.objective_links))
        .order_by(Indicator.code, Indicator.id)
    )
    if indicator_ids is not None:
        statement = statement.where(Indicator.id.in_(list(indicator_ids)))
    return (await session.scalars(statement)).all()


async def _evidence(
    session: AsyncSession, actual_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[EvidenceRef]]:
    found: dict[uuid.UUID, list[EvidenceRef]] = {}
    if not actual_ids:
        return found
    rows = await session.scalars(
        select(Evidence)
        .where(Evidence.tenant_id == require_tenant(session), Evidence.actual_id.in_(actual_ids))
        .order_by(Evidence.created_at, Evidence.id)
    )
    for row in rows:
        found.setdefault(row.actual_id, []).append(EvidenceRef(row.id, row.file_name))
    return found


async def quarter_lines(
    session: AsyncSession,
    workspace: Scale,
    scale_of: ScaleOf,
    year: FinancialYear,
    quarter: int,
    *,
    indicator_ids: Collection[uuid.UUID] | None = None,
    states: Collection[ActualState] | None = None,
    today: date,
) -> list[QuarterLine]:
    indicators = await indicators_with_links(session, indicator_ids)
    data = await load_year(session, indicators, year.start_year, states=states, with_rows=True)
    in_quarter: dict[uuid.UUID, list[ActualValue]] = {}
    judged = []
    for indicator in indicators:
        evaluated = evaluate_year(
            indicator,
            year,
            data.targets.get(indicator.id, {}),
            data.actuals.get(indicator.id, {}),
            scale_of(workspace, indicator),
            today,
        )
        own = [row for row in evaluated.periods if row.quarter == quarter]
        stored = data.rows.get(indicator.id, {})
        in_quarter[indicator.id] = [stored[r.period] for r in own if r.period in stored]
        judged.append((indicator, evaluated, own))
    evidence = await _evidence(session, [row.id for rows in in_quarter.values() for row in rows])
    lines = []
    for indicator, evaluated, own in judged:
        annual = data.targets.get(indicator.id, {}).get(ANNUAL)
        at_quarter = evaluated.quarters[quarter - 1]
        alone = _quarter_alone(indicator, own) if own else PeriodEntry(None, None)
        stored_rows = in_quarter[indicator.id]
        labels = {r.period: r.label for r in own}
        lines.append(
            QuarterLine(
                indicator=indicator,
                objective_ids=[link.objective_id for link in indicator.objective_links],
                annual_target=annual.value if annual else None,
                annual_upper_target=annual.upper_value if annual else None,
                quarter_target=alone.target.value if alone.target else None,
                quarter_actual=alone.actual.value if alone.actual else None,
                ytd_target=at_quarter.target,
                ytd_actual=at_quarter.actual,
                status=at_quarter.status,
                state=stored_rows[-1].state if stored_rows else None,
                deviation_reason=_joined(
                    [(labels[r.period], r.deviation_reason) for r in stored_rows]
                ),
                corrective_measure=_joined(
                    [(labels[r.period], r.corrective_measure) for r in stored_rows]
                ),
                evidence=[e for r in stored_rows for e in evidence.get(r.id, [])],
            )
        )
    return lines
