"""Input and output shapes of the KPI API and forms."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from saypro.platform.validation import Input, PartialUpdate
from saypro.tenants.kpis.models import ActualState, Calculation, Unit
from saypro.tenants.kpis.periods import Frequency
from saypro.tenants.kpis.scoring import Condition, Direction, Flag, TargetType

T = TypeVar("T")

Code = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Name = Annotated[str, Field(min_length=3, max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
Value = Annotated[Decimal, Field(max_digits=20, decimal_places=4, allow_inf_nan=False)]
Weight = Annotated[Decimal, Field(gt=0, le=10000, max_digits=7, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=-1000, le=1000, max_digits=6, decimal_places=2)]
FinancialYearNumber = Annotated[int, Field(ge=2000, le=2099)]
Formula = Annotated[str, Field(min_length=1, max_length=500)]
Department = Annotated[str, Field(max_length=100, description="Who reports it, e.g. ICT")]


class ObjectiveLinkIn(Input):
    objective_id: uuid.UUID
    weight: Weight = Decimal("1")


class _Links(Input):
    @field_validator("objectives", check_fields=False)
    @classmethod
    def _objectives_once(cls, links: list[ObjectiveLinkIn] | None) -> list[ObjectiveLinkIn] | None:
        if links and len({link.objective_id for link in links}) != len(links):
            raise ValueError("an objective is linked twice")
        return links

    @field_validator("initiative_ids", check_fields=False)
    @classmethod
    def _initiatives_once(cls, ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        if ids and len(set(ids)) != len(ids):
            raise ValueError("an initiative is linked twice")
        return ids


class IndicatorCreate(_Links):
    code: Code
    name: Name
    definition: LongText = ""
    unit: Unit = Unit.NUMBER
    decimal_places: Annotated[int, Field(ge=0, le=4)] = 0
    direction: Direction = Direction.HIGHER_IS_BETTER
    frequency: Frequency = Frequency.QUARTERLY
    target_type: TargetType = TargetType.CUMULATIVE
    calculation: Calculation = Calculation.MANUAL
    formula: Formula | None = None
    data_source: Annotated[str, Field(max_length=1000)] = ""
    department: Department = ""
    baseline_value: Value | None = None
    baseline_date: date | None = None
    owner_id: uuid.UUID | None = None
    reviewer_id: uuid.UUID | None = None
    thresholds: dict[str, Percent] = Field(
        default_factory=dict, description="Band thresholds (percent of target) for this indicator"
    )
    objectives: list[ObjectiveLinkIn] | None = Field(default=None, max_length=50)
    initiative_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)


class IndicatorUpdate(PartialUpdate, _Links):
    """Partial update: only the fields sent are changed (links are replaced when sent)."""

    NULLABLE = frozenset({"formula", "baseline_value", "baseline_date", "owner_id", "reviewer_id"})

    code: Code | None = None
    name: Name | None = None
    definition: LongText | None = None
    unit: Unit | None = None
    decimal_places: Annotated[int, Field(ge=0, le=4)] | None = None
    direction: Direction | None = None
    frequency: Frequency | None = None
    target_type: TargetType | None = None
    calculation: Calculation | None = None
    formula: Formula | None = None
    data_source: Annotated[str, Field(max_length=1000)] | None = None
    department: Department | None = None
    baseline_value: Value | None = None
    baseline_date: date | None = None
    owner_id: uuid.UUID | None = None
    reviewer_id: uuid.UUID | None = None
    thresholds: dict[str, Percent] | None = None
    objectives: list[ObjectiveLinkIn] | None = Field(default=None, max_length=50)
    initiative_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)


class ObjectiveLinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    objective_id: uuid.UUID
    weight: Decimal


class IndicatorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    definition: str
    unit: Unit
    decimal_places: int
    direction: Direction
    frequency: Frequency
    target_type: TargetType
    calculation: Calculation
    formula: str | None
    data_source: str
    department: str
    baseline_value: Decimal | None
    baseline_date: date | None
    owner_id: uuid.UUID | None
    reviewer_id: uuid.UUID | None
    thresholds: dict[str, Decimal]
    created_at: datetime
    updated_at: datetime


class IndicatorDetail(IndicatorRead):
    objectives: list[ObjectiveLinkRead]
    initiative_ids: list[uuid.UUID]


class PeriodTargetIn(Input):
    period: Annotated[int, Field(ge=1, le=12)]
    value: Value | None = None
    upper_value: Value | None = None


class TargetsSet(Input):
    """All targets of one financial year: the annual one and each period's."""

    annual: Value | None = Field(
        default=None,
        description="Left out: the sum (cumulative) or the last period's (carry-over)",
    )
    annual_upper: Value | None = None
    periods: list[PeriodTargetIn] = Field(default_factory=list, max_length=12)
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Required to change targets after they were approved"
    )


