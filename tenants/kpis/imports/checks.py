"""Checking every row of an import with the rules the forms and the API apply: the same
pydantic models, and the service's and workflow's own checks, run against what the
workspace holds loaded once (codes, members, locks, states, targets), never one query per
row. The result is either the rows to write or every problem with its row and column."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saypro.platform.db.tenancy import require_tenant
from saypro.platform.errors import DomainError, InvalidInput
from saypro.platform.identity.models import Membership, User
from saypro.tenants.kpis import service, workflow
from saypro.tenants.kpis.imports.files import Table
from saypro.tenants.kpis.imports.layouts import (
    PERIOD_COLUMNS,
    enum_name,
    parse_period,
    parse_year,
)
from saypro.tenants.kpis.models import (
    ActualState,
    ActualValue,
    Calculation,
    Indicator,
    PeriodLock,
    Settings,
    Target,
)
from saypro.tenants.kpis.schemas import ActualSet, IndicatorCreate, TargetsSet
from saypro.tenants.kpis.scoring import Actual, PeriodEntry, Scale, effective_targets, evaluate
from saypro.tenants.kpis.scoring import Target as TargetValue

Progress = Callable[[int, int], None]
# Each check's field, as the column of the file it came from.
COLUMN_OF = {
    "indicator": "code",
    "state": "period",
    "annual": "annual_target",
    "annual_upper": "annual_upper_target",
    "periods": "target_1",
    "owner_id": "owner_email",
    "reviewer_id": "reviewer_email",
}
PROGRESS_STEP = 2_000
ENUM_COLUMNS = ("unit", "direction", "frequency", "target_type", "calculation", "flag")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "problem": self.problem}


@dataclass(frozen=True)
class ActualRow:
    indicator_id: uuid.UUID
    financial_year: int
    period: int
    data: ActualSet
    exists: bool


@dataclass(frozen=True)
class IndicatorRow:
    data: IndicatorCreate
    financial_year: int | None
    targets: dict[int, tuple[Decimal | None, Decimal | None]]


@dataclass
class Checked:
    errors: list[RowError] = field(default_factory=list)
    actuals: list[ActualRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)

    def summary(self, submit: bool) -> dict[str, int]:
        if self.indicators:
            return {
                "indicators": len(self.indicators),
                "targets": sum(1 for r in self.indicators for v in r.targets.values() if v[0]),
            }
        updated = sum(1 for r in self.actuals if r.exists)
        return {
            "created": len(self.actuals) - updated,
            "updated": updated,
            "submitted": len(self.actuals) if submit else 0,
        }


def _problem(row: int, exc: DomainError) -> RowError:
    name = exc.field or "file"
    return RowError(row, COLUMN_OF.get(name, name), exc.message)


def _model_errors(row: int, exc: ValidationError, columns: Mapping[str, str]) -> list[RowError]:
    found = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "file"
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(RowError(row, columns.get(name, COLUMN_OF.get(name, name)), message))
    return found


def _values(table: Table, cells: list[str]) -> dict[str, str]:
    return {name: cells[i] for i, name in enumerate(table.columns) if cells[i] != ""}


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and (done % PROGRESS_STEP == 0 or done == total):
        progress(done, total)


# What the workspace holds ---------------------------------------------------------------


def _indicators(session: Session) -> dict[str, Indicator]:
    rows = session.scalars(select(Indicator).where(Indicator.tenant_id == require_tenant(session)))
    return {row.code.lower(): row for row in rows}


def _members(session: Session) -> dict[str, uuid.UUID]:
    rows = session.execute(
        select(func.lower(User.email), User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == require_tenant(session), User.is_active.is_(True))
    )
    return dict(rows.all())


def _locked(session: Session, years: set[int]) -> dict[int, set[int]]:
    """The locked quarters of these years, held (FOR SHARE) so that nobody locks or
    unlocks them while the import's transaction runs."""
    result: dict[int, set[int]] = {year: set() for year in years}
    rows = session.scalars(
        select(PeriodLock)
        .where(
            PeriodLock.tenant_id == require_tenant(session),
            PeriodLock.financial_year.in_(years),
        )
        .with_for_update(read=True)
    )
    for row in rows:
        if row.locked:
            result[row.financial_year].add(row.quarter)
    return result


def _states(session: Session, years: set[int]) -> dict[tuple[uuid.UUID, int, int], ActualState]:
    rows = session.execute(
        select(
            ActualValue.indicator_id,
            ActualValue.financial_year,
            ActualValue.period,
            ActualValue.state,
        ).where(
            ActualValue.tenant_id == require_tenant(session),
            ActualValue.financial_year.in_(years),
        )
    )
    return {(i, y, p): state for i, y, p, state in rows.all()}


