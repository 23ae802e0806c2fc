"""Input and output shapes of the frameworks API and forms."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from saypro.platform.validation import Input, PartialUpdate
from saypro.tenants.frameworks.models import FrameworkKind

# Codes as frameworks print them: "9.c", "16.10", "GG6.1", "IDP-KPA3", "B2B1".
Code = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Name = Annotated[str, Field(min_length=3, max_length=200)]
Title = Annotated[str, Field(min_length=1, max_length=1000)]
Description = Annotated[str, Field(max_length=5000)]


class FrameworkCreate(Input):
    kind: FrameworkKind
    name: Name
    description: Description = ""


class FrameworkUpdate(PartialUpdate):
    name: Name | None = None
    description: Description | None = None


class ItemCreate(Input):
    code: Code
    title: Title
    description: Description = ""
    parent_id: uuid.UUID | None = None


class ItemUpdate(PartialUpdate):
    NULLABLE = frozenset({"parent_id"})

    code: Code | None = None
    title: Title | None = None
    description: Description | None = None
    parent_id: uuid.UUID | None = None


class MappingCreate(Input):
    indicator_id: uuid.UUID


class FrameworkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: FrameworkKind
    name: str
    description: str
    reference: bool = Field(
        description="A seeded reference list (SDGs, Back to Basics, Circular 88)"
    )
    item_count: int = 0
    created_at: datetime
    updated_at: datetime


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    framework_id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str
    title: str
    description: str
    depth: int = 0
    indicator_count: int = Field(0, description="Indicators mapped to this item itself")


class FrameworkDetail(FrameworkRead):
    items: list[ItemRead] = Field(description="All items, parents before their children")


class IndicatorRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    unit: str


class ItemDetail(ItemRead):
    framework: FrameworkRead
    children: list[ItemRead]
    indicators: list[IndicatorRef]


class StatusRef(BaseModel):
    key: str
    label: str
    colour: str
    achievement: Decimal | None


class ReportRow(BaseModel):
    indicator: IndicatorRef
    items: list[str] = Field(description="Codes of the items this indicator is mapped to")
    target: Decimal | None
    actual: Decimal | None
    status: StatusRef | None


class Report(BaseModel):
    framework: FrameworkRead
    item: ItemRead | None
    financial_year: int
    financial_year_label: str
    quarter: int
    rows: list[ReportRow]


class IndicatorItem(BaseModel):
    framework_id: uuid.UUID
    framework: str
    kind: FrameworkKind
    item_id: uuid.UUID
    code: str
    title: str