Comment = Annotated[str, Field(max_length=2000)]


class ActualSet(Input):
    value: Value | None = None
    flag: Flag | None = None
    note: Comment = Field(default="", description="The reporter's comment")
    deviation_reason: Comment = Field(
        default="", description="Why the period is off target (required when amber or red)"
    )
    corrective_measure: Comment = Field(
        default="", description="What will bring it back on target (required when amber or red)"
    )


class ReturnIn(Input):
    # Blank is refused by the workflow itself, with its own words (one message everywhere).
    comment: Annotated[str, Field(max_length=2000)] = Field(
        description="What the reporter must change"
    )


class LockIn(Input):
    financial_year: FinancialYearNumber
    quarter: Annotated[int, Field(ge=1, le=4)]


class UnlockIn(LockIn):
    # Blank is refused by the workflow itself, with its own words (one message everywhere).
    reason: Annotated[str, Field(max_length=2000)] = Field(
        description="Why a locked quarter must change (kept in the audit trail)"
    )


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: uuid.UUID | None
    created_at: datetime


class ActualRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    indicator_id: uuid.UUID
    financial_year: int
    period: int
    value: Decimal | None
    flag: Flag | None
    note: str
    deviation_reason: str
    corrective_measure: str
    state: ActualState
    reviewer_comment: str
    reported_by: uuid.UUID | None
    submitted_by: uuid.UUID | None
    submitted_at: datetime | None
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    returned_by: uuid.UUID | None
    returned_at: datetime | None
    locked: bool = False
    evidence: list[EvidenceRead] = Field(default_factory=list)


class LockRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    financial_year: int
    quarter: int
    locked: bool
    locked_by: uuid.UUID | None
    locked_at: datetime | None
    unlocked_by: uuid.UUID | None
    unlocked_at: datetime | None
    unlock_reason: str


class UpdateItem(BaseModel):
    """One period a user should report (or report again)."""

    indicator_id: uuid.UUID
    code: str
    name: str
    financial_year: int
    period: int
    label: str
    ends_on: date
    due_by: date
    state: ActualState | None
    reviewer_comment: str = ""


class MyUpdates(BaseModel):
    due: list[UpdateItem]
    overdue: list[UpdateItem]
    returned: list[UpdateItem]
    to_review: list[UpdateItem] = Field(description="Submitted actuals this user reviews")


class StatusRead(BaseModel):
    key: str
    label: str
    colour: str
    achievement: Decimal | None = Field(description="Percent of target, direction-aware")
    condition: Condition | None = Field(description="Set when the status is not a band")


class PeriodRead(BaseModel):
    period: int
    label: str
    starts_on: date
    ends_on: date
    quarter: int
    target: Decimal | None
    upper_target: Decimal | None
    effective_target: Decimal | None = Field(description="Carried over when the period has none")
    actual: Decimal | None
    flag: Flag | None
    status: StatusRead
    ytd_target: Decimal | None
    ytd_actual: Decimal | None
    ytd_status: StatusRead


