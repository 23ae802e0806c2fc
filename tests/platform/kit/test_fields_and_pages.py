"""Page, the shared bounds and the page helpers, without a database."""

from __future__ import annotations

import enum
from types import SimpleNamespace

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from saypro.platform.errors import Conflict, InvalidInput
from saypro.platform.kit import Page, page_count, page_offset
from saypro.platform.kit.fields import (
    FinancialYearNumber,
    bounded_text,
    check_financial_year,
    is_financial_year,
)
from saypro.platform.kit.pages import form_error, humanise, options
from saypro.platform.web.forms import FormErrors


class Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str


def test_a_page_of_orm_rows_keeps_its_published_name() -> None:
    page = Page[Row].of([SimpleNamespace(code="A")], 7, limit=1, offset=3)
    assert page.model_dump() == {"items": [{"code": "A"}], "total": 7, "limit": 1, "offset": 3}
    assert Page[Row].__name__ == "Page[Row]"  # what the OpenAPI component is named after
    with pytest.raises(TypeError):
        Page.of([], 0, limit=1, offset=0)


@pytest.mark.parametrize(
    ("total", "size", "pages"), [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (51, 25, 3)]
)
def test_page_count(total: int, size: int, pages: int) -> None:
    assert page_count(total, size) == pages


def test_page_offset() -> None:
    assert [page_offset(p, 25) for p in (0, 1, 2, 3)] == [0, 0, 25, 50]


def test_financial_year_bounds() -> None:
    class Year(BaseModel):
        year: FinancialYearNumber

    assert Year(year=2000).year == 2000 and Year(year=2099).year == 2099
    for bad in (1999, 2100):
        with pytest.raises(ValidationError):
            Year(year=bad)
        assert not is_financial_year(bad)
        with pytest.raises(InvalidInput) as refused:
            check_financial_year(bad, "year")
        assert (refused.value.field, refused.value.message) == (
            "year",
            "must be a year from 2000 to 2099",
        )
    assert check_financial_year(2026) == 2026


def test_bounded_text_refuses_nul_and_overlong_text() -> None:
    from typing import Annotated

    class Note(BaseModel):
        text: Annotated[str, bounded_text(5)]

    assert Note(text="  abc ").text == "abc"
    for bad in ("a\x00b", "abcdef"):
        with pytest.raises(ValidationError):
            Note(text=bad)


class Colour(enum.StrEnum):
    DEEP_RED = "deep_red"
    BLUE = "blue"


class Labelled(enum.StrEnum):
    ONE = "one"

    @property
    def label(self) -> str:
        return "Number one"


def test_options() -> None:
    assert options(Colour) == [("deep_red", "Deep red"), ("blue", "Blue")]
    assert options(Labelled) == [("one", "Number one")]
    # With a label table, the table (or the humanised value) wins over a member's label.
    assert options(Labelled, {"x": "X"}) == [("one", "One")]
    assert options(Colour, {"blue": "Sky"}) == [("deep_red", "Deep red"), ("blue", "Sky")]
    assert humanise("not_started") == "Not started"


def test_form_error_keeps_the_field_and_the_status() -> None:
    errors = form_error(Conflict("taken", field="code"))
    assert isinstance(errors, FormErrors)
    assert (dict(errors), errors.status_code) == ({"code": "taken"}, 409)
    assert dict(form_error(InvalidInput("bad"))) == {"__all__": "bad"}
