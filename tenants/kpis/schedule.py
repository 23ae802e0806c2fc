"""When a period's actual is due, and which reminder step falls on a given day.

Pure date arithmetic, no database, so the rules are tested with fixed dates. A period
is due ``REPORTING_DAYS`` after it ends (Q1 ends 30 September, due 30 October). With the
default policy the owner is reminded 7 days before (23 October), then on the day after
the due date and every 7 days (31 October, 7 November, …, at most 4 times), and the
owner's manager is told 14 days after the due date (13 November).

Each step has a window: a job that did not run on the step's day still sends it within
the window, and a step whose window has passed is never sent late (switching reminders
on does not flood people with a year of old periods).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from saypro.tenants.kpis.periods import Period

# Days after a period ends within which its actual is due; after that it is overdue.
REPORTING_DAYS = 30


def due_date(period: Period) -> date:
    """The last day on which the period's actual is on time."""
    return period.ends_on + timedelta(days=REPORTING_DAYS)


def is_overdue(period: Period, today: date) -> bool:
    return due_date(period) < today


class Step(enum.StrEnum):
    COMING_DUE = "coming_due"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    DIGEST = "digest"


@dataclass(frozen=True)
class Policy:
    """A workspace's reminder settings (defaults as for a new workspace)."""

    enabled: bool = True
    days_before: int = 7
    overdue_every: int = 7
    overdue_max: int = 4
    escalate_after: int = 14
    digest_weekday: int = 0  # Monday, as date.weekday() counts


@dataclass(frozen=True)
class Reminder:
    """One step for one period: ``repeat`` numbers the overdue reminders (1, 2, …) and is
    0 for the others; ``on`` is the step's own day (its window starts there)."""

    step: Step
    repeat: int
    on: date


def coming_due(policy: Policy, due: date, today: date) -> Reminder | None:
    first = due - timedelta(days=policy.days_before)
    if first <= today <= due:
        return Reminder(Step.COMING_DUE, 0, first)
    return None


def overdue(policy: Policy, due: date, today: date) -> Reminder | None:
    """The overdue reminder whose window holds ``today``: the first on the day after the
    due date, then one every ``overdue_every`` days, no more than ``overdue_max``."""
    days_late = (today - due).days
    if days_late < 1:
        return None
    repeat = (days_late - 1) // policy.overdue_every + 1
    if repeat > policy.overdue_max:
        return None
    return Reminder(
        Step.OVERDUE, repeat, due + timedelta(days=1 + (repeat - 1) * policy.overdue_every)
    )


def escalation(policy: Policy, due: date, today: date) -> Reminder | None:
    """To the owner's manager, ``escalate_after`` days after the due date (window:
    ``overdue_every`` days)."""
    first = due + timedelta(days=policy.escalate_after)
    if first <= today < first + timedelta(days=policy.overdue_every):
        return Reminder(Step.ESCALATION, 0, first)
    return None


def reminders_on(policy: Policy, period: Period, today: date) -> list[Reminder]:
    """The steps for an unreported period on ``today`` (none when reminders are off)."""
    if not policy.enabled:
        return []
    due = due_date(period)
    found = [coming_due(policy, due, today), overdue(policy, due, today)]
    found.append(escalation(policy, due, today))
    return [reminder for reminder in found if reminder is not None]


def is_digest_day(policy: Policy, today: date) -> bool:
    return policy.enabled and today.weekday() == policy.digest_weekday


def awaits_report(period: Period, today: date, *, reported: bool, locked: bool) -> bool:
    """Whether an owner still has to report the period: it has ended, nothing was
    submitted or approved (a draft or a returned actual is not reported), and its
    quarter is not locked. My updates, reminders and completion all use this rule."""
    return not reported and not locked and period.ends_on <= today
