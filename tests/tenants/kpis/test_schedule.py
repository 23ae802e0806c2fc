"""The reminder schedule with fixed dates: Q1 2026/27 ends 30 September, is due 30
October; the default policy reminds on 23 October, is overdue from 31 October (then 7,
14, 21 November) and escalates on 13 November."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from saypro.tenants.kpis.periods import FinancialYear, Frequency, Period
from saypro.tenants.kpis.schedule import (
    Policy,
    Reminder,
    Step,
    awaits_report,
    due_date,
    is_digest_day,
    is_overdue,
    reminders_on,
)

Q1 = Period(FinancialYear(2026), Frequency.QUARTERLY, 1)
DEFAULT = Policy()


def steps(day: date, policy: Policy = DEFAULT) -> list[tuple[str, int]]:
    return [(r.step.value, r.repeat) for r in reminders_on(policy, Q1, day)]


def test_due_date_is_thirty_days_after_the_period_ends() -> None:
    assert Q1.ends_on == date(2026, 9, 30)
    assert due_date(Q1) == date(2026, 10, 30)
    assert not is_overdue(Q1, date(2026, 10, 30))
    assert is_overdue(Q1, date(2026, 10, 31))
    monthly = Period(FinancialYear(2026), Frequency.MONTHLY, 8)  # February 2027
    assert due_date(monthly) == date(2027, 3, 30)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 22), []),
        (date(2026, 10, 23), [("coming_due", 0)]),
        (date(2026, 10, 30), [("coming_due", 0)]),  # still in the window on the due date
        (date(2026, 10, 31), [("overdue", 1)]),
        (date(2026, 11, 6), [("overdue", 1)]),
        (date(2026, 11, 7), [("overdue", 2)]),
        (date(2026, 11, 13), [("overdue", 2), ("escalation", 0)]),
        (date(2026, 11, 14), [("overdue", 3), ("escalation", 0)]),
        (date(2026, 11, 20), [("overdue", 3)]),  # the escalation window has passed
        (date(2026, 11, 21), [("overdue", 4)]),
        (date(2026, 11, 28), []),  # four overdue reminders at most
    ],
)
def test_default_schedule(day: date, expected: list[tuple[str, int]]) -> None:
    assert steps(day) == expected


def test_each_step_names_its_own_day() -> None:
    found = reminders_on(DEFAULT, Q1, date(2026, 11, 15))
    assert found == [
        Reminder(Step.OVERDUE, 3, date(2026, 11, 14)),
        Reminder(Step.ESCALATION, 0, date(2026, 11, 13)),
    ]


def test_a_changed_policy_moves_every_step() -> None:
    policy = Policy(days_before=3, overdue_every=2, overdue_max=2, escalate_after=5)
    assert steps(date(2026, 10, 26), policy) == []
    assert steps(date(2026, 10, 27), policy) == [("coming_due", 0)]
    assert steps(date(2026, 11, 2), policy) == [("overdue", 2)]
    assert steps(date(2026, 11, 4), policy) == [("escalation", 0)]  # cap of 2 reached
    assert steps(date(2026, 11, 6), policy) == []


def test_no_overdue_reminders_with_a_cap_of_zero() -> None:
    policy = Policy(overdue_max=0)
    assert steps(date(2026, 10, 31), policy) == []
    assert steps(date(2026, 11, 13), policy) == [("escalation", 0)]


def test_reminders_off_means_none_and_no_digest() -> None:
    off = Policy(enabled=False)
    for offset in range(0, 60):
        assert reminders_on(off, Q1, date(2026, 10, 1) + timedelta(days=offset)) == []
    assert not is_digest_day(off, date(2026, 11, 2))


def test_digest_day_is_the_chosen_weekday() -> None:
    assert is_digest_day(DEFAULT, date(2026, 11, 2))  # a Monday
    assert not is_digest_day(DEFAULT, date(2026, 11, 3))
    assert is_digest_day(Policy(digest_weekday=4), date(2026, 11, 6))  # a Friday


def test_what_awaits_a_report() -> None:
    after = date(2026, 10, 1)
    assert awaits_report(Q1, after, reported=False, locked=False)
    assert not awaits_report(Q1, date(2026, 9, 29), reported=False, locked=False)  # not ended
    assert not awaits_report(Q1, after, reported=True, locked=False)
    assert not awaits_report(Q1, after, reported=False, locked=True)
