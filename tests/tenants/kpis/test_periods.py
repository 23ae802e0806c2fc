"""The municipal financial year and its reporting periods."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from saypro.tenants.kpis.periods import (
    FinancialYear,
    Frequency,
    Period,
    period_containing,
    periods,
    periods_up_to_quarter,
    quarter_end,
)

FY = FinancialYear(2026)


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (date(2026, 7, 1), 2026),
        (date(2027, 6, 30), 2026),
        (date(2026, 6, 30), 2025),
        (date(2026, 12, 31), 2026),
        (date(2027, 1, 1), 2026),
    ],
)
def test_the_financial_year_runs_from_july_to_june(day: date, start_year: int) -> None:
    year = FinancialYear.containing(day)
    assert year.start_year == start_year
    assert year.starts_on <= day <= year.ends_on


def test_financial_year_label_and_bounds() -> None:
    assert (FY.label, FY.starts_on, FY.ends_on) == ("2026/27", date(2026, 7, 1), date(2027, 6, 30))
    assert FinancialYear(2099).label == "2099/00"


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        (
            Frequency.QUARTERLY,
            [
                ("Q1 2026/27 (Jul–Sep 2026)", date(2026, 7, 1), date(2026, 9, 30)),
                ("Q2 2026/27 (Oct–Dec 2026)", date(2026, 10, 1), date(2026, 12, 31)),
                ("Q3 2026/27 (Jan–Mar 2027)", date(2027, 1, 1), date(2027, 3, 31)),
                ("Q4 2026/27 (Apr–Jun 2027)", date(2027, 4, 1), date(2027, 6, 30)),
            ],
        ),
        (
            Frequency.BIANNUAL,
            [
                ("H1 2026/27 (Jul–Dec 2026)", date(2026, 7, 1), date(2026, 12, 31)),
                ("H2 2026/27 (Jan–Jun 2027)", date(2027, 1, 1), date(2027, 6, 30)),
            ],
        ),
        (
            Frequency.ANNUAL,
            [("Annual 2026/27 (Jul 2026–Jun 2027)", date(2026, 7, 1), date(2027, 6, 30))],
        ),
    ],
)
def test_periods_are_generated_from_the_frequency(
    frequency: Frequency, expected: list[tuple[str, date, date]]
) -> None:
    assert [(p.label, p.starts_on, p.ends_on) for p in periods(FY, frequency)] == expected


def test_monthly_periods_cover_the_year_without_gaps() -> None:
    months = periods(FY, Frequency.MONTHLY)
    assert len(months) == 12
    assert months[0].label == "Jul 2026" and months[-1].label == "Jun 2027"
    assert months[7].ends_on == date(2027, 2, 28)  # February, not a leap year
    assert FinancialYear(2027).starts_on == date(2027, 7, 1)
    assert periods(FinancialYear(2027), Frequency.MONTHLY)[7].ends_on == date(2028, 2, 29)
    for earlier, later in itertools.pairwise(months):
        assert later.starts_on.toordinal() == earlier.ends_on.toordinal() + 1
    assert [m.quarter for m in months] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]


@pytest.mark.parametrize(
    ("day", "frequency", "number"),
    [
        (date(2026, 7, 1), Frequency.QUARTERLY, 1),
        (date(2026, 10, 1), Frequency.QUARTERLY, 2),
        (date(2027, 6, 30), Frequency.QUARTERLY, 4),
        (date(2027, 2, 14), Frequency.MONTHLY, 8),
        (date(2027, 2, 14), Frequency.BIANNUAL, 2),
        (date(2026, 8, 1), Frequency.ANNUAL, 1),
    ],
)
def test_period_containing_a_day(day: date, frequency: Frequency, number: int) -> None:
    period = period_containing(day, frequency)
    assert period.number == number and period.starts_on <= day <= period.ends_on


@pytest.mark.parametrize(
    ("frequency", "quarter", "numbers"),
    [
        (Frequency.ANNUAL, 1, []),
        (Frequency.ANNUAL, 3, []),
        (Frequency.ANNUAL, 4, [1]),
        (Frequency.BIANNUAL, 1, []),
        (Frequency.BIANNUAL, 2, [1]),
        (Frequency.QUARTERLY, 2, [1, 2]),
        (Frequency.MONTHLY, 1, [1, 2, 3]),
    ],
)
def test_a_quarterly_report_covers_the_periods_ended_by_then(
    frequency: Frequency, quarter: int, numbers: list[int]
) -> None:
    assert [p.number for p in periods_up_to_quarter(FY, frequency, quarter)] == numbers


def test_bad_period_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="numbered 1 to 4"):
        Period(FY, Frequency.QUARTERLY, 5)
    with pytest.raises(ValueError, match="numbered 1 to 4"):
        quarter_end(FY, 0)
    assert Period(FY, Frequency.QUARTERLY, 4).is_due_by(date(2027, 6, 30))
    assert not Period(FY, Frequency.QUARTERLY, 4).is_due_by(date(2027, 6, 29))