def _effective(
    session: Session, indicators: Mapping[str, Indicator], years: set[int]
) -> dict[tuple[uuid.UUID, int], list[TargetValue | None]]:
    """Each indicator's effective period targets per year (carry-over applied), for the
    status an imported actual would be submitted with."""
    rows = session.scalars(
        select(Target).where(
            Target.tenant_id == require_tenant(session), Target.financial_year.in_(years)
        )
    )
    by_year: dict[tuple[uuid.UUID, int], dict[int, Target]] = {}
    for row in rows:
        by_year.setdefault((row.indicator_id, row.financial_year), {})[row.period] = row
    by_id = {i.id: i for i in indicators.values()}
    result = {}
    for (indicator_id, year), targets in by_year.items():
        indicator = by_id.get(indicator_id)
        if indicator is None:
            continue
        entries = [
            PeriodEntry(
                TargetValue(targets[n].value, targets[n].upper_value) if n in targets else None,
                None,
            )
            for n in range(1, indicator.frequency.periods_per_year + 1)
        ]
        result[(indicator_id, year)] = effective_targets(indicator.target_type, entries)
    return result


# Actuals --------------------------------------------------------------------------------

ACTUAL_FIELDS = ("value", "flag", "note", "deviation_reason", "corrective_measure")


def check_actuals(
    session: Session,
    table: Table,
    reporter: workflow.Reporter,
    *,
    submit: bool,
    progress: Progress | None = None,
) -> Checked:
    result = Checked()
    indicators = _indicators(session)
    column = {name: i for i, name in enumerate(table.columns)}
    years: set[int] = set()
    for _, cells in table.rows:
        try:
            years.add(parse_year(cells[column["financial_year"]]))
        except DomainError:
            continue
    locked = _locked(session, years)
    states = _states(session, years)
    scale = service.scale_of(
        session.scalar(select(Settings).where(Settings.tenant_id == require_tenant(session)))
    )
    scales: dict[uuid.UUID, Scale] = {}
    effective = _effective(session, indicators, years) if submit else {}
    seen: dict[tuple[uuid.UUID, int, int], int] = {}
    total = len(table.rows)
    code_at, year_at, period_at = column["code"], column["financial_year"], column["period"]
    others = [(name, column[name]) for name in ACTUAL_FIELDS if name in column]
    for done, (number, cells) in enumerate(table.rows, start=1):
        _tick(progress, done, total)
        indicator = indicators.get(cells[code_at].lower())
        if indicator is None:
            problem = (
                f"no indicator has the code {cells[code_at]}" if cells[code_at] else "is empty"
            )
            result.errors.append(RowError(number, "code", problem))
            continue
        try:
            year = parse_year(cells[year_at])
            period = workflow._period(
                indicator, year, parse_period(cells[period_at], indicator.frequency, year)
            )
        except DomainError as exc:
            result.errors.append(_problem(number, exc))
            continue
        try:
            data = ActualSet.model_validate(
                {
                    name: enum_name(cells[i]) if name == "flag" else cells[i]
                    for name, i in others
                    if cells[i] != ""
                }
            )
        except ValidationError as exc:
            result.errors.extend(_model_errors(number, exc, {}))
            continue
        key = (indicator.id, year, period.number)
        try:
            if indicator.calculation is Calculation.FORMULA:
                raise InvalidInput("this indicator is calculated from its formula", field="value")
            if data.value is None and data.flag is None:
                raise InvalidInput(
                    "give a value, or a flag saying why there is none", field="value"
                )
            if data.value is not None:
                service._check_value(indicator, data.value)
            workflow.check_reporter(indicator, reporter)
            workflow.refuse_if_locked(period, locked.get(year, set()))
            workflow.check_editable(states.get(key))
            if submit:
                if indicator.id not in scales:
                    scales[indicator.id] = service.indicator_scale(scale, indicator)
                targets = effective.get((indicator.id, year))
                status = evaluate(
                    Actual(data.value, data.flag),
                    targets[period.number - 1] if targets else None,
                    indicator.direction,
                    scales[indicator.id],
                )
                workflow.check_explained(
                    status.colour, data.deviation_reason, data.corrective_measure
                )
        except DomainError as exc:
            result.errors.append(_problem(number, exc))
            continue
        if key in seen:
            result.errors.append(
                RowError(
                    number,
                    "period",
                    f"{indicator.code} {period.label} is already given in row {seen[key]}",
                )
            )
            continue
        seen[key] = number
        result.actuals.append(ActualRow(indicator.id, year, period.number, data, key in states))
    return result


# Indicators and targets -----------------------------------------------------------------

