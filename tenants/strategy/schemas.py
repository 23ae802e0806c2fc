"""Input and output shapes of the strategy API and forms."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from saypro.platform.validation import Input, PartialUpdate
from saypro.tenants.strategy.models import InitiativeStatus, ObjectiveStatus, Phase

Code = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Title = Annotated[str, Field(min_length=3, max_length=200)]
Description = Annotated[str, Field(max_length=5000)]
Weight = Annotated[Decimal, Field(gt=0, le=10000, max_digits=7, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class _DatesInOrder(Input):
    start_date: date | None = None
    target_date: date | None = None

    @field_validator("target_date")
    @classmethod
    def _target_after_start(cls, target: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if start and target and target < start:
            raise ValueError("must be on or after the start date")
        return target


class ObjectiveCreate(_DatesInOrder):
    code: Code
    title: Title
    description: Description = ""
    owner_id: uuid.UUID | None = None
    status: ObjectiveStatus = ObjectiveStatus.NOT_STARTED


class ObjectiveUpdate(_DatesInOrder, PartialUpdate):
    """Partial update: only the fields sent are changed."""

    NULLABLE = frozenset({"owner_id", "start_date", "target_date"})

    code: Code | None = None
    title: Title | None = None
    description: Description | None = None
    owner_id: uuid.UUID | None = None
    status: ObjectiveStatus | None = None


class InitiativeCreate(Input):
    title: Title
    description: Description = ""
    owner_id: uuid.UUID | None = None
    phase: Phase = Phase.ASSESSMENT
    status: InitiativeStatus = InitiativeStatus.NOT_STARTED
    weight: Weight = Decimal("1")
    percent_complete: Percent = Decimal("0")


class InitiativeUpdate(PartialUpdate):
    NULLABLE = frozenset({"owner_id"})

    title: Title | None = None
    description: Description | None = None
    owner_id: uuid.UUID | None = None
    phase: Phase | None = None
    status: InitiativeStatus | None = None
    weight: Weight | None = None
    percent_complete: Percent | None = None


class InitiativeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    objective_id: uuid.UUID
    title: str
    description: str
    owner_id: uuid.UUID | None
    phase: Phase
    status: InitiativeStatus
    weight: Decimal
    percent_complete: Decimal
    created_at: datetime
    updated_at: datetime


class ObjectiveRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: str
    description: str
    owner_id: uuid.UUID | None
    status: ObjectiveStatus
    start_date: date | None
    target_date: date | None
    progress: Decimal | None = Field(description="Weighted roll-up of the initiatives, 0-100")
    progress_pending: bool = Field(description="True while a recomputation is queued")
    created_at: datetime
    updated_at: datetime


class ObjectiveDetail(ObjectiveRead):
    initiatives: list[InitiativeRead]