class QuarterRead(BaseModel):
    quarter: int
    target: Decimal | None
    actual: Decimal | None
    status: StatusRead


class RevisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period: int
    previous_value: Decimal | None
    value: Decimal | None
    previous_upper_value: Decimal | None
    upper_value: Decimal | None
    reason: str
    changed_by: uuid.UUID | None
    created_at: datetime


class TargetYearRead(BaseModel):
    financial_year: int
    label: str
    annual_target: Decimal | None
    annual_upper_target: Decimal | None
    approved_at: datetime | None
    periods: list[PeriodRead]
    quarters: list[QuarterRead]
    revisions: list[RevisionRead]


class ScaleSettings(Input):
    scale: Annotated[str, Field(min_length=1, max_length=30)]
    thresholds: dict[str, Percent] = Field(default_factory=dict)


class BandRead(BaseModel):
    key: str
    label: str
    colour: str
    min_percent: Decimal | None


class ScaleRead(BaseModel):
    scale: str
    name: str
    bands: list[BandRead]
    marks: dict[str, StatusRead]
    presets: list[str]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class TrendPointRead(BaseModel):
    financial_year: int
    period: int
    label: str = Field(description='e.g. "Q1 2026/27", "Jul 2026"')
    ends_on: date
    target: Decimal | None = Field(description="The period's target, or the one carried over")
    upper_target: Decimal | None
    actual: Decimal | None
    flag: Flag | None
    status: StatusRead


class TrendRead(BaseModel):
    indicator_id: uuid.UUID
    code: str
    name: str
    unit: Unit
    decimal_places: int
    first_year: int | None
    last_year: int | None
    points: list[TrendPointRead] = Field(description="Every period of every year, in order")


class ScoreBandRead(BaseModel):
    key: str
    label: str
    colour: str
    points: Decimal = Field(description="Points of an indicator in this band (100 best, 0 lowest)")
    from_score: Decimal = Field(
        description="A roll-up score above this (the lowest band: from 0) is in this band"
    )


class RollupRead(BaseModel):
    score: Decimal | None = Field(description="0-100, to 0.01; null when nothing was judged")
    status: ScoreBandRead | None
    counts: dict[str, int] = Field(description="Indicators per status key")
    judged: int = Field(description="Indicators with points (in the score's denominator)")
    total: int = Field(description="Indicators under this level, each once")


class ScorecardIndicatorRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    target: Decimal | None = Field(description="Year-to-date target at the quarter")
    actual: Decimal | None = Field(description="Year-to-date actual at the quarter")
    status: StatusRead
    points: Decimal | None = Field(description="Null when left out of the score")
    last_period: int | None = Field(
        description="The latest period the quarter covers (its actual and evidence)"
    )


class WeightedIndicatorRead(BaseModel):
    indicator_id: uuid.UUID
    weight: Decimal


class InitiativeScoreRead(RollupRead):
    id: uuid.UUID
    title: str
    weight: Decimal = Field(description="The initiative's weight within its objective")
    indicator_ids: list[uuid.UUID] = Field(description="Equally weighted")


class ObjectiveScoreRead(RollupRead):
    id: uuid.UUID
    code: str
    title: str
    indicators: list[WeightedIndicatorRead] = Field(description="Linked directly, with weight")
    initiatives: list[InitiativeScoreRead]


class UnlinkedRead(RollupRead):
    indicator_ids: list[uuid.UUID]


class ScorecardRead(BaseModel):
    financial_year: int
    label: str
    quarter: int
    as_of: date = Field(description="The end of the quarter: year to date up to this day")
    scale: str
    bands: list[ScoreBandRead] = Field(description="How statuses become points and back")
    workspace: RollupRead
    objectives: list[ObjectiveScoreRead]
    unlinked: UnlinkedRead = Field(description="Indicators linked to no objective or initiative")
    indicators: list[ScorecardIndicatorRead]
