"""Reporting actuals and their review: draft → submitted → approved, or returned with
the reviewer's comment (and reported again); quarters locked by a tenant admin, and
unlocked only with a reason; what each user has to report.

Who may do what is decided here, not only by the route's permission: a contributor
reports only the indicators they own; only the indicator's reviewer or a tenant admin
approves or returns, and nobody approves their own submission. Every step is audited
in the request's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.clock import today_sast
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import Conflict, DomainError, InvalidInput, NotFound
from saypro.tenants.kpis import service
from saypro.tenants.kpis.models import (
    ActualState,
    ActualValue,
    Calculation,
    Evidence,
    Indicator,
    PeriodLock,
)
from saypro.tenants.kpis.periods import FinancialYear, Period, periods
from saypro.tenants.kpis.periods import period as period_of_year
from saypro.tenants.kpis.repository import IndicatorRepository
from saypro.tenants.kpis.schedule import awaits_report, due_date, is_overdue
from saypro.tenants.kpis.schemas import (
    ActualRead,
    ActualSet,
    EvidenceRead,
    LockRead,
    MyUpdates,
    UpdateItem,
)

# Colours of the statuses that need a reason for the deviation and a corrective measure.
OFF_TARGET = frozenset({"amber", "red"})
EDITABLE = frozenset({ActualState.DRAFT, ActualState.RETURNED})
STEP_FIELDS = ["state", "reviewer_comment", "submitted_by", "approved_by", "returned_by"]


class NotAllowed(DomainError):
    """The person may see this, but this step is not theirs to take."""

    status_code = 403


@dataclass(frozen=True)
class Reporter:
    """Who takes a step, with what their role grants in this municipality."""

    user_id: uuid.UUID
    can_edit: bool  # holds kpis.write: reports any indicator
    is_admin: bool  # holds kpis.periods.manage: locks quarters, reviews any indicator


# Locks ----------------------------------------------------------------------------------


async def _lock_row(
    session: AsyncSession, year: int, quarter: int, *, for_update: bool = False
) -> PeriodLock | None:
    statement = select(PeriodLock).where(
        PeriodLock.tenant_id == require_tenant(session),
        PeriodLock.financial_year == year,
        PeriodLock.quarter == quarter,
    )
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def locked_quarters(session: AsyncSession, year: int) -> set[int]:
    rows = await session.scalars(
        select(PeriodLock.quarter).where(
            PeriodLock.tenant_id == require_tenant(session),
            PeriodLock.financial_year == year,
            PeriodLock.locked.is_(True),
        )
    )
    return set(rows)


async def _check_unlocked(session: AsyncSession, period: Period) -> None:
    lock = await _lock_row(session, period.year.start_year, period.quarter)
    refuse_if_locked(period, {period.quarter} if lock is not None and lock.locked else set())


def refuse_if_locked(period: Period, locked: Collection[int]) -> None:
    """Refuse a change to the period when its quarter is among the year's ``locked``."""
    if period.quarter in locked:
        raise Conflict(
            f"Q{period.quarter} {period.year.label} is locked for reporting; a tenant admin "
            "must unlock it (with a reason) before anything in it changes",
            field="period",
        )


async def list_locks(session: AsyncSession, year: int) -> list[LockRead]:
    service._check_year(year)
    rows = await session.scalars(
        select(PeriodLock)
        .where(PeriodLock.tenant_id == require_tenant(session), PeriodLock.financial_year == year)
        .order_by(PeriodLock.quarter)
    )
    return [LockRead.model_validate(row) for row in rows]


async def _now(session: AsyncSession) -> datetime:
    return await session.scalar(select(func.now())) or datetime.now().astimezone()


async def lock(session: AsyncSession, year: int, quarter: int) -> LockRead:
    """Close a quarter for reporting; locking a locked quarter changes nothing."""
    service.check_quarter(year, quarter)
    row = await _lock_row(session, year, quarter, for_update=True)
    if row is not None and row.locked:
        return LockRead.model_validate(row)
    if row is None:
        row = PeriodLock(financial_year=year, quarter=quarter, unlock_reason="")
        session.add(row)
    row.locked, row.locked_by, row.locked_at = True, service._actor_id(session), await _now(session)
    await session.flush()
    audit.record(
        session,
        "kpis.period.locked",
        entity_type="kpi_period_lock",
        entity_id=row.id,
        after={"financial_year": year, "quarter": quarter},
    )
    return LockRead.model_validate(row)


