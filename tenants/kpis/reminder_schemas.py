"""Input and output shapes of reminder settings, reporting lines and completion figures."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from saypro.platform.validation import Input
from saypro.tenants.kpis.schedule import REPORTING_DAYS, Policy

DEFAULT = Policy()


class Weekday(enum.StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """As ``date.weekday()`` counts: Monday is 0."""
        return list(Weekday).index(self)

    @classmethod
    def of(cls, number: int) -> Weekday:
        return list(cls)[number]


class ReminderSettingsIn(Input):
    enabled: bool = Field(default=DEFAULT.enabled, description="Send reminders and digests")
    # At most the reporting window: a period is never reminded of before it has ended.
    days_before: Annotated[int, Field(ge=1, le=REPORTING_DAYS)] = Field(
        default=DEFAULT.days_before, description="Days before the due date of the first reminder"
    )
    overdue_every: Annotated[int, Field(ge=1, le=60)] = Field(
        default=DEFAULT.overdue_every,
        description="Days between overdue reminders (the first is the day after the due date)",
    )
    overdue_max: Annotated[int, Field(ge=0, le=20)] = Field(
        default=DEFAULT.overdue_max, description="At most this many overdue reminders (0: none)"
    )
    escalate_after: Annotated[int, Field(ge=1, le=365)] = Field(
        default=DEFAULT.escalate_after,
        description="Days after the due date when the owner's manager is told",
    )
    digest_weekday: Weekday = Field(
        default=Weekday.of(DEFAULT.digest_weekday),
        description="The day the weekly digest goes to tenant admins",
    )

    def policy(self) -> Policy:
        return Policy(
            enabled=self.enabled,
            days_before=self.days_before,
            overdue_every=self.overdue_every,
            overdue_max=self.overdue_max,
            escalate_after=self.escalate_after,
            digest_weekday=self.digest_weekday.number,
        )


class ReminderSettingsRead(BaseModel):
    enabled: bool
    days_before: int
    overdue_every: int
    overdue_max: int
    escalate_after: int
    digest_weekday: Weekday

    @classmethod
    def of(cls, policy: Policy) -> ReminderSettingsRead:
        return cls(
            enabled=policy.enabled,
            days_before=policy.days_before,
            overdue_every=policy.overdue_every,
            overdue_max=policy.overdue_max,
            escalate_after=policy.escalate_after,
            digest_weekday=Weekday.of(policy.digest_weekday),
        )


class ManagerIn(Input):
    manager_id: uuid.UUID | None = Field(
        description="The member who receives this member's escalations; null clears it"
    )


class ReportingLineRead(BaseModel):
    user_id: uuid.UUID
    full_name: str
    manager_id: uuid.UUID | None
    manager_name: str | None


class CompletionRow(BaseModel):
    """Indicator-periods that have ended (manual indicators), and how many of them are
    reported (submitted or approved), approved, and overdue (not reported after the
    due date, outside locked quarters). Percentages are of ``expected``."""

    key: str
    label: str
    expected: int
    reported: int
    approved: int
    overdue: int
    reported_percent: Decimal | None
    approved_percent: Decimal | None
    overdue_percent: Decimal | None


class OwnerCompletion(CompletionRow):
    owner_id: uuid.UUID | None


class Completion(BaseModel):
    financial_year: int
    label: str
    quarter: int | None
    as_of: date
    total: CompletionRow
    by_quarter: list[CompletionRow]
    by_owner: list[OwnerCompletion]
    by_department: list[CompletionRow]
