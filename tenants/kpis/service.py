"""Business rules of indicators, targets, actuals and the workspace's status scale.
Services never commit: the request that calls them owns the transaction, and every
write is audited in it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saypro.platform.audit import service as audit
from saypro.platform.clock import today_sast
from saypro.platform.db.locks import lock_for_tenant
from saypro.platform.db.tenancy import require_tenant
from saypro.platform.db.unique import flush_unique
from saypro.platform.errors import Conflict, InvalidInput
from saypro.platform.identity.service import is_member
from saypro.tenants.kpis import formulas
from saypro.tenants.kpis.evaluation import STORED_SCALE, evaluate_year, load_year
from saypro.tenants.kpis.models import (
    ANNUAL,
    ActualValue,
    Calculation,
    Indicator,
    InitiativeLink,
    ObjectiveLink,
    Settings,
    Target,
    TargetRevision,
    Unit,
)
from saypro.tenants.kpis.periods import FinancialYear, Frequency, period_containing
from saypro.tenants.kpis.quarterly import APPROVED_ONLY, SUBMITTED, QuarterLine, quarter_lines
from saypro.tenants.kpis.repository import (
    IndicatorFilters,
    IndicatorRepository,
    SettingsRepository,
    TargetRepository,
)
from saypro.tenants.kpis.schemas import (
    ActualSet,
    BandRead,
    IndicatorCreate,
    IndicatorUpdate,
    ObjectiveLinkIn,
    RevisionRead,
    ScaleRead,
    ScaleSettings,
    StatusRead,
    TargetsSet,
    TargetYearRead,
)
from saypro.tenants.kpis.scoring import (
    DEFAULT_PRESET,
    PRESETS,
    Direction,
    Scale,
    ScaleError,
    TargetType,
    annual_target_problem,
)
from saypro.tenants.strategy import service as strategy

INDICATOR_FIELDS = (
    "code",
    "name",
    "definition",
    "unit",
    "decimal_places",
    "direction",
    "frequency",
    "target_type",
    "calculation",
    "formula",
    "data_source",
    "department",
    "baseline_value",
    "baseline_date",
    "owner_id",
    "reviewer_id",
    "thresholds",
)
LINK_FIELDS = ("objectives", "initiative_ids")
ACTUAL_FIELDS = ["value", "flag", "note", "deviation_reason", "corrective_measure", "state"]


# Audit --------------------------------------------------------------------------------


def _image(indicator: Indicator) -> dict[str, Any]:
    return {
        **audit.snapshot(indicator, INDICATOR_FIELDS),
        "objectives": [
            {"objective_id": str(link.objective_id), "weight": str(link.weight)}
            for link in indicator.objective_links
        ],
        "initiative_ids": [str(link.initiative_id) for link in indicator.initiative_links],
    }


def _record(
    session: AsyncSession,
    indicator: Indicator,
    verb: str,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        f"kpis.indicator.{verb}",
        entity_type="indicator",
        entity_id=indicator.id,
        before=before,
        after=None if verb == "deleted" else _image(indicator),
    )


def _actor_id(session: AsyncSession) -> uuid.UUID | None:
    actor = session.info.get(audit.ACTOR_KEY)
    return actor.user_id if isinstance(actor, audit.Actor) else None


# Status scale -------------------------------------------------------------------------


def _decimals(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    result = {}
    for key, value in raw.items():
        try:
            result[str(key)] = Decimal(str(value))
        except InvalidOperation:
            continue
    return result


async def workspace_scale(session: AsyncSession) -> Scale:
    """The workspace's scale: its preset with the thresholds it changed."""
    return scale_of(await SettingsRepository(session).get())


def scale_of(settings: Settings | None) -> Scale:
    """The scale a workspace's settings row describes (the default without one)."""
    if settings is None:
        return PRESETS[DEFAULT_PRESET]
    preset = PRESETS.get(settings.scale, PRESETS[DEFAULT_PRESET])
    try:
        return preset.with_thresholds(_decimals(settings.thresholds))
    except ScaleError:
        return preset


