"""Financial years of indicators evaluated in bulk: each period's target, actual and
status, year-to-date after each period and at each quarter.

Loading and judging are apart. :func:`load_year` reads the targets and actuals of any
number of indicators for one year in a fixed number of queries (scorecards, reports and
the public dashboard judge hundreds of indicators at once); :func:`evaluate_year` is
pure and judges one indicator from what was loaded.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.db.tenancy import require_tenant
from saypro.tenants.kpis import formulas
from saypro.tenants.kpis.models import ActualState, ActualValue, Calculation, Indicator, Target
from saypro.tenants.kpis.periods import FinancialYear, Period, periods, periods_up_to_quarter
from saypro.tenants.kpis.periods import quarter_end as end_of_quarter
from saypro.tenants.kpis.repository import IndicatorRepository
from saypro.tenants.kpis.schemas import PeriodRead, QuarterRead, StatusRead
from saypro.tenants.kpis.scoring import (
    Actual,
    PeriodEntry,
    Scale,
    Status,
    effective_targets,
    evaluate,
    year_to_date,
)
from saypro.tenants.kpis.scoring import Target as TargetValue

STORED_SCALE = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class StoredTarget:
    """A stored target as read for judging (the columns, not the ORM row: a scorecard
    reads thousands, and building ORM objects was most of its time)."""

    id: uuid.UUID
    value: Decimal | None
    upper_value: Decimal | None
    approved_at: datetime | None


class TargetLike(Protocol):
    """What judging reads of a target: a :class:`StoredTarget` or a ``Target`` row."""

    @property
    def value(self) -> Decimal | None: ...

    @property
    def upper_value(self) -> Decimal | None: ...


@dataclass(frozen=True)
class YearData:
    """What was stored for one financial year, by indicator id and period number."""

    targets: Mapping[uuid.UUID, Mapping[int, StoredTarget]]
    actuals: Mapping[uuid.UUID, Mapping[int, Actual]]
    # The stored actuals of the indicators themselves (state, deviation, measure).
    rows: Mapping[uuid.UUID, Mapping[int, ActualValue]] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluatedYear:
    periods: list[PeriodRead]
    quarters: list[QuarterRead]


def status_read(status: Status) -> StatusRead:
    return StatusRead(
        key=status.key,
        label=status.label,
        colour=status.colour,
        achievement=status.achievement,
        condition=status.condition,
    )


async def load_year(
    session: AsyncSession,
    indicators: Sequence[Indicator],
    year: int,
    *,
    states: Collection[ActualState] | None = None,
    with_rows: bool = False,
) -> YearData:
    """Targets and actuals of ``indicators`` for ``year``; a calculated indicator's
    actual for a period is its formula over the actuals reported for the same period by
    the indicators it uses (those with the same reporting frequency). With ``states``
    only actuals in those review states count, as inputs of formulas too (a report of
    approved actuals only; the public dashboard). ``with_rows`` keeps the stored actuals
    of the indicators themselves (state, reason for deviation: the quarterly report)."""
    tenant = require_tenant(session)
    if not indicators:
        return YearData({}, {})
    ids = [i.id for i in indicators]
    targets: dict[uuid.UUID, dict[int, StoredTarget]] = defaultdict(dict)
    for indicator_id, period, target_id, value, upper, approved_at in await session.execute(
        select(
            Target.indicator_id,
            Target.period,
            Target.id,
            Target.value,
            Target.upper_value,
            Target.approved_at,
        ).where(
            Target.tenant_id == tenant,
            Target.indicator_id.in_(ids),
            Target.financial_year == year,
        )
    ):
        targets[indicator_id][period] = StoredTarget(target_id, value, upper, approved_at)

    parsed = {
        i.id: formulas.parse(i.formula)
        for i in indicators
        if i.calculation is Calculation.FORMULA and i.formula
    }
    known = {i.code.lower(): i for i in indicators}
    wanted = {code.lower() for node in parsed.values() for code in formulas.references(node)}
    missing = sorted(wanted - set(known))
    if missing:
        for extra in await IndicatorRepository(session).by_codes(missing):
            known[extra.code.lower()] = extra
    read_ids = set(ids) | {known[c].id for c in wanted if c in known}
    recorded: dict[uuid.UUID, dict[int, Actual]] = defaultdict(dict)
    stored: dict[uuid.UUID, dict[int, ActualValue]] = defaultdict(dict)
    where = [
        ActualValue.tenant_id == tenant,
        ActualValue.indicator_id.in_(list(read_ids)),
        ActualValue.financial_year == year,
    ]
    if states is not None:
        where.append(ActualValue.state.in_(list(states)))
    if with_rows:
        for row in await session.scalars(select(ActualValue).where(*where)):
            recorded[row.indicator_id][row.period] = Actual(row.value, row.flag)
            stored[row.indicator_id][row.period] = row
    else:
        # Only the columns judging needs: building ORM objects for every actual of a
        # workspace was half of a scorecard's time.
        for indicator_id, period, value, flag in await session.execute(
            select(
                ActualValue.indicator_id, ActualValue.period, ActualValue.value, ActualValue.flag
            ).where(*where)
        ):
            recorded[indicator_id][period] = Actual(value, flag)

    actuals: dict[uuid.UUID, dict[int, Actual]] = {}
    for indicator in indicators:
        node = parsed.get(indicator.id)
        if node is None:
            actuals[indicator.id] = dict(recorded.get(indicator.id, {}))
            continue
        codes = {code.lower() for code in formulas.references(node)}
        inputs = {
            code: known[code]
            for code in codes
            if code in known and known[code].frequency is indicator.frequency
        }
        computed: dict[int, Actual] = {}
        for number in range(1, indicator.frequency.periods_per_year + 1):
            values = {
                code: reported.value
                for code, source in inputs.items()
                if (reported := recorded.get(source.id, {}).get(number)) is not None
            }
            value = formulas.evaluate(node, values)
            if value is not None:
                computed[number] = Actual(value.quantize(STORED_SCALE))
        actuals[indicator.id] = computed
    return YearData(targets, actuals, {i: stored.get(i, {}) for i in ids} if with_rows else {})


def _reported(actual: Actual | None) -> bool:
    return actual is not None and actual.reported


def _entries(
    indicator: Indicator,
    year_periods: Sequence[Period],
    targets: Mapping[int, TargetLike],
    actuals: Mapping[int, Actual],
) -> list[PeriodEntry]:
    return [
        PeriodEntry(
            TargetValue(targets[p.number].value, targets[p.number].upper_value)
            if p.number in targets
            else None,
            actuals.get(p.number),
        )
        for p in year_periods
    ]


@dataclass(frozen=True)
class QuarterResult:
    """The year-to-date at the end of a quarter, and the latest period it covers."""

    quarter: int
    target: Decimal | None
    actual: Decimal | None
    status: Status
    last_period: int | None  # None when no period has ended by then (annual before Q4)


def _quarter(
    indicator: Indicator,
    year: FinancialYear,
    entries: Sequence[PeriodEntry],
    scale: Scale,
    today: date,
    quarter: int,
) -> QuarterResult:
    covered = periods_up_to_quarter(year, indicator.frequency, quarter)
    subset = entries[: len(covered)]
    ytd = year_to_date(indicator.target_type, subset)
    is_due = bool(covered) and (
        end_of_quarter(year, quarter) <= today or _reported(subset[-1].actual)
    )
    return QuarterResult(
        quarter=quarter,
        target=ytd.target.value if ytd.target else None,
        actual=ytd.actual.value if ytd.actual else None,
        status=evaluate(ytd.actual, ytd.target, indicator.direction, scale, due=is_due),
        last_period=covered[-1].number if covered else None,
    )


def evaluate_quarter(
    indicator: Indicator,
    year: FinancialYear,
    targets: Mapping[int, TargetLike],
    actuals: Mapping[int, Actual],
    scale: Scale,
    today: date,
    quarter: int,
) -> QuarterResult:
    """The year-to-date status at the end of ``quarter`` alone (scorecards judge hundreds
    of indicators at one quarter and need nothing else)."""
    entries = _entries(indicator, periods(year, indicator.frequency), targets, actuals)
    return _quarter(indicator, year, entries, scale, today, quarter)


def evaluate_year(
    indicator: Indicator,
    year: FinancialYear,
    targets: Mapping[int, TargetLike],
    actuals: Mapping[int, Actual],
    scale: Scale,
    today: date,
) -> EvaluatedYear:
    """Each period's target, actual and status with the year-to-date after it, and the
    year-to-date at each quarter (what a quarterly report covers). A period is judged
    once it has ended or has something reported."""
    year_periods = periods(year, indicator.frequency)
    entries = _entries(indicator, year_periods, targets, actuals)
    effective = effective_targets(indicator.target_type, entries)

    def due(period: Period, actual: Actual | None) -> bool:
        return period.is_due_by(today) or _reported(actual)

    period_rows = []
    for index, period in enumerate(year_periods):
        entry = entries[index]
        ytd = year_to_date(indicator.target_type, entries[: index + 1])
        is_due = due(period, entry.actual)
        carried = effective[index]
        period_rows.append(
            PeriodRead(
                period=period.number,
                label=period.label,
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                quarter=period.quarter,
                target=entry.target.value if entry.target else None,
                upper_target=entry.target.upper if entry.target else None,
                effective_target=carried.value if carried else None,
                actual=entry.actual.value if entry.actual else None,
                flag=entry.actual.flag if entry.actual else None,
                status=status_read(
                    evaluate(entry.actual, carried, indicator.direction, scale, due=is_due)
                ),
                ytd_target=ytd.target.value if ytd.target else None,
                ytd_actual=ytd.actual.value if ytd.actual else None,
                ytd_status=status_read(
                    evaluate(ytd.actual, ytd.target, indicator.direction, scale, due=is_due)
                ),
            )
        )
    quarters = []
    for quarter in range(1, 5):
        result = _quarter(indicator, year, entries, scale, today, quarter)
        quarters.append(
            QuarterRead(
                quarter=quarter,
                target=result.target,
                actual=result.actual,
                status=status_read(result.status),
            )
        )
    return EvaluatedYear(period_rows, quarters)
