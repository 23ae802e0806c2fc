"""Status calculation: direction-aware achievement, bands of each preset scale, the
non-numeric statuses, and year-to-date roll-ups of cumulative, per-period and carry-over
targets at each quarter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from saypro.tenants.kpis.periods import FinancialYear, Frequency, periods_up_to_quarter
from saypro.tenants.kpis.scoring import (
    PRESETS,
    Actual,
    Band,
    Condition,
    Direction,
    Flag,
    PeriodEntry,
    Scale,
    ScaleError,
    Target,
    TargetType,
    achievement,
    annual_target_problem,
    effective_targets,
    evaluate,
    year_to_date,
)

D = Decimal
HIGHER, LOWER, RANGE = Direction
BINARY, FIVE, RAG = PRESETS["binary_key"], PRESETS["five_band"], PRESETS["rag"]
MET = PRESETS["five_level_met"]
INF = D("Infinity")


@pytest.mark.parametrize(
    ("actual", "target", "direction", "upper", "expected"),
    [
        ("99.5", "99", HIGHER, None, D("100.51")),
        ("90", "100", HIGHER, None, D("90.00")),
        ("0", "100", HIGHER, None, D("0.00")),
        ("4", "5", LOWER, None, D("120.00")),  # fewer days than allowed: better
        ("5", "5", LOWER, None, D("100.00")),
        ("10", "5", LOWER, None, D("0.00")),
        ("15", "5", LOWER, None, D("-100.00")),
        ("0", "5", LOWER, None, D("200.00")),
        ("1", "0", HIGHER, None, INF),  # anything beats a zero target
        ("-1", "0", HIGHER, None, -INF),
        ("0", "0", LOWER, None, D("100")),  # zero incidents against zero allowed
        ("2", "0", LOWER, None, -INF),
        ("-50", "-100", HIGHER, None, D("150.00")),  # a negative target (a deficit)
        ("50", "40", RANGE, "60", D(100)),
        ("40", "40", RANGE, "60", D(100)),
        ("60", "40", RANGE, "60", D(100)),
        ("30", "40", RANGE, "60", D("75.00")),
        ("75", "40", RANGE, "60", D("75.00")),
        ("50", "60", RANGE, "40", D(100)),  # bounds given the wrong way round
        ("-1", "0", RANGE, "5", -INF),
    ],
)
def test_achievement_is_direction_aware(
    actual: str, target: str, direction: Direction, upper: str | None, expected: Decimal
) -> None:
    assert achievement(D(actual), D(target), direction, D(upper) if upper else None) == expected


@pytest.mark.parametrize(
    ("scale", "actual", "target", "direction", "key"),
    [
        (BINARY, "100", "100", HIGHER, "C"),
        (BINARY, "99.99", "100", HIGHER, "D"),
        (BINARY, "3", "5", LOWER, "C"),
        (BINARY, "6", "5", LOWER, "D"),
        (BINARY, "55", "40", RANGE, "C"),
        (FIVE, "160", "100", HIGHER, "well_above"),
        (FIVE, "150", "100", HIGHER, "well_above"),
        (FIVE, "120", "100", HIGHER, "above"),
        (FIVE, "100", "100", HIGHER, "on_target"),
        (FIVE, "80", "100", HIGHER, "below"),
        (FIVE, "74", "100", HIGHER, "well_below"),
        (FIVE, "2", "10", LOWER, "well_above"),  # 180%
        (FIVE, "12", "10", LOWER, "below"),  # 80%
        (FIVE, "1", "0", HIGHER, "well_above"),
        (RAG, "99.5", "99", HIGHER, "green"),
        (RAG, "85", "100", HIGHER, "amber"),
        (RAG, "79.99", "100", HIGHER, "red"),
        (RAG, "1", "0", LOWER, "red"),
        (RAG, "0", "0", LOWER, "green"),
        (MET, "150", "100", HIGHER, "extremely_well_met"),
        (MET, "120", "100", HIGHER, "well_met"),
        (MET, "100", "100", HIGHER, "met"),
        (MET, "85", "100", HIGHER, "almost_met"),
        (MET, "79.99", "100", HIGHER, "not_met"),
        (MET, "4", "5", LOWER, "well_met"),  # 4 days against 5: 120%
    ],
)
def test_bands_of_the_preset_scales(
    scale: Scale, actual: str, target: str, direction: Direction, key: str
) -> None:
    upper = D(60) if direction is RANGE else None
    status = evaluate(Actual(D(actual)), Target(D(target), upper), direction, scale)
    assert status.key == key and status.numeric


@pytest.mark.parametrize(
    ("actual", "target", "due", "condition", "binary_key"),
    [
        (Actual(D(5)), Target(D(5)), False, Condition.NOT_DUE, "ND"),
        (Actual(D(5)), None, True, Condition.NOT_DUE, "ND"),
        (Actual(D(5)), Target(None), True, Condition.NOT_DUE, "ND"),
        (None, Target(D(5)), True, Condition.NOT_REPORTED, "NR"),
        (Actual(None), Target(D(5)), True, Condition.NOT_REPORTED, "NR"),
        (
            Actual(None, Flag.INFORMATION_NOT_AVAILABLE),
            Target(D(5)),
            True,
            Condition.INFORMATION_NOT_AVAILABLE,
            "I",
        ),
        (
            Actual(D(3), Flag.TARGET_TO_BE_AMENDED),
            Target(D(5)),
            True,
            Condition.TARGET_TO_BE_AMENDED,
            "E",
        ),
        (Actual(D(0)), Target(D(0)), True, Condition.NOT_APPLICABLE, "N/A"),
    ],
)
def test_non_numeric_statuses(
    actual: Actual | None,
    target: Target | None,
    due: bool,
    condition: Condition,
    binary_key: str,
) -> None:
    status = evaluate(actual, target, HIGHER, BINARY, due=due)
    assert (status.condition, status.key, status.achievement) == (condition, binary_key, None)
    assert not status.numeric
    assert evaluate(actual, target, HIGHER, FIVE, due=due).condition is condition


def test_both_zero_is_not_applicable_unless_lower_is_better() -> None:
    assert evaluate(Actual(D(0)), Target(D(0)), RANGE, RAG).condition is Condition.NOT_APPLICABLE
    lower = evaluate(Actual(D(0)), Target(D(0)), LOWER, RAG)
    assert (lower.key, lower.achievement) == ("green", D(100))


def test_unbounded_achievement_is_shown_as_none() -> None:
    status = evaluate(Actual(D(3)), Target(D(0)), HIGHER, FIVE)
    assert (status.key, status.achievement) == ("well_above", None)


def test_thresholds_can_be_overridden() -> None:
    strict = RAG.with_thresholds({"amber": D(95)})
    assert evaluate(Actual(D(90)), Target(D(100)), HIGHER, strict).key == "red"
    assert evaluate(Actual(D(90)), Target(D(100)), HIGHER, RAG).key == "amber"
    assert strict.thresholds() == {"green": D(100), "amber": D(95)}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"purple": D(10)}, "purple is not a band"),
        ({"red": D(10)}, "red is not a band"),  # the lowest band has no threshold
        ({"amber": D(100)}, "must decrease"),
        ({"amber": D(120)}, "must decrease"),
    ],
)
def test_bad_thresholds_are_refused(overrides: dict[str, Decimal], message: str) -> None:
    with pytest.raises(ScaleError, match=message):
        RAG.with_thresholds(overrides)


def test_a_scale_needs_a_lowest_band_without_minimum() -> None:
    with pytest.raises(ScaleError, match="lowest band"):
        Scale("x", "X", (Band("a", "A", "green", D(100)),))
    with pytest.raises(ScaleError, match="needs a minimum"):
        Scale("x", "X", (Band("a", "A", "green", None), Band("b", "B", "red", None)))


# Year to date ---------------------------------------------------------------------------

FY = FinancialYear(2026)


def _entries(targets: list[str | None], actuals: list[str | None]) -> list[PeriodEntry]:
    return [
        PeriodEntry(
            Target(D(t)) if t is not None else None, Actual(D(a)) if a is not None else None
        )
        for t, a in zip(targets, actuals, strict=True)
    ]


def test_cumulative_targets_at_q2_carry_a_q1_shortfall() -> None:
    # 400 tickets a year, 100 a quarter; Q1 delivered 80, Q2 120: on target year-to-date.
    entries = _entries(["100", "100"], ["80", "120"])
    ytd = year_to_date(TargetType.CUMULATIVE, entries)
    assert ytd.target == Target(D(200)) and ytd.actual == Actual(D(200))
    assert evaluate(ytd.actual, ytd.target, HIGHER, BINARY).key == "C"
    q1 = year_to_date(TargetType.CUMULATIVE, entries[:1])
    assert evaluate(q1.actual, q1.target, HIGHER, BINARY).key == "D"
    # Q2 on its own exceeded its period target, but year-to-date still falls short if Q2
    # only made up part of Q1's gap.
    short = year_to_date(TargetType.CUMULATIVE, _entries(["100", "100"], ["80", "110"]))
    assert evaluate(short.actual, short.target, HIGHER, FIVE).achievement == D("95.00")


def test_cumulative_with_no_target_in_q1() -> None:
    ytd = year_to_date(TargetType.CUMULATIVE, _entries([None, "2"], [None, "2"]))
    assert (ytd.target, ytd.actual) == (Target(D(2)), Actual(D(2)))
    # Q1 alone has no target: not due.
    q1 = year_to_date(TargetType.CUMULATIVE, _entries([None], ["1"]))
    assert evaluate(q1.actual, q1.target, HIGHER, BINARY).condition is Condition.NOT_DUE


def test_cumulative_year_to_date_is_not_reported_when_the_latest_period_is_not() -> None:
    ytd = year_to_date(TargetType.CUMULATIVE, _entries(["100", "100"], ["100", None]))
    assert evaluate(ytd.actual, ytd.target, HIGHER, BINARY).condition is Condition.NOT_REPORTED
    flagged = [
        *_entries(["100"], ["100"]),
        PeriodEntry(Target(D(100)), Actual(None, Flag.INFORMATION_NOT_AVAILABLE)),
    ]
    ytd = year_to_date(TargetType.CUMULATIVE, flagged)
    assert evaluate(ytd.actual, ytd.target, HIGHER, BINARY).key == "I"


def test_per_period_year_to_date_averages() -> None:
    # Network uptime 99% every quarter: 99.5 then 98.7 averages 99.1 (met).
    ytd = year_to_date(TargetType.PER_PERIOD, _entries(["99", "99"], ["99.5", "98.7"]))
    assert ytd.target == Target(D(99)) and ytd.actual == Actual(D("99.1"))
    assert evaluate(ytd.actual, ytd.target, HIGHER, BINARY).key == "C"
    # ...while Q2 alone missed its target.
    assert evaluate(Actual(D("98.7")), Target(D(99)), HIGHER, BINARY).key == "D"


def test_per_period_average_skips_periods_without_target() -> None:
    ytd = year_to_date(TargetType.PER_PERIOD, _entries([None, "10", "20"], ["5", "10", "30"]))
    assert ytd.target == Target(D(15)) and ytd.actual == Actual(D(20))


def test_carry_over_keeps_the_previous_target_and_takes_the_latest_level() -> None:
    # 60% of sites on fibre by Q2, 80% by Q4; Q3 has no target of its own.
    entries = _entries(["40", "60", None], ["45", "58", "70"])
    assert effective_targets(TargetType.CARRY_OVER, entries) == [
        Target(D(40)),
        Target(D(60)),
        Target(D(60)),
    ]
    assert effective_targets(TargetType.CUMULATIVE, entries)[2] is None
    ytd = year_to_date(TargetType.CARRY_OVER, entries)
    assert (ytd.target, ytd.actual) == (Target(D(60)), Actual(D(70)))
    at_q2 = year_to_date(TargetType.CARRY_OVER, entries[:2])
    assert evaluate(at_q2.actual, at_q2.target, HIGHER, RAG).key == "amber"


def test_annual_indicator_in_q1_is_not_due_and_judged_at_q4() -> None:
    assert periods_up_to_quarter(FY, Frequency.ANNUAL, 1) == []
    ytd = year_to_date(TargetType.CUMULATIVE, [])
    assert evaluate(ytd.actual, ytd.target, HIGHER, BINARY).condition is Condition.NOT_DUE
    at_q4 = year_to_date(TargetType.CUMULATIVE, _entries(["1"], ["1"]))
    assert evaluate(at_q4.actual, at_q4.target, HIGHER, BINARY).key == "C"


def test_lower_is_better_cumulative() -> None:
    # Unplanned outage hours: at most 10 a quarter.
    ytd = year_to_date(TargetType.CUMULATIVE, _entries(["10", "10"], ["4", "14"]))
    assert ytd.actual == Actual(D(18))
    # 18 hours against 20 allowed: 10% better than target.
    assert evaluate(ytd.actual, ytd.target, LOWER, FIVE).achievement == D("110.00")
    assert evaluate(ytd.actual, ytd.target, LOWER, FIVE).key == "above"
    assert evaluate(Actual(D(14)), Target(D(10)), LOWER, FIVE).key == "well_below"


def test_within_range_year_to_date_adds_both_bounds() -> None:
    entries = [
        PeriodEntry(Target(D(10), D(20)), Actual(D(15))),
        PeriodEntry(Target(D(10), D(20)), Actual(D(24))),
    ]
    ytd = year_to_date(TargetType.CUMULATIVE, entries)
    assert ytd.target == Target(D(20), D(40)) and ytd.actual == Actual(D(39))
    assert evaluate(ytd.actual, ytd.target, RANGE, BINARY).key == "C"
    over = year_to_date(
        TargetType.CUMULATIVE, [entries[0], PeriodEntry(entries[1].target, Actual(D(35)))]
    )
    assert evaluate(over.actual, over.target, RANGE, BINARY).key == "D"


@pytest.mark.parametrize(
    ("target_type", "annual", "periods", "problem"),
    [
        (TargetType.CUMULATIVE, "400", ["100", "100", "100", "100"], None),
        (TargetType.CUMULATIVE, "400", ["100", "100", "100", "90"], "add up to 390"),
        (TargetType.CUMULATIVE, "400", [None, "200", None, "200"], None),
        (TargetType.CARRY_OVER, "80", ["40", "60", "70", "80"], None),
        (TargetType.CARRY_OVER, "80", ["40", "60", "90", None], "last period target (90)"),
        (TargetType.PER_PERIOD, "99", ["98", "99", "99", "100"], None),
        (TargetType.CUMULATIVE, None, ["1", "2"], None),
        (TargetType.CUMULATIVE, "5", [None, None], None),
    ],
)
def test_period_targets_agree_with_the_annual_target(
    target_type: TargetType, annual: str | None, periods: list[str | None], problem: str | None
) -> None:
    found = annual_target_problem(
        target_type, D(annual) if annual else None, [D(p) if p else None for p in periods]
    )
    assert (found is None) if problem is None else (found is not None and problem in found)