def indicator_scale(workspace: Scale, indicator: Indicator) -> Scale:
    """The workspace scale with the indicator's own thresholds; thresholds of bands the
    workspace no longer uses (its preset changed) are ignored."""
    known = workspace.thresholds()
    overrides = {k: v for k, v in _decimals(indicator.thresholds).items() if k in known}
    try:
        return workspace.with_thresholds(overrides)
    except ScaleError:
        return workspace


def scale_read(scale: Scale) -> ScaleRead:
    return ScaleRead(
        scale=scale.key,
        name=scale.name,
        bands=[
            BandRead(key=b.key, label=b.label, colour=b.colour, min_percent=b.min_percent)
            for b in scale.bands
        ],
        marks={
            condition.value: StatusRead(
                key=mark.key,
                label=mark.label,
                colour=mark.colour,
                achievement=None,
                condition=condition,
            )
            for condition, mark in scale.marks.items()
        },
        presets=sorted(PRESETS),
    )


async def update_scale(session: AsyncSession, data: ScaleSettings) -> Scale:
    preset = PRESETS.get(data.scale)
    if preset is None:
        raise InvalidInput(f"choose one of {', '.join(sorted(PRESETS))}", field="scale")
    try:
        scale = preset.with_thresholds(data.thresholds)
    except ScaleError as exc:
        raise InvalidInput(str(exc), field="thresholds") from None
    repository = SettingsRepository(session)
    await lock_for_tenant(session, "kpi_settings")
    settings = await repository.get(for_update=True)
    stored = {key: str(value) for key, value in data.thresholds.items()}
    if settings is None:
        settings = Settings(scale=data.scale, thresholds=stored)
        session.add(settings)
        before = None
    else:
        before = audit.snapshot(settings, ["scale", "thresholds"])
        settings.scale, settings.thresholds = data.scale, stored
    await session.flush()
    audit.record(
        session,
        "kpis.settings.updated",
        entity_type="kpi_settings",
        entity_id=settings.id,
        before=before,
        after=audit.snapshot(settings, ["scale", "thresholds"]),
    )
    return scale


# Indicators ---------------------------------------------------------------------------


async def _check_member(session: AsyncSession, user_id: uuid.UUID | None, field: str) -> None:
    if user_id is not None and not await is_member(session, require_tenant(session), user_id):
        raise InvalidInput("is not a member of this municipality", field=field)


async def _check_links(
    session: AsyncSession,
    objectives: Sequence[ObjectiveLinkIn] | None,
    initiative_ids: Sequence[uuid.UUID] | None,
) -> None:
    if objectives:
        wanted = [link.objective_id for link in objectives]
        found = await strategy.objective_labels(session, wanted)
        missing = [str(i) for i in wanted if i not in found]
        if missing:
            raise InvalidInput(
                f"{', '.join(missing)} is not an objective of this municipality",
                field="objectives",
            )
    if initiative_ids:
        found = await strategy.initiative_labels(session, initiative_ids)
        missing = [str(i) for i in initiative_ids if i not in found]
        if missing:
            raise InvalidInput(
                f"{', '.join(missing)} is not an initiative of this municipality",
                field="initiative_ids",
            )


def _references(formula: str | None) -> set[str]:
    if not formula:
        return set()
    try:
        return {name.lower() for name in formulas.references(formulas.parse(formula))}
    except formulas.FormulaError:
        return set()


async def _check_formula(
    session: AsyncSession,
    code: str,
    calculation: Calculation,
    formula: str | None,
    *,
    excluding: str | None = None,
) -> None:
    if calculation is Calculation.MANUAL or not formula:
        check_formula(code, calculation, formula, {})
        return
    others = await IndicatorRepository(session).formulas()
    known = {
        other: _references(text)
        for other, text in others.items()
        if excluding is None or other.lower() != excluding.lower()
    }
    check_formula(code, calculation, formula, known)