async def unlock(session: AsyncSession, year: int, quarter: int, reason: str) -> LockRead:
    service.check_quarter(year, quarter)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the locked quarter must change", field="reason")
    row = await _lock_row(session, year, quarter, for_update=True)
    if row is None or not row.locked:
        raise Conflict(f"Q{quarter} of {FinancialYear(year).label} is not locked", field="quarter")
    row.locked = False
    row.unlocked_by, row.unlocked_at = service._actor_id(session), await _now(session)
    row.unlock_reason = reason
    await session.flush()
    audit.record(
        session,
        "kpis.period.unlocked",
        entity_type="kpi_period_lock",
        entity_id=row.id,
        before={"financial_year": year, "quarter": quarter, "locked": True},
        after={"financial_year": year, "quarter": quarter, "locked": False, "reason": reason},
    )
    return LockRead.model_validate(row)


# Actuals ----------------------------------------------------------------------------------


def _period(indicator: Indicator, year: int, number: int) -> Period:
    fy = service._check_year(year)
    count = indicator.frequency.periods_per_year
    if not 1 <= number <= count:
        raise InvalidInput(
            f"a {indicator.frequency.value} indicator has periods 1 to {count}", field="period"
        )
    return period_of_year(fy, indicator.frequency, number)


def check_reporter(indicator: Indicator, reporter: Reporter) -> None:
    if reporter.can_edit or indicator.owner_id == reporter.user_id:
        return
    raise NotAllowed("you may report only the indicators you own", field="indicator")


def _check_reviewer(indicator: Indicator, reporter: Reporter) -> None:
    if not (reporter.is_admin or indicator.reviewer_id == reporter.user_id):
        raise NotAllowed(
            "only the indicator's reviewer or a tenant admin reviews its actuals", field="state"
        )


async def _actual(
    session: AsyncSession, indicator_id: uuid.UUID, year: int, period: int
) -> ActualValue | None:
    return await session.scalar(
        select(ActualValue)
        .where(
            ActualValue.tenant_id == require_tenant(session),
            ActualValue.indicator_id == indicator_id,
            ActualValue.financial_year == year,
            ActualValue.period == period,
        )
        .with_for_update()
    )


async def _require_actual(
    session: AsyncSession, indicator: Indicator, period: Period
) -> ActualValue:
    row = await _actual(session, indicator.id, period.year.start_year, period.number)
    if row is None:
        raise Conflict(f"nothing is reported for {period.label} yet", field="period")
    return row


def _check_editable(row: ActualValue | None) -> None:
    check_editable(None if row is None else row.state)


def check_editable(state: ActualState | None) -> None:
    """Refuse a change to an actual in ``state`` (None: nothing reported yet) unless it
    is a draft or was returned."""
    if state is None or state in EDITABLE:
        return
    if state is ActualState.SUBMITTED:
        raise Conflict(
            "this actual is submitted for review; it can change once the reviewer returns it",
            field="state",
        )
    raise Conflict(
        "this actual is approved and read-only; the reviewer can return it for changes",
        field="state",
    )


async def report(
    session: AsyncSession,
    reporter: Reporter,
    indicator_id: uuid.UUID,
    year: int,
    period: int,
    data: ActualSet,
) -> ActualRead:
    """Save a period's actual as a draft (or change a returned one)."""
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    check_reporter(indicator, reporter)
    which = _period(indicator, year, period)
    await _check_unlocked(session, which)
    _check_editable(await _actual(session, indicator.id, year, period))
    await service.set_actual(session, indicator.id, year, period, data)
    return await actual_read(session, indicator.id, year, period)


async def _status_colour(session: AsyncSession, indicator: Indicator, period: Period) -> str:
    year = await service.target_year(session, indicator.id, period.year.start_year)
    return year.periods[period.number - 1].status.colour


