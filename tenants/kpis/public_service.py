"""The public performance dashboard: a tenant admin's choice of public indicators and the
dashboard's settings (audited), and what the public page shows.

Only approved actuals are ever read for the public (``load_year(states={APPROVED})``):
drafts, submitted and returned ones count as not reported. The view is built from public
indicators alone; formulas may read other indicators' approved values, never show them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.db.locks import lock_for_tenant
from saypro.platform.db.tenancy import require_tenant
from saypro.tenants.kpis.evaluation import EvaluatedYear, evaluate_year, load_year
from saypro.tenants.kpis.models import ActualState, Indicator, PublicDashboard
from saypro.tenants.kpis.periods import FinancialYear, quarter_end
from saypro.tenants.kpis.public_schemas import (
    PublicBand,
    PublicDashboardRead,
    PublicFlagRead,
    PublicIndicator,
    PublicPoint,
    PublicSettingsIn,
    PublicSettingsRead,
    PublicStatus,
)
from saypro.tenants.kpis.repository import IndicatorRepository
from saypro.tenants.kpis.schemas import PeriodRead, StatusRead
from saypro.tenants.kpis.service import indicator_scale, workspace_scale

SETTINGS_FIELDS = ("enabled", "title", "introduction", "allowed_origins")
TREND_PERIODS = 8  # the recent periods a trend shows, across two financial years
APPROVED_ONLY_NOTE = (
    "Only results approved by the municipality's reviewers are shown. Results still in "
    "draft, submitted for review or returned for correction are not published and show "
    "as not reported."
)


# Settings and flags (tenant admins) -----------------------------------------------------


async def get_settings(
    session: AsyncSession, *, for_update: bool = False
) -> PublicDashboard | None:
    statement = select(PublicDashboard).where(PublicDashboard.tenant_id == require_tenant(session))
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def public_indicators(session: AsyncSession) -> Sequence[Indicator]:
    rows = await session.scalars(
        select(Indicator)
        .where(Indicator.tenant_id == require_tenant(session), Indicator.public.is_(True))
        .order_by(Indicator.code, Indicator.id)
    )
    return rows.all()


async def settings_read(session: AsyncSession) -> PublicSettingsRead:
    settings = await get_settings(session)
    ids = [i.id for i in await public_indicators(session)]
    if settings is None:
        return PublicSettingsRead(
            enabled=False, title="", introduction="", allowed_origins=[], public_indicator_ids=ids
        )
    return PublicSettingsRead(
        enabled=settings.enabled,
        title=settings.title,
        introduction=settings.introduction,
        allowed_origins=list(settings.allowed_origins),
        public_indicator_ids=ids,
    )


async def update_settings(session: AsyncSession, data: PublicSettingsIn) -> PublicSettingsRead:
    await lock_for_tenant(session, "kpi_public_dashboard")
    settings = await get_settings(session, for_update=True)
    values = data.model_dump()
    if settings is None:
        settings = PublicDashboard(**values)
        session.add(settings)
        before = None
    else:
        before = audit.snapshot(settings, SETTINGS_FIELDS)
        for name, value in values.items():
            setattr(settings, name, value)
    await session.flush()
    audit.record(
        session,
        "kpis.public_dashboard.updated",
        entity_type="kpi_public_dashboard",
        entity_id=settings.id,
        before=before,
        after=audit.snapshot(settings, SETTINGS_FIELDS),
    )
    return await settings_read(session)


async def set_public(
    session: AsyncSession, indicator_id: uuid.UUID, public: bool
) -> PublicFlagRead:
    """Show or hide one indicator on the public dashboard; a change is audited."""
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    if indicator.public != public:
        indicator.public = public
        await session.flush()
        audit.record(
            session,
            "kpis.indicator.published" if public else "kpis.indicator.unpublished",
            entity_type="indicator",
            entity_id=indicator.id,
            before={"code": indicator.code, "public": not public},
            after={"code": indicator.code, "public": public},
        )
    return PublicFlagRead(id=indicator.id, code=indicator.code, public=indicator.public)


# What the public sees ----------------------------------------------------------------


def _status(status: StatusRead) -> PublicStatus:
    return PublicStatus(
        key=status.key, label=status.label, colour=status.colour, achievement=status.achievement
    )


def latest_quarter(evaluated: Sequence[EvaluatedYear]) -> int | None:
    """The latest quarter of a year in which some indicator has an approved result."""
    quarters = [p.quarter for year in evaluated for p in year.periods if _has_result(p)]
    return max(quarters, default=None)


def _has_result(period: PeriodRead) -> bool:
    return period.actual is not None or period.flag is not None


def trend(
    years: Sequence[tuple[FinancialYear, EvaluatedYear]], last: tuple[FinancialYear, int]
) -> list[PublicPoint]:
    """Each period's target and approved actual up to ``last`` (a year and quarter),
    the most recent ``TREND_PERIODS`` of them, oldest first."""
    points = [
        PublicPoint(label=p.label, target=p.effective_target, actual=p.actual)
        for year, evaluated in years
        for p in evaluated.periods
        if (year, p.quarter) <= last
    ]
    return points[-TREND_PERIODS:]


async def dashboard(
    session: AsyncSession, municipality: str, settings: PublicDashboard, today: date
) -> PublicDashboardRead:
    """The public view at the latest quarter with an approved result (this financial
    year, else the last): each public indicator's year-to-date status at that quarter
    and its recent trend. A fixed number of queries, whatever the number of indicators."""
    indicators = list(await public_indicators(session))
    scale = await workspace_scale(session)
    current = FinancialYear.containing(today)
    years = [FinancialYear(current.start_year - 1), current]
    evaluated: dict[FinancialYear, dict[uuid.UUID, EvaluatedYear]] = {}
    for year in years:
        data = await load_year(session, indicators, year.start_year, states={ActualState.APPROVED})
        evaluated[year] = {
            i.id: evaluate_year(
                i,
                year,
                # Targets not yet approved (a draft SDBIP, an adjustment in progress) are
                # not the municipality's published commitment: the public never sees them.
                {p: t for p, t in data.targets.get(i.id, {}).items() if t.approved_at},
                data.actuals.get(i.id, {}),
                indicator_scale(scale, i),
                today,
            )
            for i in indicators
        }
    shown: tuple[FinancialYear, int] | None = None
    for year in reversed(years):
        quarter = latest_quarter(list(evaluated[year].values()))
        if quarter is not None:
            shown = (year, quarter)
            break
    rows = []
    for indicator in indicators:
        history = [(year, evaluated[year][indicator.id]) for year in years]
        at = evaluated[shown[0]][indicator.id].quarters[shown[1] - 1] if shown else None
        rows.append(
            PublicIndicator(
                code=indicator.code,
                name=indicator.name,
                definition=indicator.definition,
                unit=indicator.unit,
                decimal_places=indicator.decimal_places,
                direction=indicator.direction,
                target=at.target if at else None,
                actual=at.actual if at else None,
                status=_status(at.status) if at else None,
                trend=trend(history, shown) if shown else [],
            )
        )
    legend = [PublicBand(key=b.key, label=b.label, colour=b.colour) for b in scale.bands]
    legend += [PublicBand(key=m.key, label=m.label, colour=m.colour) for m in scale.marks.values()]
    return PublicDashboardRead(
        municipality=municipality,
        title=settings.title or f"Performance of {municipality}",
        introduction=settings.introduction,
        financial_year=shown[0].label if shown else None,
        quarter=shown[1] if shown else None,
        as_at=quarter_end(*shown) if shown else None,
        note=APPROVED_ONLY_NOTE,
        scale=legend,
        indicators=rows,
    )