def check_formula(
    code: str, calculation: Calculation, formula: str | None, known: Mapping[str, set[str]]
) -> None:
    """The indicator's formula against ``known`` (every other indicator's code and the
    codes its formula uses): a manual indicator has none, a calculated one a valid one."""
    if calculation is Calculation.MANUAL:
        if formula:
            raise InvalidInput("only a calculated indicator has a formula", field="formula")
        return
    if not formula:
        raise InvalidInput("a calculated indicator needs a formula", field="formula")
    try:
        formulas.check(code, formula, known)
    except formulas.FormulaError as exc:
        raise InvalidInput(str(exc), field="formula") from None


async def _users_of_code(
    session: AsyncSession, code: str, *, excluding: str | None = None
) -> list[str]:
    """Codes of the indicators whose formula uses ``code``."""
    others = await IndicatorRepository(session).formulas()
    return sorted(
        other
        for other, text in others.items()
        if code.lower() in _references(text) and other.lower() != (excluding or "").lower()
    )


async def _check_thresholds(session: AsyncSession, thresholds: Mapping[str, Decimal]) -> None:
    try:
        (await workspace_scale(session)).with_thresholds(thresholds)
    except ScaleError as exc:
        raise InvalidInput(str(exc), field="thresholds") from None


def _check_baseline(value: Decimal | None, day: date | None) -> None:
    if day is not None and value is None:
        raise InvalidInput("a baseline date needs a baseline value", field="baseline_value")


def _set_links(
    indicator: Indicator,
    objectives: Sequence[ObjectiveLinkIn] | None,
    initiative_ids: Sequence[uuid.UUID] | None,
) -> None:
    if objectives is not None:
        indicator.objective_links = [
            ObjectiveLink(objective_id=link.objective_id, weight=link.weight) for link in objectives
        ]
    if initiative_ids is not None:
        indicator.initiative_links = [InitiativeLink(initiative_id=i) for i in initiative_ids]


async def _reload(session: AsyncSession, indicator: Indicator) -> None:
    """Read back what was stored (numeric scale, defaults) and the links."""
    await session.refresh(indicator)
    await session.refresh(indicator, ["objective_links", "initiative_links"])


async def list_indicators(
    session: AsyncSession, filters: IndicatorFilters, *, limit: int, offset: int
) -> tuple[Sequence[Indicator], int]:
    return await IndicatorRepository(session).list(filters, limit=limit, offset=offset)


async def departments(session: AsyncSession) -> list[str]:
    """The departments the workspace's indicators name (for the list filter)."""
    rows = await session.scalars(
        select(Indicator.department)
        .where(Indicator.tenant_id == require_tenant(session), Indicator.department != "")
        .distinct()
        .order_by(Indicator.department)
    )
    return list(rows)


async def get_indicator(session: AsyncSession, indicator_id: uuid.UUID) -> Indicator:
    return await IndicatorRepository(session).get(indicator_id)


async def indicators_by_id(
    session: AsyncSession, indicator_ids: Sequence[uuid.UUID] | None = None
) -> Sequence[Indicator]:
    """The bound tenant's indicators with these ids (all of them without ids), by code.
    Other modules read indicators through this; ids of another tenant match nothing."""
    statement = select(Indicator).where(Indicator.tenant_id == require_tenant(session))
    if indicator_ids is not None:
        statement = statement.where(Indicator.id.in_(indicator_ids))
    return (await session.scalars(statement.order_by(Indicator.code, Indicator.id))).all()