def check_explained(colour: str, deviation_reason: str, corrective_measure: str) -> None:
    """An amber or red result is submitted only with its reason and corrective measure."""
    if colour not in OFF_TARGET:
        return
    if not deviation_reason.strip():
        raise InvalidInput(
            f"the status is {colour}: give the reason for the deviation",
            field="deviation_reason",
        )
    if not corrective_measure.strip():
        raise InvalidInput(
            f"the status is {colour}: give the corrective measure", field="corrective_measure"
        )


def _image(row: ActualValue, period: Period) -> dict[str, Any]:
    return {
        "financial_year": period.year.start_year,
        "period": period.number,
        **audit.snapshot(row, STEP_FIELDS),
    }


async def submit(
    session: AsyncSession, reporter: Reporter, indicator_id: uuid.UUID, year: int, period: int
) -> ActualRead:
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    check_reporter(indicator, reporter)
    which = _period(indicator, year, period)
    await _check_unlocked(session, which)
    row = await _require_actual(session, indicator, which)
    if row.state not in EDITABLE:
        raise Conflict(f"this actual is already {row.state.value}", field="state")
    if indicator.calculation is Calculation.MANUAL:
        colour = await _status_colour(session, indicator, which)
        check_explained(colour, row.deviation_reason, row.corrective_measure)
    before = _image(row, which)
    row.state = ActualState.SUBMITTED
    row.submitted_by, row.submitted_at = reporter.user_id, await _now(session)
    await session.flush()
    audit.record(
        session,
        "kpis.actual.submitted",
        entity_type="indicator",
        entity_id=indicator.id,
        before=before,
        after=_image(row, which),
    )
    return await actual_read(session, indicator.id, year, period)


async def approve(
    session: AsyncSession, reporter: Reporter, indicator_id: uuid.UUID, year: int, period: int
) -> ActualRead:
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    which = _period(indicator, year, period)
    row = await _require_actual(session, indicator, which)
    _check_reviewer(indicator, reporter)
    if row.state is not ActualState.SUBMITTED:
        raise Conflict(f"only a submitted actual is approved; this one is {row.state.value}")
    if row.submitted_by == reporter.user_id:
        raise NotAllowed("nobody approves their own submission", field="state")
    await _check_unlocked(session, which)
    before = _image(row, which)
    row.state = ActualState.APPROVED
    row.approved_by, row.approved_at = reporter.user_id, await _now(session)
    await session.flush()
    audit.record(
        session,
        "kpis.actual.approved",
        entity_type="indicator",
        entity_id=indicator.id,
        before=before,
        after=_image(row, which),
    )
    return await actual_read(session, indicator.id, year, period)


async def return_actual(
    session: AsyncSession,
    reporter: Reporter,
    indicator_id: uuid.UUID,
    year: int,
    period: int,
    comment: str,
) -> ActualRead:
    """Send a submitted (or approved) actual back to its reporter with what to change."""
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    which = _period(indicator, year, period)
    row = await _require_actual(session, indicator, which)
    _check_reviewer(indicator, reporter)
    comment = comment.strip()
    if not comment:
        raise InvalidInput("say what the reporter must change", field="comment")
    if row.state not in (ActualState.SUBMITTED, ActualState.APPROVED):
        raise Conflict(
            f"only a submitted or approved actual is returned; this one is {row.state.value}",
            field="state",
        )
    await _check_unlocked(session, which)
    before = _image(row, which)
    row.state, row.reviewer_comment = ActualState.RETURNED, comment
    row.returned_by, row.returned_at = reporter.user_id, await _now(session)
    await session.flush()
    audit.record(
        session,
        "kpis.actual.returned",
        entity_type="indicator",
        entity_id=indicator.id,
        before=before,
        after=_image(row, which),
    )
    return await actual_read(session, indicator.id, year, period)


async def evidence_of(session: AsyncSession, actual_ids: list[uuid.UUID]) -> list[Evidence]:
    if not actual_ids:
        return []
    rows = await session.scalars(
        select(Evidence)
        .where(Evidence.tenant_id == require_tenant(session), Evidence.actual_id.in_(actual_ids))
        .order_by(Evidence.created_at, Evidence.id)
    )
    return list(rows)


