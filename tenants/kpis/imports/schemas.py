"""What the import API answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from saypro.tenants.kpis.imports.models import ImportKind, ImportStatus


class RowErrorRead(BaseModel):
    row: int = Field(description="The spreadsheet row (the header is row 1)")
    column: str
    problem: str


class ImportRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ImportKind
    status: ImportStatus
    file_name: str
    file_format: str
    size_bytes: int
    submit: bool = Field(description="Imported actuals are submitted for review, not drafts")
    rows_total: int
    rows_done: int
    error_count: int
    errors: list[RowErrorRead] = Field(description="The first 1,000 problems")
    summary: dict[str, Any] = Field(description="Rows created, updated, submitted")
    failure: str | None
    created_at: datetime
    finished_at: datetime | None