# The indicator fields a file gives as they are (people come by email; thresholds and
# links are set on the indicator's page).
INDICATOR_FIELDS = tuple(
    name
    for name in service.INDICATOR_FIELDS
    if name not in ("owner_id", "reviewer_id", "thresholds")
)


def _indicator_model(
    number: int, values: Mapping[str, str], members: Mapping[str, uuid.UUID]
) -> tuple[IndicatorCreate | None, list[RowError]]:
    errors: list[RowError] = []
    fields: dict[str, Any] = {
        name: enum_name(values[name]) if name in ENUM_COLUMNS else values[name]
        for name in INDICATOR_FIELDS
        if name in values
    }
    for column, name in (("owner_email", "owner_id"), ("reviewer_email", "reviewer_id")):
        email = values.get(column, "").lower()
        if not email:
            continue
        if email not in members:
            errors.append(RowError(number, column, "is not a member of this municipality"))
        else:
            fields[name] = members[email]
    try:
        model = IndicatorCreate.model_validate(fields)
    except ValidationError as exc:
        return None, errors + _model_errors(number, exc, {})
    return model, errors


def _targets(
    number: int, values: Mapping[str, str], model: IndicatorCreate
) -> tuple[int | None, dict[int, tuple[Decimal | None, Decimal | None]], list[RowError]]:
    periods = []
    for n in range(1, PERIOD_COLUMNS + 1):
        value, upper = values.get(f"target_{n}"), values.get(f"upper_{n}")
        if value is None and upper is None:
            continue
        if n > model.frequency.periods_per_year:
            return (
                None,
                {},
                [
                    RowError(
                        number,
                        f"target_{n}",
                        f"a {model.frequency.value} indicator has periods 1 to "
                        f"{model.frequency.periods_per_year}",
                    )
                ],
            )
        periods.append({"period": n, "value": value, "upper_value": upper})
    annual, upper = values.get("annual_target"), values.get("annual_upper_target")
    if not periods and annual is None and upper is None:
        return None, {}, []
    raw_year = values.get("financial_year")
    if raw_year is None:
        return None, {}, [RowError(number, "financial_year", "say which year the targets are for")]
    try:
        year = parse_year(raw_year)
        data = TargetsSet.model_validate(
            {"annual": annual, "annual_upper": upper, "periods": periods}
        )
    except DomainError as exc:
        return None, {}, [_problem(number, exc)]
    except ValidationError as exc:
        columns = {"annual": "annual_target", "annual_upper": "annual_upper_target"}
        return None, {}, _model_errors(number, exc, columns)
    shape = Indicator(
        frequency=model.frequency, direction=model.direction, target_type=model.target_type
    )
    try:
        return year, service.plan_targets(shape, data), []
    except DomainError as exc:
        return None, {}, [_problem(number, exc)]


def check_indicators(
    session: Session, table: Table, *, progress: Progress | None = None
) -> Checked:
    result = Checked()
    existing = _indicators(session)
    members = _members(session)
    scale = service.scale_of(
        session.scalar(select(Settings).where(Settings.tenant_id == require_tenant(session)))
    )
    seen: dict[str, int] = {}
    parsed: list[tuple[int, IndicatorCreate, int | None, dict[int, Any]]] = []
    total = len(table.rows)
    for done, (number, cells) in enumerate(table.rows, start=1):
        _tick(progress, done, total)
        values = _values(table, cells)
        model, errors = _indicator_model(number, values, members)
        if model is None:
            result.errors.extend(errors)
            continue
        code = model.code.lower()
        if code in existing:
            errors.append(
                RowError(number, "code", f"{model.code} is already used by another indicator")
            )
        elif code in seen:
            errors.append(
                RowError(number, "code", f"{model.code} is already given in row {seen[code]}")
            )
        seen.setdefault(code, number)
        try:
            service._check_baseline(model.baseline_value, model.baseline_date)
            scale.with_thresholds(model.thresholds)
        except DomainError as exc:
            errors.append(_problem(number, exc))
        year, targets, target_errors = _targets(number, values, model)
        errors.extend(target_errors)
        if errors:
            result.errors.extend(errors)
            continue
        parsed.append((number, model, year, targets))
    # Formulas may use the workspace's indicators and the file's own, in any order.
    known = {i.code: _uses(i.formula) for i in existing.values()}
    known |= {model.code: _uses(model.formula) for _, model, _, _ in parsed}
    for number, model, year, targets in parsed:
        others = {code: uses for code, uses in known.items() if code.lower() != model.code.lower()}
        try:
            service.check_formula(model.code, model.calculation, model.formula, others)
        except DomainError as exc:
            result.errors.append(_problem(number, exc))
            continue
        result.indicators.append(IndicatorRow(model, year, targets))
    return result


def _uses(formula: str | None) -> set[str]:
    return service._references(formula)
