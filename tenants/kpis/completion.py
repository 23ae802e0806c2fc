"""Completion: how much of what was due has been reported, approved, or is overdue —
for a financial year (optionally one quarter), in total, per quarter, per owner and per
department.

Three aggregate queries (indicators grouped by owner, department and frequency; actuals
grouped the same way and by period and state; the locked quarters) and arithmetic over
the groups, never a query per indicator. The queries are plain statements so the web
(async) and the weekly digest (a job, sync) run the same ones.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from saypro.platform.identity.models import User
from saypro.tenants.kpis.models import ActualState, ActualValue, Calculation, Indicator, PeriodLock
from saypro.tenants.kpis.periods import FinancialYear, Frequency, periods
from saypro.tenants.kpis.reminder_schemas import Completion, CompletionRow, OwnerCompletion
from saypro.tenants.kpis.schedule import awaits_report, is_overdue

REPORTED = (ActualState.SUBMITTED, ActualState.APPROVED)
NO_DEPARTMENT = "No department"
NO_OWNER = "No owner"
ONE_PLACE = Decimal("0.1")


def indicator_groups(tenant_id: uuid.UUID) -> Select[uuid.UUID | None, str, Frequency, int]:
    return (
        select(Indicator.owner_id, Indicator.department, Indicator.frequency, func.count())
        .where(Indicator.tenant_id == tenant_id, Indicator.calculation == Calculation.MANUAL)
        .group_by(Indicator.owner_id, Indicator.department, Indicator.frequency)
    )


def actual_groups(
    tenant_id: uuid.UUID, year: int
) -> Select[uuid.UUID | None, str, Frequency, int, ActualState, int]:
    return (
        select(
            Indicator.owner_id,
            Indicator.department,
            Indicator.frequency,
            ActualValue.period,
            ActualValue.state,
            func.count(),
        )
        .join(
            Indicator,
            and_(
                Indicator.tenant_id == ActualValue.tenant_id,
                Indicator.id == ActualValue.indicator_id,
            ),
        )
        .where(
            ActualValue.tenant_id == tenant_id,
            ActualValue.financial_year == year,
            ActualValue.state.in_(REPORTED),
            Indicator.calculation == Calculation.MANUAL,
        )
        .group_by(
            Indicator.owner_id,
            Indicator.department,
            Indicator.frequency,
            ActualValue.period,
            ActualValue.state,
        )
    )


def locked_quarters(tenant_id: uuid.UUID, year: int) -> Select[int]:
    return select(PeriodLock.quarter).where(
        PeriodLock.tenant_id == tenant_id,
        PeriodLock.financial_year == year,
        PeriodLock.locked.is_(True),
    )


def owner_names(owner_ids: Iterable[uuid.UUID]) -> Select[uuid.UUID, str]:
    return select(User.id, User.full_name).where(User.id.in_(list(owner_ids)))


def percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass
class Tally:
    expected: int = 0
    reported: int = 0
    approved: int = 0
    overdue: int = 0

    def add(self, expected: int, reported: int, approved: int, overdue: int) -> None:
        self.expected += expected
        self.reported += reported
        self.approved += approved
        self.overdue += overdue

    def row(self, key: str, label: str) -> CompletionRow:
        return CompletionRow(
            key=key,
            label=label,
            expected=self.expected,
            reported=self.reported,
            approved=self.approved,
            overdue=self.overdue,
            reported_percent=percent(self.reported, self.expected),
            approved_percent=percent(self.approved, self.expected),
            overdue_percent=percent(self.overdue, self.expected),
        )


Group = tuple[uuid.UUID | None, str, Frequency]


@dataclass
class Figures:
    total: Tally = field(default_factory=Tally)
    by_quarter: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_owner: dict[uuid.UUID | None, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_department: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))


def tally(
    year: FinancialYear,
    quarter: int | None,
    today: date,
    indicators: Iterable[tuple[uuid.UUID | None, str, Frequency, int]],
    actuals: Iterable[tuple[uuid.UUID | None, str, Frequency, int, ActualState, int]],
    locked: set[int],
) -> Figures:
    """The figures from the grouped rows: each group's indicators count once for every
    period of the year that has ended by ``today`` (and lies in ``quarter``, if given)."""
    reported: dict[tuple[Group, int], int] = defaultdict(int)
    approved: dict[tuple[Group, int], int] = defaultdict(int)
    for owner, department, frequency, number, state, count in actuals:
        key = ((owner, department, frequency), number)
        reported[key] += count
        if state is ActualState.APPROVED:
            approved[key] += count
    figures = Figures()
    for owner, department, frequency, count in indicators:
        group: Group = (owner, department, frequency)
        for period in periods(year, frequency):
            if period.ends_on > today or (quarter is not None and period.quarter != quarter):
                continue
            done = min(reported[(group, period.number)], count)
            waiting = count - done
            late = is_overdue(period, today) and awaits_report(
                period, today, reported=False, locked=period.quarter in locked
            )
            values = (count, done, min(approved[(group, period.number)], count), waiting * late)
            for target in (
                figures.total,
                figures.by_quarter[period.quarter],
                figures.by_owner[owner],
                figures.by_department[department],
            ):
                target.add(*values)
    return figures


def _result(
    year: FinancialYear,
    quarter: int | None,
    today: date,
    figures: Figures,
    names: dict[uuid.UUID, str],
) -> Completion:
    owners = [
        OwnerCompletion(
            owner_id=owner,
            **figures.by_owner[owner]
            .row(str(owner) if owner else "none", names.get(owner, NO_OWNER) if owner else NO_OWNER)
            .model_dump(),
        )
        for owner in figures.by_owner
    ]
    owners.sort(key=lambda row: (row.owner_id is None, row.label.lower()))
    departments = sorted(figures.by_department, key=lambda d: (d == "", d.lower()))
    return Completion(
        financial_year=year.start_year,
        label=year.label,
        quarter=quarter,
        as_of=today,
        total=figures.total.row("total", "All indicators"),
        by_quarter=[
            figures.by_quarter[q].row(f"Q{q}", f"Q{q}") for q in sorted(figures.by_quarter)
        ],
        by_owner=owners,
        by_department=[
            figures.by_department[d].row(d or "none", d or NO_DEPARTMENT) for d in departments
        ],
    )


async def completion(
    session: AsyncSession, tenant_id: uuid.UUID, year: int, quarter: int | None, today: date
) -> Completion:
    fy = FinancialYear(year)
    indicators = (await session.execute(indicator_groups(tenant_id))).all()
    actuals = (await session.execute(actual_groups(tenant_id, year))).all()
    locked = set((await session.scalars(locked_quarters(tenant_id, year))).all())
    figures = tally(fy, quarter, today, indicators, actuals, locked)
    owners = [owner for owner in figures.by_owner if owner is not None]
    names: dict[uuid.UUID, str] = (
        dict((await session.execute(owner_names(owners))).all()) if owners else {}
    )
    return _result(fy, quarter, today, figures, names)


def completion_sync(
    session: Session, tenant_id: uuid.UUID, year: int, quarter: int | None, today: date
) -> Completion:
    fy = FinancialYear(year)
    indicators = session.execute(indicator_groups(tenant_id)).all()
    actuals = session.execute(actual_groups(tenant_id, year)).all()
    locked = set(session.scalars(locked_quarters(tenant_id, year)).all())
    figures = tally(fy, quarter, today, indicators, actuals, locked)
    owners = [owner for owner in figures.by_owner if owner is not None]
    names: dict[uuid.UUID, str] = dict(session.execute(owner_names(owners)).all()) if owners else {}
    return _result(fy, quarter, today, figures, names)
