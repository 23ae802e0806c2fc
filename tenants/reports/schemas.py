"""The filters of the SDBIP quarterly report, shared by the API and the page."""

from __future__ import annotations

import enum
import uuid
from typing import Annotated

from pydantic import Field

from saypro.platform.documents.formats import ExportFormat
from saypro.platform.kit.fields import FinancialYearNumber, QuarterNumber
from saypro.platform.validation import Input


class Included(enum.StrEnum):
    """Which actuals the report counts."""

    APPROVED = "approved"  # approved only: the default, what an audited report carries
    SUBMITTED = "submitted"  # submitted and approved, with each one's state shown


class SdbipFilters(Input):
    financial_year: Annotated[FinancialYearNumber, Field(description="2026 = 2026/27")]
    quarter: Annotated[QuarterNumber, Field(description="Q1 = July to September")]
    framework_id: uuid.UUID | None = Field(
        None, description="Only the indicators that feed this framework"
    )
    item_id: uuid.UUID | None = Field(
        None, description="Only those that feed this item of the framework (or its sub-items)"
    )
    actuals: Included = Included.APPROVED
    format: ExportFormat = ExportFormat.XLSX
