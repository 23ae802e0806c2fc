"""Field types and bounds that every module's schemas and query parameters share.

One definition each, so a bound cannot drift between the API, the pages and the
service that re-checks it (the OpenAPI document shows the same numbers everywhere).
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter
from pydantic import Field, StringConstraints

from saypro.platform.errors import InvalidInput

# A municipal financial year is named by the calendar year it starts in (2026 = 2026/27).
FINANCIAL_YEAR_MIN = 2000
FINANCIAL_YEAR_MAX = 2099
QUARTER_MIN = 1
QUARTER_MAX = 4

# Text PostgreSQL can store: it refuses NUL characters, so they are refused as bad input.
NO_NUL = r"^[^\x00]*$"

# Deep offsets make the database walk and throw away every row before them.
MAX_OFFSET = 1_000_000
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
MAX_PAGE = 40_000
SEARCH_MAX_LENGTH = 100

FinancialYearNumber = Annotated[int, Field(ge=FINANCIAL_YEAR_MIN, le=FINANCIAL_YEAR_MAX)]
QuarterNumber = Annotated[int, Field(ge=QUARTER_MIN, le=QUARTER_MAX)]


def bounded_text(max_length: int, *, min_length: int = 0) -> StringConstraints:
    """Constraints of stripped text up to ``max_length`` without NUL characters, as in
    ``Annotated[str, bounded_text(200)]`` (for models that are not
    :class:`~saypro.platform.validation.Input`, which refuses NUL on every field)."""
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=NO_NUL
    )


def year_query(description: str | None = None) -> QueryParameter:
    """A financial-year query parameter (2000-2099)."""
    return QueryParameter(ge=FINANCIAL_YEAR_MIN, le=FINANCIAL_YEAR_MAX, description=description)


def quarter_query(description: str | None = None) -> QueryParameter:
    """A quarter query parameter (1-4; Q1 = July to September)."""
    return QueryParameter(ge=QUARTER_MIN, le=QUARTER_MAX, description=description)


def search_query(description: str | None = None) -> QueryParameter:
    """A free-text search query parameter: short, no NUL characters."""
    return QueryParameter(max_length=SEARCH_MAX_LENGTH, pattern=NO_NUL, description=description)


LimitQuery = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
OffsetQuery = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)]
PageQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
OptionalYearQuery = Annotated[int | None, year_query()]
OptionalQuarterQuery = Annotated[int | None, quarter_query()]
SearchQuery = Annotated[str | None, search_query()]


def is_financial_year(year: int) -> bool:
    return FINANCIAL_YEAR_MIN <= year <= FINANCIAL_YEAR_MAX


def check_financial_year(year: int, field: str = "financial_year") -> int:
    """The year, or a 422 on ``field`` when it is outside the years the product plans."""
    if not is_financial_year(year):
        raise InvalidInput(
            f"must be a year from {FINANCIAL_YEAR_MIN} to {FINANCIAL_YEAR_MAX}", field=field
        )
    return year