async def create_indicator(session: AsyncSession, data: IndicatorCreate) -> Indicator:
    repository = IndicatorRepository(session)
    if await repository.code_taken(data.code):
        raise Conflict(f"{data.code} is already used by another indicator", field="code")
    await _check_member(session, data.owner_id, "owner_id")
    await _check_member(session, data.reviewer_id, "reviewer_id")
    _check_baseline(data.baseline_value, data.baseline_date)
    await _check_formula(session, data.code, data.calculation, data.formula)
    await _check_thresholds(session, data.thresholds)
    await _check_links(session, data.objectives, data.initiative_ids)
    fields = data.model_dump(exclude=set(LINK_FIELDS))
    fields["thresholds"] = {key: str(value) for key, value in data.thresholds.items()}
    indicator = Indicator(**fields)
    _set_links(indicator, data.objectives or [], data.initiative_ids or [])
    session.add(indicator)
    await flush_unique(
        session,
        "uq_kpi_indicators_tenant_code",
        f"{data.code} is already used by another indicator",
        "code",
    )
    await _reload(session, indicator)
    _record(session, indicator, "created")
    return indicator


async def update_indicator(
    session: AsyncSession, indicator_id: uuid.UUID, data: IndicatorUpdate
) -> Indicator:
    repository = IndicatorRepository(session)
    indicator = await repository.get(indicator_id, for_update=True)
    changes = data.model_dump(exclude_unset=True, exclude=set(LINK_FIELDS))
    code = changes.get("code", indicator.code)
    if "code" in changes and code.lower() != indicator.code.lower():
        if await repository.code_taken(code, excluding=indicator.id):
            raise Conflict(f"{code} is already used by another indicator", field="code")
        users = await _users_of_code(session, indicator.code, excluding=indicator.code)
        if users:
            raise Conflict(
                f"the formula of {', '.join(users)} uses {indicator.code}; change it first",
                field="code",
            )
    for field in ("owner_id", "reviewer_id"):
        if field in changes:
            await _check_member(session, changes[field], field)
    _check_baseline(
        changes.get("baseline_value", indicator.baseline_value),
        changes.get("baseline_date", indicator.baseline_date),
    )
    calculation = changes.get("calculation", indicator.calculation)
    if calculation is Calculation.MANUAL and "formula" not in changes:
        changes["formula"] = None  # switching to manual entry drops the formula
    formula = changes.get("formula", indicator.formula)
    await _check_formula(session, code, calculation, formula, excluding=indicator.code)
    if "thresholds" in changes:
        await _check_thresholds(session, data.thresholds or {})
        changes["thresholds"] = {k: str(v) for k, v in (data.thresholds or {}).items()}
    if (
        "frequency" in changes
        and changes["frequency"] is not indicator.frequency
        and await _has_period_data(session, indicator.id)
    ):
        raise Conflict(
            "targets or actuals are recorded per period; the reporting frequency can no "
            "longer change",
            field="frequency",
        )
    await _check_links(session, data.objectives, data.initiative_ids)
    before = _image(indicator)
    for key, value in changes.items():
        setattr(indicator, key, value)
    _set_links(indicator, data.objectives, data.initiative_ids)
    await flush_unique(
        session,
        "uq_kpi_indicators_tenant_code",
        f"{indicator.code} is already used by another indicator",
        "code",
    )
    await _reload(session, indicator)
    _record(session, indicator, "updated", before=before)
    return indicator


async def _has_period_data(session: AsyncSession, indicator_id: uuid.UUID) -> bool:
    tenant = require_tenant(session)
    target = await session.scalar(
        select(func.count())
        .select_from(Target)
        .where(
            Target.tenant_id == tenant,
            Target.indicator_id == indicator_id,
            Target.period != ANNUAL,
            Target.value.is_not(None),
        )
    )
    actual = await session.scalar(
        select(func.count())
        .select_from(ActualValue)
        .where(ActualValue.tenant_id == tenant, ActualValue.indicator_id == indicator_id)
    )
    return bool(target) or bool(actual)


async def delete_indicator(session: AsyncSession, indicator_id: uuid.UUID) -> None:
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    users = await _users_of_code(session, indicator.code, excluding=indicator.code)
    if users:
        raise Conflict(
            f"the formula of {', '.join(users)} uses {indicator.code}; change it first",
            field="code",
        )
    _record(session, indicator, "deleted", before=_image(indicator))
    await session.delete(indicator)
    await session.flush()


# Targets and actuals ------------------------------------------------------------------


