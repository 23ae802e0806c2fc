"""The municipal financial year (1 July – 30 June) and the reporting periods in it.

Pure date arithmetic, no database: a financial year is named by the calendar year it
starts in (2026 is 2026/27, 1 July 2026 – 30 June 2027). Periods are numbered from 1
within the year; Q1 is July–September, H1 July–December, month 1 is July.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from functools import cache

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    BIANNUAL = "biannual"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        """Length of one period in months."""
        # Looked up by the member itself (a str): ``self.value`` goes through enum's
        # descriptor, which showed in the profile of a 100 000-row import.
        return _MONTHS_PER_PERIOD[self]

    @property
    def periods_per_year(self) -> int:
        return _PERIODS_PER_YEAR[self]


_MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "biannual": 6, "annual": 12}
_PERIODS_PER_YEAR = {name: 12 // months for name, months in _MONTHS_PER_PERIOD.items()}


@dataclass(frozen=True, order=True)
class FinancialYear:
    start_year: int

    @classmethod
    def containing(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 7 else day.year - 1)

    @property
    def starts_on(self) -> date:
        return date(self.start_year, 7, 1)

    @property
    def ends_on(self) -> date:
        return date(self.start_year + 1, 6, 30)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        return self.label


def _month_start(year: FinancialYear, month_index: int) -> date:
    """The first day of the financial year's ``month_index``-th month (0 = July)."""
    month = 7 + month_index
    return date(year.start_year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _month_end(year: FinancialYear, month_index: int) -> date:
    following = _month_start(year, month_index + 1)
    return date.fromordinal(following.toordinal() - 1)


@dataclass(frozen=True)
class Period:
    year: FinancialYear
    frequency: Frequency
    number: int  # 1-based within the year

    def __post_init__(self) -> None:
        if not 1 <= self.number <= self.frequency.periods_per_year:
            raise ValueError(
                f"{self.frequency.value} periods are numbered 1 to "
                f"{self.frequency.periods_per_year}"
            )

    @property
    def starts_on(self) -> date:
        return _month_start(self.year, (self.number - 1) * self.frequency.months)

    @property
    def ends_on(self) -> date:
        return _month_end(self.year, self.number * self.frequency.months - 1)

    @property
    def quarter(self) -> int:
        """The quarter (1-4) in which the period ends: the s52 report that carries it."""
        return (self.number * self.frequency.months - 1) // 3 + 1

    @property
    def name(self) -> str:
        if self.frequency is Frequency.MONTHLY:
            return MONTHS[self.starts_on.month - 1] + f" {self.starts_on.year}"
        if self.frequency is Frequency.QUARTERLY:
            return f"Q{self.number}"
        if self.frequency is Frequency.BIANNUAL:
            return f"H{self.number}"
        return "Annual"

    @property
    def label(self) -> str:
        """e.g. "Q1 2026/27 (Jul–Sep 2026)", "H2 2026/27 (Jan–Jun 2027)", "Aug 2026"."""
        if self.frequency is Frequency.MONTHLY:
            return self.name
        first, last = self.starts_on, self.ends_on
        if first.year == last.year:
            span = f"{MONTHS[first.month - 1]}–{MONTHS[last.month - 1]} {last.year}"
        else:
            span = f"{MONTHS[first.month - 1]} {first.year}–{MONTHS[last.month - 1]} {last.year}"
        return f"{self.name} {self.year.label} ({span})"

    def is_due_by(self, day: date) -> bool:
        """Whether the period has ended on or before ``day`` (its actual can be expected)."""
        return self.ends_on <= day


def periods(year: FinancialYear, frequency: Frequency) -> list[Period]:
    """The reporting periods of ``frequency`` in ``year``, in order."""
    return list(_periods(year, frequency))


def period(year: FinancialYear, frequency: Frequency, number: int) -> Period:
    """Period ``number`` of ``year`` (ValueError outside 1…periods_per_year), from the
    periods computed once: an import of 100 000 actuals asks for a few dozen periods."""
    if not 1 <= number <= frequency.periods_per_year:
        return Period(year, frequency, number)  # raises, with the reason
    return _periods(year, frequency)[number - 1]


# Scorecards and reports ask for the same few years' periods for hundreds of indicators:
# the date arithmetic is done once per (year, frequency[, quarter]).
@cache
def _periods(year: FinancialYear, frequency: Frequency) -> tuple[Period, ...]:
    return tuple(Period(year, frequency, n) for n in range(1, frequency.periods_per_year + 1))


def period_containing(day: date, frequency: Frequency) -> Period:
    year = FinancialYear.containing(day)
    month_index = (day.month - 7) % 12
    return Period(year, frequency, month_index // frequency.months + 1)


def quarter_end(year: FinancialYear, quarter: int) -> date:
    """The last day of quarter 1-4 of ``year`` (the cut-off of that quarter's report)."""
    if not 1 <= quarter <= 4:
        raise ValueError("quarters are numbered 1 to 4")
    return _month_end(year, quarter * 3 - 1)


def periods_up_to_quarter(year: FinancialYear, frequency: Frequency, quarter: int) -> list[Period]:
    """The periods of ``year`` that end by the end of ``quarter`` (those a quarterly report
    covers year-to-date). An annual indicator has none before Q4."""
    return list(_periods_up_to_quarter(year, frequency, quarter))


@cache
def _periods_up_to_quarter(
    year: FinancialYear, frequency: Frequency, quarter: int
) -> tuple[Period, ...]:
    cut_off = quarter_end(year, quarter)
    return tuple(p for p in _periods(year, frequency) if p.ends_on <= cut_off)
