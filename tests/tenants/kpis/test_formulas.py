"""The safe formula parser: syntax, evaluation with Decimals, unknown codes and cycles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from saypro.tenants.kpis.formulas import (
    FormulaError,
    check,
    evaluate,
    find_cycle,
    parse,
    references,
)

D = Decimal


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("1 + 2 * 3", D(7)),
        ("(1 + 2) * 3", D(9)),
        ("10 / 4", D("2.5")),
        ("-2 - -3", D(1)),
        ("ICT1 / ICT2 * 100", D(25)),
        ("[ICT-03] + 0.5", D("7.5")),
        ("ict1 + ICT2", D(50)),
        ("0.1 + 0.2", D("0.3")),  # Decimal, not float: exactly 0.3
        (".5 * 2", D("1.0")),
        ("+ICT1", D(10)),
    ],
)
def test_formulas_evaluate_with_decimals(formula: str, expected: Decimal) -> None:
    values = {"ict1": D(10), "ict2": D(40), "ict-03": D(7)}
    assert evaluate(parse(formula), values) == expected


@pytest.mark.parametrize("formula", ["ICT1 / 0", "ICT1 / (ICT2 - 40)", "ICT9 + 1"])
def test_division_by_zero_or_missing_input_is_undetermined(formula: str) -> None:
    assert evaluate(parse(formula), {"ict1": D(10), "ict2": D(40)}) is None


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1 +", "ends too early"),
        ("(1 + 2", "not closed"),
        ("1 + 2)", "unexpected ')'"),
        ("ICT1 ICT2", "unexpected 'ICT2'"),
        ("__import__('os').system('x')", "unexpected"),
        ("ICT1 ** 2", "expected a number"),
        ("ICT1 % 2", "unexpected character '%'"),
        ("1;2", "unexpected character ';'"),
        ("(" * 60 + "1" + ")" * 60, "nested too deeply"),
        ("1+" * 300 + "1", "longer than 500"),
    ],
)
def test_bad_syntax_is_explained(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(formula)


def test_references_lists_the_codes() -> None:
    assert references(parse("(A + [B-1]) / c.2 - 3")) == {"A", "B-1", "c.2"}


def test_check_accepts_known_codes_case_insensitively() -> None:
    assert check("ICT3", "ict1 / ICT2 * 100", {"ICT1": [], "ICT2": []}) == {"ict1", "ict2"}


def test_check_refuses_unknown_codes() -> None:
    with pytest.raises(FormulaError, match="unknown indicator code ICT9, ict8"):
        check("ICT3", "ICT9 + ict8 + ICT1", {"ICT1": []})


def test_check_refuses_self_reference() -> None:
    with pytest.raises(FormulaError, match="cannot use itself"):
        check("ICT3", "ICT3 + 1", {"ICT1": []})


def test_check_refuses_cycles_through_other_formulas() -> None:
    known = {"A": ["B"], "B": ["C"], "C": []}
    assert check("C", "A * 2", {"A": ["B"], "B": []}) == {"a"}
    with pytest.raises(FormulaError, match="cycle: c → a → b → c"):
        check("C", "A * 2", known)


def test_find_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}, "a") is None
    assert find_cycle({"a": {"b"}, "b": {"a"}}, "a") == ["a", "b", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}, "a") is None  # a diamond