def _stored(value: Decimal | None) -> Decimal | None:
    """A value at the column's scale, as PostgreSQL will return it."""
    return None if value is None else value.quantize(STORED_SCALE)


def _check_year(year: int) -> FinancialYear:
    if not 2000 <= year <= 2099:
        raise InvalidInput("must be a year from 2000 to 2099", field="financial_year")
    return FinancialYear(year)


def _targets_image(rows: Mapping[int, Target]) -> dict[str, Any]:
    return {
        str(period): [
            None if row.value is None else str(row.value),
            None if row.upper_value is None else str(row.upper_value),
        ]
        for period, row in sorted(rows.items())
        if row.value is not None or row.upper_value is not None
    }


def _check_bounds(
    direction: Direction, value: Decimal | None, upper: Decimal | None, field: str
) -> None:
    if direction is Direction.WITHIN_RANGE:
        if (value is None) != (upper is None):
            raise InvalidInput("a range needs both a lower and an upper value", field=field)
        if value is not None and upper is not None and upper < value:
            raise InvalidInput("the upper value is below the lower value", field=field)
    elif upper is not None:
        raise InvalidInput("only a within-range indicator has an upper value", field=field)


def plan_targets(
    indicator: Indicator, data: TargetsSet
) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """The year's targets to store, by period (0 is the annual one), as the indicator's
    frequency, direction and target type allow; refused targets raise. No database:
    imports check whole files with it."""
    count = indicator.frequency.periods_per_year
    given: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    for entry in data.periods:
        if entry.period > count:
            raise InvalidInput(
                f"a {indicator.frequency.value} indicator has periods 1 to {count}",
                field="periods",
            )
        if entry.period in given:
            raise InvalidInput(f"period {entry.period} is given twice", field="periods")
        _check_bounds(indicator.direction, entry.value, entry.upper_value, "periods")
        given[entry.period] = (entry.value, entry.upper_value)
    values = [given.get(n, (None, None))[0] for n in range(1, count + 1)]
    annual, annual_upper = data.annual, data.annual_upper
    if annual is None and any(v is not None for v in values):
        set_values = [v for v in values if v is not None]
        uppers = [given.get(n, (None, None))[1] for n in range(1, count + 1)]
        set_uppers = [u for u in uppers if u is not None]
        if indicator.target_type is TargetType.CUMULATIVE:
            annual = sum(set_values, Decimal(0))
            annual_upper = sum(set_uppers, Decimal(0)) if set_uppers else None
        elif indicator.target_type is TargetType.CARRY_OVER:
            annual, annual_upper = set_values[-1], set_uppers[-1] if set_uppers else None
    _check_bounds(indicator.direction, annual, annual_upper, "annual")
    problem = annual_target_problem(indicator.target_type, annual, values)
    if problem:
        raise InvalidInput(problem, field="annual")
    return {
        n: (_stored(value), _stored(upper))
        for n, (value, upper) in (
            {ANNUAL: (annual, annual_upper)}
            | {n: given.get(n, (None, None)) for n in range(1, count + 1)}
        ).items()
    }


