"""The documented column layouts of the two kinds of import, how one cell's text becomes
a financial year or a period, and the downloadable template files (headers and an
example row). Header names are matched in any case; spaces count as underscores."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from openpyxl import Workbook

from saypro.platform.errors import InvalidInput
from saypro.tenants.kpis.imports.models import ImportKind
from saypro.tenants.kpis.periods import MONTHS, FinancialYear, Frequency

PERIOD_COLUMNS = 12  # target_1 … target_12: monthly indicators have twelve periods


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    example: str
    meaning: str


INDICATOR_COLUMNS = (
    Column("code", True, "ICT10", "unique in the municipality (any case)"),
    Column("name", True, "Service desk satisfaction", "3 to 200 characters"),
    Column("definition", False, "Share of surveyed users satisfied", "what is measured"),
    Column("unit", False, "percentage", "number, percentage, rand, days or yes_no"),
    Column("decimal_places", False, "1", "0 to 4"),
    Column(
        "direction", False, "higher_is_better", "higher_is_better, lower_is_better, within_range"
    ),
    Column("frequency", False, "quarterly", "monthly, quarterly, biannual or annual"),
    Column("target_type", False, "per_period", "cumulative, per_period or carry_over"),
    Column("calculation", False, "manual", "manual or formula"),
    Column("formula", False, "", "for calculated indicators, e.g. ICT2B / ICT2A * 100"),
    Column("data_source", False, "Quarterly user survey", "the evidence's source"),
    Column("baseline_value", False, "72.5", "a decimal with a point"),
    Column("baseline_date", False, "2026-06-30", "YYYY-MM-DD"),
    Column("owner_email", False, "owner@example.gov.za", "a member of the municipality"),
    Column("reviewer_email", False, "", "a member of the municipality"),
    Column("financial_year", False, "2026/27", "the year of the targets: 2026/27 or 2026"),
    Column("annual_target", False, "80", "left empty: worked out as the form does"),
    Column("annual_upper_target", False, "", "within-range indicators only"),
    *(
        Column(f"target_{n}", False, "80" if n <= 4 else "", f"the target of period {n}")
        for n in range(1, PERIOD_COLUMNS + 1)
    ),
    *(
        Column(f"upper_{n}", False, "", f"within-range: the upper target of period {n}")
        for n in range(1, PERIOD_COLUMNS + 1)
    ),
)

ACTUAL_COLUMNS = (
    Column("code", True, "ICT1", "the indicator's code (any case)"),
    Column("financial_year", True, "2026/27", "2026/27 or 2026"),
    Column("period", True, "Q1", "a number, or Q1-Q4, H1/H2, Jul 2026 … Jun 2027, Annual"),
    Column("value", False, "99.5", "a decimal with a point; or leave empty and give a flag"),
    Column("flag", False, "", "information_not_available or target_to_be_amended"),
    Column("note", False, "Two outages in August", "the reporter's comment"),
    Column("deviation_reason", False, "", "required to submit an amber or red result"),
    Column("corrective_measure", False, "", "required to submit an amber or red result"),
)

LAYOUTS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.INDICATORS: INDICATOR_COLUMNS,
    ImportKind.ACTUALS: ACTUAL_COLUMNS,
}
# Columns the templates show (the indicator layout's later period columns stay optional).
TEMPLATE_SKIP = re.compile(r"^(target|upper)_([5-9]|1[0-2])$")


def header_name(raw: object) -> str:
    return re.sub(r"[\s-]+", "_", str(raw or "").strip().lower())


def enum_name(raw: str) -> str:
    """``Higher is better``, ``yes/no`` and ``within-range`` as the names the API uses."""
    return re.sub(r"[\s/-]+", "_", raw.strip().lower())


_YEAR = re.compile(r"(\d{4})(?:\s*/\s*(\d{2}|\d{4}))?")


# A file repeats a handful of years in every row: each distinct text is parsed once.
@lru_cache(maxsize=256)
def parse_year(raw: str) -> int:
    """``2026/27`` or ``2026`` (or ``2026/2027``) as the year it starts in."""
    text = raw.strip()
    match = _YEAR.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"{text!r} is not a financial year; write it as 2026/27 or 2026",
            field="financial_year",
        )
    start = int(match.group(1))
    second = match.group(2)
    if second is not None and int(second) % 100 != (start + 1) % 100:
        raise InvalidInput(
            f"{text} is not a financial year: it runs from July to the next June",
            field="financial_year",
        )
    if not 2000 <= start <= 2099:
        raise InvalidInput("must be a year from 2000 to 2099", field="financial_year")
    return start


_MONTH_NAMES = {name.lower(): i + 1 for i, name in enumerate(MONTHS)}


def parse_period(raw: str, frequency: Frequency, year: int) -> int:
    """The period's number within the year for an indicator of ``frequency``: a number,
    or its name (Q2, H1, Aug 2026, Annual)."""
    text = raw.strip()
    lowered = text.lower()
    if re.fullmatch(r"\d{1,2}", text):
        return int(text)
    named = re.fullmatch(r"([qh])\s*(\d)", lowered)
    if named:
        kind = Frequency.QUARTERLY if named.group(1) == "q" else Frequency.BIANNUAL
        if frequency is not kind:
            raise InvalidInput(
                f"{text.upper()} is a {kind.value} period; this indicator reports "
                f"{frequency.value}",
                field="period",
            )
        return int(named.group(2))
    if lowered in ("annual", "year"):
        if frequency is not Frequency.ANNUAL:
            raise InvalidInput(
                f"this indicator reports {frequency.value}, not once a year", field="period"
            )
        return 1
    month = re.fullmatch(r"([a-z]{3})[a-z]*\.?\s+(\d{4})", lowered)
    if month and month.group(1) in _MONTH_NAMES:
        if frequency is not Frequency.MONTHLY:
            raise InvalidInput(
                f"{text} is a month; this indicator reports {frequency.value}", field="period"
            )
        day = date(int(month.group(2)), _MONTH_NAMES[month.group(1)], 1)
        fy = FinancialYear(year)
        if FinancialYear.containing(day) != fy:
            raise InvalidInput(f"{text} is not in {fy.label}", field="period")
        return (day.month - 7) % 12 + 1
    raise InvalidInput(
        f"{text!r} is not a period; write a number, Q1-Q4, H1/H2, a month like Jul 2026, or Annual",
        field="period",
    )


def template_columns(kind: ImportKind) -> list[Column]:
    return [c for c in LAYOUTS[kind] if not TEMPLATE_SKIP.match(c.name)]


def template_csv(kind: ImportKind) -> bytes:
    columns = template_columns(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    writer.writerow([c.example for c in columns])
    return out.getvalue().encode("utf-8")


def template_xlsx(kind: ImportKind) -> bytes:
    columns = template_columns(kind)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = kind.value
    sheet.append([c.name for c in columns])
    sheet.append([c.example for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