async def actual_read(
    session: AsyncSession, indicator_id: uuid.UUID, year: int, period: int
) -> ActualRead:
    indicator = await IndicatorRepository(session).get(indicator_id)
    which = _period(indicator, year, period)
    row = await session.scalar(
        select(ActualValue).where(
            ActualValue.tenant_id == require_tenant(session),
            ActualValue.indicator_id == indicator.id,
            ActualValue.financial_year == year,
            ActualValue.period == period,
        )
    )
    if row is None:
        raise NotFound()  # nothing reported for the period yet
    await session.refresh(row)
    files = await evidence_of(session, [row.id])
    read = ActualRead.model_validate(row)
    read.locked = which.quarter in await locked_quarters(session, year)
    read.evidence = [EvidenceRead.model_validate(f) for f in files]
    return read


async def actuals_of_year(
    session: AsyncSession, indicator_id: uuid.UUID, year: int
) -> dict[int, ActualRead]:
    """Each reported period's actual with its workflow and evidence (indicator page)."""
    indicator = await IndicatorRepository(session).get(indicator_id)
    rows = list(
        await session.scalars(
            select(ActualValue).where(
                ActualValue.tenant_id == require_tenant(session),
                ActualValue.indicator_id == indicator.id,
                ActualValue.financial_year == year,
            )
        )
    )
    files = await evidence_of(session, [row.id for row in rows])
    locked = await locked_quarters(session, year)
    result = {}
    for row in rows:
        read = ActualRead.model_validate(row)
        read.locked = Period(FinancialYear(year), indicator.frequency, row.period).quarter in locked
        read.evidence = [EvidenceRead.model_validate(f) for f in files if f.actual_id == row.id]
        result[row.period] = read
    return result


# My updates -------------------------------------------------------------------------------


async def my_updates(
    session: AsyncSession, user_id: uuid.UUID, *, today: date | None = None
) -> MyUpdates:
    """What the user has to report: periods of the indicators they own that have ended
    in this or last financial year without a submitted actual (due within
    ``REPORTING_DAYS`` of the period's end, overdue after; see schedule.py), actuals
    returned to them, and submitted actuals waiting for their review."""
    today = today or today_sast()
    tenant = require_tenant(session)
    indicators = list(
        await session.scalars(
            select(Indicator)
            .where(
                Indicator.tenant_id == tenant,
                or_(Indicator.owner_id == user_id, Indicator.reviewer_id == user_id),
            )
            .order_by(func.lower(Indicator.code))
        )
    )
    current = FinancialYear.containing(today)
    years = [FinancialYear(current.start_year - 1), current]
    rows = list(
        await session.scalars(
            select(ActualValue).where(
                ActualValue.tenant_id == tenant,
                ActualValue.indicator_id.in_([i.id for i in indicators]),
                ActualValue.financial_year.in_([y.start_year for y in years]),
            )
        )
    )
    actuals = {(r.indicator_id, r.financial_year, r.period): r for r in rows}
    locks = {y.start_year: await locked_quarters(session, y.start_year) for y in years}
    result = MyUpdates(due=[], overdue=[], returned=[], to_review=[])
    for indicator in indicators:
        owned = indicator.owner_id == user_id
        for year in years:
            for period in periods(year, indicator.frequency):
                row = actuals.get((indicator.id, year.start_year, period.number))
                item = UpdateItem(
                    indicator_id=indicator.id,
                    code=indicator.code,
                    name=indicator.name,
                    financial_year=year.start_year,
                    period=period.number,
                    label=period.label,
                    ends_on=period.ends_on,
                    due_by=due_date(period),
                    state=row.state if row else None,
                    reviewer_comment=row.reviewer_comment if row else "",
                )
                if indicator.reviewer_id == user_id and row and row.state is ActualState.SUBMITTED:
                    result.to_review.append(item)
                if not owned or indicator.calculation is Calculation.FORMULA:
                    continue
                reported = row is not None and row.state not in EDITABLE
                locked = period.quarter in locks[year.start_year]
                if row is not None and row.state is ActualState.RETURNED:
                    result.returned.append(item)
                elif awaits_report(period, today, reported=reported, locked=locked):
                    (result.overdue if is_overdue(period, today) else result.due).append(item)
    return result