async def set_targets(
    session: AsyncSession, indicator_id: uuid.UUID, year: int, data: TargetsSet
) -> TargetYearRead:
    """Replace one financial year's targets. After approval every change is kept as a
    revision with its reason."""
    fy = _check_year(year)
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    desired = plan_targets(indicator, data)
    repository = TargetRepository(session)
    existing = await repository.for_year(indicator.id, fy.start_year)
    approval = next((row for row in existing.values() if row.approved_at is not None), None)
    changed = [
        n
        for n, pair in desired.items()
        if (n in existing and (existing[n].value, existing[n].upper_value) != pair)
        or (n not in existing and pair != (None, None))
    ]
    if not changed:
        return await target_year(session, indicator.id, fy.start_year)
    reason = (data.reason or "").strip()
    if approval is not None and not reason:
        raise InvalidInput(
            "these targets were approved: give the reason for the change (e.g. the mid-year "
            "adjustment approved by council)",
            field="reason",
        )
    before = _targets_image(existing)
    actor = _actor_id(session)
    for n in sorted(changed):
        value, upper = desired[n]
        row = existing.get(n)
        if row is None:
            row = Target(indicator_id=indicator.id, financial_year=fy.start_year, period=n)
            if approval is not None:
                row.approved_at, row.approved_by = approval.approved_at, approval.approved_by
            session.add(row)
            existing[n] = row
            previous: tuple[Decimal | None, Decimal | None] = (None, None)
        else:
            previous = (row.value, row.upper_value)
        row.value, row.upper_value = value, upper
        if approval is not None:
            await session.flush()
            session.add(
                TargetRevision(
                    target_id=row.id,
                    previous_value=previous[0],
                    previous_upper_value=previous[1],
                    value=value,
                    upper_value=upper,
                    reason=reason,
                    changed_by=actor,
                )
            )
    await session.flush()
    after: dict[str, Any] = {"targets": _targets_image(existing)}
    if approval is not None:
        after["reason"] = reason
    audit.record(
        session,
        "kpis.targets.revised" if approval is not None else "kpis.targets.set",
        entity_type="indicator",
        entity_id=indicator.id,
        before={"financial_year": fy.start_year, "targets": before},
        after={"financial_year": fy.start_year, **after},
    )
    return await target_year(session, indicator.id, fy.start_year)


async def approve_targets(
    session: AsyncSession, indicator_id: uuid.UUID, year: int
) -> TargetYearRead:
    """Approve a year's targets (once; approving again changes nothing)."""
    fy = _check_year(year)
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    rows = await TargetRepository(session).for_year(indicator.id, fy.start_year)
    if not any(row.value is not None for row in rows.values()):
        raise Conflict(f"{fy.label} has no targets to approve", field="financial_year")
    if all(row.approved_at is not None for row in rows.values()):
        return await target_year(session, indicator.id, fy.start_year)
    now: datetime = await session.scalar(select(func.now())) or datetime.now().astimezone()
    actor = _actor_id(session)
    for row in rows.values():
        row.approved_at, row.approved_by = now, actor
    await session.flush()
    audit.record(
        session,
        "kpis.targets.approved",
        entity_type="indicator",
        entity_id=indicator.id,
        after={"financial_year": fy.start_year, "targets": _targets_image(rows)},
    )
    return await target_year(session, indicator.id, fy.start_year)


async def set_actual(
    session: AsyncSession, indicator_id: uuid.UUID, year: int, period: int, data: ActualSet
) -> TargetYearRead:
    """Record what was achieved in one period (the value, or why there is none)."""
    fy = _check_year(year)
    indicator = await IndicatorRepository(session).get(indicator_id, for_update=True)
    if not 1 <= period <= indicator.frequency.periods_per_year:
        raise InvalidInput(
            f"a {indicator.frequency.value} indicator has periods 1 to "
            f"{indicator.frequency.periods_per_year}",
            field="period",
        )
    if indicator.calculation is Calculation.FORMULA:
        raise Conflict("this indicator is calculated from its formula", field="value")
    if data.value is None and data.flag is None:
        raise InvalidInput("give a value, or a flag saying why there is none", field="value")
    if data.value is not None:
        _check_value(indicator, data.value)
    actuals = await TargetRepository(session).actuals([indicator.id], fy.start_year)
    row = actuals.get((indicator.id, period))
    before = None if row is None else audit.snapshot(row, ACTUAL_FIELDS)
    if row is None:
        row = ActualValue(indicator_id=indicator.id, financial_year=fy.start_year, period=period)
        session.add(row)
    row.value, row.flag, row.note = _stored(data.value), data.flag, data.note
    row.deviation_reason = data.deviation_reason.strip()
    row.corrective_measure = data.corrective_measure.strip()
    row.reported_by = _actor_id(session)
    await session.flush()
    audit.record(
        session,
        "kpis.actual.recorded",
        entity_type="indicator",
        entity_id=indicator.id,
        before=None if before is None else {"financial_year": year, "period": period, **before},
        after={
            "financial_year": year,
            "period": period,
            **audit.snapshot(row, ACTUAL_FIELDS),
        },
    )
    return await target_year(session, indicator.id, fy.start_year)


