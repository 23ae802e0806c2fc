"""The workspace scorecard at a quarter of a financial year: every indicator's
year-to-date status and points, rolled up to initiatives, objectives and the workspace
(the policy is in rollup.py and docs/kpis.md).

Loading is a fixed number of queries whatever the number of indicators: the indicators,
the scale, the year's targets and actuals (load_year), the objectives and initiatives,
and the links. Judging and rolling up are pure.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import InvalidInput
from saypro.tenants.kpis import rollup, service
from saypro.tenants.kpis.evaluation import evaluate_quarter, load_year, status_read
from saypro.tenants.kpis.models import Indicator, InitiativeLink, ObjectiveLink
from saypro.tenants.kpis.periods import FinancialYear, quarter_end
from saypro.tenants.kpis.schemas import (
    InitiativeScoreRead,
    ObjectiveScoreRead,
    RollupRead,
    ScoreBandRead,
    ScorecardIndicatorRead,
    ScorecardRead,
    UnlinkedRead,
    WeightedIndicatorRead,
)
from saypro.tenants.kpis.scoring import Scale
from saypro.tenants.strategy import service as strategy


def latest_ended_quarter(today: date) -> tuple[FinancialYear, int]:
    """The latest quarter that has ended by ``today`` (its last day counts as ended)."""
    year = FinancialYear.containing(today)
    for quarter in (4, 3, 2, 1):
        if quarter_end(year, quarter) <= today:
            return year, quarter
    return FinancialYear(year.start_year - 1), 4


def choose_quarter(
    financial_year: int | None, quarter: int | None, today: date
) -> tuple[FinancialYear, int]:
    """The quarter asked for. Without a year: the latest ended quarter (or the given
    quarter of the current year). With a year and no quarter: that year's latest ended
    quarter, Q4 for a past year, Q1 for a year none of whose quarters has ended."""
    if quarter is not None and not 1 <= quarter <= 4:
        raise InvalidInput("must be a quarter from 1 to 4", field="quarter")
    if financial_year is not None and not 2000 <= financial_year <= 2099:
        raise InvalidInput("must be a year from 2000 to 2099", field="financial_year")
    latest_year, latest_quarter = latest_ended_quarter(today)
    if financial_year is None:
        if quarter is None:
            return latest_year, latest_quarter
        return FinancialYear.containing(today), quarter
    year = FinancialYear(financial_year)
    if quarter is not None:
        return year, quarter
    if year < latest_year:
        return year, 4
    if year == latest_year:
        return year, latest_quarter
    return year, 1


def _rollup_read(value: rollup.Rollup) -> RollupRead:
    return RollupRead(
        score=value.score,
        status=None if value.band is None else _band_read(value.band),
        counts=dict(value.counts),
        judged=value.judged,
        total=value.total,
    )


def _band_read(band: rollup.ScoreBand) -> ScoreBandRead:
    return ScoreBandRead(
        key=band.key,
        label=band.label,
        colour=band.colour,
        points=band.points,
        from_score=band.from_score,
    )


async def _structure(session: AsyncSession) -> rollup.Structure:
    tenant = require_tenant(session)
    objectives, initiatives = await strategy.objectives_and_initiatives(session)
    objective_links = await session.execute(
        select(ObjectiveLink.indicator_id, ObjectiveLink.objective_id, ObjectiveLink.weight).where(
            ObjectiveLink.tenant_id == tenant
        )
    )
    initiative_links = await session.execute(
        select(InitiativeLink.indicator_id, InitiativeLink.initiative_id).where(
            InitiativeLink.tenant_id == tenant
        )
    )
    return rollup.Structure(
        objectives=[rollup.ObjectiveNode(o.id, o.code, o.title) for o in objectives],
        initiatives=[
            rollup.InitiativeNode(i.id, i.objective_id, i.title, i.weight) for i in initiatives
        ],
        objective_links=[(row[0], row[1], row[2]) for row in objective_links],
        initiative_links=[(row[0], row[1]) for row in initiative_links],
    )


async def workspace_scorecard(
    session: AsyncSession,
    financial_year: int | None = None,
    quarter: int | None = None,
    *,
    today: date | None = None,
) -> ScorecardRead:
    """The bound tenant's scorecard, year to date at the end of the quarter."""
    today = today or today_sast()
    year, quarter = choose_quarter(financial_year, quarter, today)
    workspace = await service.workspace_scale(session)
    bands = rollup.score_bands(workspace)
    indicators = await service.indicators_by_id(session)
    data = await load_year(session, indicators, year.start_year)
    structure = await _structure(session)

    judged: dict[uuid.UUID, rollup.Judged] = {}
    rows: list[ScorecardIndicatorRead] = []
    for indicator in indicators:
        result = evaluate_quarter(
            indicator,
            year,
            data.targets.get(indicator.id, {}),
            data.actuals.get(indicator.id, {}),
            _scale_of(workspace, indicator),
            today,
            quarter,
        )
        points = rollup.points(bands, result.status)
        judged[indicator.id] = rollup.Judged(indicator.id, result.status, points)
        rows.append(
            ScorecardIndicatorRead(
                id=indicator.id,
                code=indicator.code,
                name=indicator.name,
                target=result.target,
                actual=result.actual,
                status=status_read(result.status),
                points=points,
                last_period=result.last_period,
            )
        )
    card = rollup.build(bands, structure, judged)
    return ScorecardRead(
        financial_year=year.start_year,
        label=year.label,
        quarter=quarter,
        as_of=quarter_end(year, quarter),
        scale=workspace.key,
        bands=[_band_read(b) for b in card.bands],
        workspace=_rollup_read(card.workspace),
        objectives=[
            ObjectiveScoreRead(
                **_rollup_read(o.rollup).model_dump(),
                id=o.node.id,
                code=o.node.code,
                title=o.node.title,
                indicators=[
                    WeightedIndicatorRead(indicator_id=i, weight=w) for i, w in o.indicators
                ],
                initiatives=[
                    InitiativeScoreRead(
                        **_rollup_read(s.rollup).model_dump(),
                        id=s.node.id,
                        title=s.node.title,
                        weight=s.node.weight,
                        indicator_ids=s.indicator_ids,
                    )
                    for s in o.initiatives
                ],
            )
            for o in card.objectives
        ],
        unlinked=UnlinkedRead(
            **_rollup_read(card.unlinked).model_dump(), indicator_ids=card.unlinked_ids
        ),
        indicators=rows,
    )


def _scale_of(workspace: Scale, indicator: Indicator) -> Scale:
    """The indicator's own thresholds only when it has any (most have none: no copy)."""
    return service.indicator_scale(workspace, indicator) if indicator.thresholds else workspace
