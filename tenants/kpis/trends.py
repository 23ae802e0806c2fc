"""Trends: an indicator's target and actual period by period over several financial
years, with each period's status (the trend chart, the public dashboard).

One financial year is read with :func:`~saypro.tenants.kpis.evaluation.load_year` for
all the indicators at once, so the number of queries grows with the years asked for,
never with the number of indicators.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.clock import today_sast
from saypro.platform.errors import InvalidInput
from saypro.tenants.kpis import service
from saypro.tenants.kpis.evaluation import evaluate_year, load_year
from saypro.tenants.kpis.models import Indicator
from saypro.tenants.kpis.periods import FinancialYear, Frequency, periods
from saypro.tenants.kpis.repository import IndicatorRepository
from saypro.tenants.kpis.schemas import TrendPointRead, TrendRead

DEFAULT_YEARS = 5
MAX_YEARS = 10


def _short_label(year: FinancialYear, frequency: Frequency, name: str) -> str:
    """ "Q1 2026/27", "H2 2026/27", "Annual 2026/27"; months name their calendar year."""
    return name if frequency is Frequency.MONTHLY else f"{name} {year.label}"


def trend_years(through: int | None, years: int, today: date) -> list[FinancialYear]:
    """``years`` financial years ending with ``through`` (default: the current one)."""
    if not 1 <= years <= MAX_YEARS:
        raise InvalidInput(f"must be from 1 to {MAX_YEARS}", field="years")
    last = FinancialYear.containing(today).start_year if through is None else through
    if not 2000 <= last <= 2099:
        raise InvalidInput("must be a year from 2000 to 2099", field="financial_year")
    return [FinancialYear(start) for start in range(max(2000, last - years + 1), last + 1)]


async def indicator_trends(
    session: AsyncSession,
    indicators: Sequence[Indicator],
    years: Sequence[FinancialYear],
    *,
    today: date | None = None,
) -> dict[uuid.UUID, TrendRead]:
    """The trend of each of ``indicators`` (of the session's tenant) over ``years``."""
    today = today or today_sast()
    workspace = await service.workspace_scale(session)
    points: dict[uuid.UUID, list[TrendPointRead]] = {i.id: [] for i in indicators}
    for year in years:
        data = await load_year(session, indicators, year.start_year)
        for indicator in indicators:
            evaluated = evaluate_year(
                indicator,
                year,
                data.targets.get(indicator.id, {}),
                data.actuals.get(indicator.id, {}),
                service.indicator_scale(workspace, indicator),
                today,
            )
            for period, row in zip(
                periods(year, indicator.frequency), evaluated.periods, strict=True
            ):
                points[indicator.id].append(
                    TrendPointRead(
                        financial_year=year.start_year,
                        period=row.period,
                        label=_short_label(year, indicator.frequency, period.name),
                        ends_on=row.ends_on,
                        target=row.effective_target,
                        upper_target=row.upper_target,
                        actual=row.actual,
                        flag=row.flag,
                        status=row.status,
                    )
                )
    return {
        indicator.id: TrendRead(
            indicator_id=indicator.id,
            code=indicator.code,
            name=indicator.name,
            unit=indicator.unit,
            decimal_places=indicator.decimal_places,
            first_year=years[0].start_year if years else None,
            last_year=years[-1].start_year if years else None,
            points=points[indicator.id],
        )
        for indicator in indicators
    }


async def indicator_trend(
    session: AsyncSession,
    indicator_id: uuid.UUID,
    *,
    through: int | None = None,
    years: int = DEFAULT_YEARS,
    today: date | None = None,
) -> TrendRead:
    """One indicator's periods over ``years`` financial years up to ``through`` (the
    current one by default): target (carried over where the period has none), actual
    and status. Another tenant's indicator is not found."""
    today = today or today_sast()
    span = trend_years(through, years, today)
    indicator = await IndicatorRepository(session).get(indicator_id)
    return (await indicator_trends(session, [indicator], span, today=today))[indicator.id]