def _check_value(indicator: Indicator, value: Decimal) -> None:
    if indicator.unit is Unit.YES_NO and value not in (0, 1):
        raise InvalidInput("a yes/no indicator takes 1 (yes) or 0 (no)", field="value")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > indicator.decimal_places:
        raise InvalidInput(
            f"has more than {indicator.decimal_places} decimal places", field="value"
        )


async def target_year(
    session: AsyncSession, indicator_id: uuid.UUID, year: int, *, today: date | None = None
) -> TargetYearRead:
    """One financial year of an indicator: each period's target, actual and status, the
    year-to-date roll-up after each period and at each quarter, and the revisions."""
    fy = _check_year(year)
    indicator = await IndicatorRepository(session).get(indicator_id)
    today = today or today_sast()
    scale = indicator_scale(await workspace_scale(session), indicator)
    data = await load_year(session, [indicator], fy.start_year)
    rows = data.targets.get(indicator.id, {})
    evaluated = evaluate_year(indicator, fy, rows, data.actuals.get(indicator.id, {}), scale, today)
    repository = TargetRepository(session)
    periods_of = {row.id: number for number, row in rows.items()}
    revisions = await repository.revisions(list(periods_of))
    annual = rows.get(ANNUAL)
    approved_at = next((r.approved_at for r in rows.values() if r.approved_at), None)
    return TargetYearRead(
        financial_year=fy.start_year,
        label=fy.label,
        annual_target=annual.value if annual else None,
        annual_upper_target=annual.upper_value if annual else None,
        approved_at=approved_at,
        periods=evaluated.periods,
        quarters=evaluated.quarters,
        revisions=[
            RevisionRead(
                period=periods_of[r.target_id],
                previous_value=r.previous_value,
                value=r.value,
                previous_upper_value=r.previous_upper_value,
                upper_value=r.upper_value,
                reason=r.reason,
                changed_by=r.changed_by,
                created_at=r.created_at,
            )
            for r in revisions
        ],
    )


# Quarterly reports ---------------------------------------------------------------------


def quarter_containing(day: date) -> tuple[int, int]:
    """(financial year, quarter) of a day: the year starts on 1 July, Q1 is Jul-Sep."""
    period = period_containing(day, Frequency.QUARTERLY)
    return period.year.start_year, period.number


def check_quarter(year: int, quarter: int) -> FinancialYear:
    """The financial year of a quarterly report; a year or quarter out of range is a 422
    naming the field."""
    fy = _check_year(year)
    if not 1 <= quarter <= 4:
        raise InvalidInput("must be 1, 2, 3 or 4 (Q1 is July to September)", field="quarter")
    return fy


async def quarter_report(
    session: AsyncSession,
    year: int,
    quarter: int,
    *,
    indicator_ids: Collection[uuid.UUID] | None = None,
    approved_only: bool = False,
    submitted_only: bool = False,
    today: date | None = None,
) -> list[QuarterLine]:
    """Every indicator (or those of ``indicator_ids``) at the end of a quarter: annual,
    quarter and year-to-date targets and actuals, status, deviation, corrective measure
    and evidence. A fixed number of queries however many indicators there are. With
    ``approved_only`` only approved actuals count, with ``submitted_only`` submitted and
    approved ones; otherwise every recorded actual (as the indicator page shows them)."""
    fy = check_quarter(year, quarter)
    states = APPROVED_ONLY if approved_only else SUBMITTED if submitted_only else None
    return await quarter_lines(
        session,
        await workspace_scale(session),
        indicator_scale,
        fy,
        quarter,
        indicator_ids=indicator_ids,
        states=states,
        today=today or today_sast(),
    )
