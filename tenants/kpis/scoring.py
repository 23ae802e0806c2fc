"""Status of an indicator's actual against its target: direction-aware banding on a
configurable scale, the statuses that are not a number, and year-to-date roll-ups.

Pure functions over :class:`~decimal.Decimal` (never float), no database. The service
and pages feed them the stored targets and actuals.

Achievement is the actual as a percentage of target, made direction-aware so that
100 always means "exactly on target" and more is always better:

- higher is better: ``actual ÷ target × 100``;
- lower is better: ``(2 − actual ÷ target) × 100`` (5 days against a target of 4 is
  75%; 3 days is 125%; 0 is 200%);
- within a range ``[low, high]``: 100 inside the range; outside it, 100 less the
  distance to the nearest bound as a percentage of that bound.

A zero target has no ratio: beating it is +∞ (top band), missing it −∞ (bottom band).
Target and actual both zero is "not applicable", except where lower is better: there a
zero target is a real target (zero incidents) and an actual of zero meets it exactly.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

HUNDRED = Decimal(100)
HUNDREDTH = Decimal("0.01")
INFINITY = Decimal("Infinity")


class Direction(enum.StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    WITHIN_RANGE = "within_range"


class TargetType(enum.StrEnum):
    """How period targets relate to each other and to the year."""

    # Each period's target is an amount for that period; year-to-date adds them up, so a
    # shortfall in Q1 is still owed in Q2.
    CUMULATIVE = "cumulative"
    # Each period stands alone (uptime per quarter); year-to-date averages the periods.
    PER_PERIOD = "per_period"
    # A level to reach or hold: a period without a target of its own keeps the previous
    # one, and year-to-date is the latest period's level.
    CARRY_OVER = "carry_over"


class Flag(enum.StrEnum):
    """What a reporter may state instead of a value."""

    INFORMATION_NOT_AVAILABLE = "information_not_available"
    TARGET_TO_BE_AMENDED = "target_to_be_amended"


class Condition(enum.StrEnum):
    """Statuses that are not a band of the scale."""

    NOT_DUE = "not_due"
    NOT_REPORTED = "not_reported"
    INFORMATION_NOT_AVAILABLE = "information_not_available"
    TARGET_TO_BE_AMENDED = "target_to_be_amended"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    colour: str
    # Achievement (percent) at or above which this band applies; None on the lowest band.
    min_percent: Decimal | None


@dataclass(frozen=True)
class Mark:
    """How a scale shows a non-numeric status."""

    key: str
    label: str
    colour: str = "grey"


DEFAULT_MARKS: Mapping[Condition, Mark] = {
    Condition.NOT_DUE: Mark("ND", "Not due"),
    Condition.NOT_REPORTED: Mark("NR", "Not reported", "red"),
    Condition.INFORMATION_NOT_AVAILABLE: Mark("I", "Information not available or work on hold"),
    Condition.TARGET_TO_BE_AMENDED: Mark("E", "Original target to be amended", "amber"),
    Condition.NOT_APPLICABLE: Mark("N/A", "Not applicable (target and actual both zero)"),
}


class ScaleError(ValueError):
    """Thresholds that do not describe a scale (unknown band, not in descending order)."""


@dataclass(frozen=True)
class Scale:
    key: str
    name: str
    bands: tuple[Band, ...]  # best first; the last has no minimum
    marks: Mapping[Condition, Mark] = field(default_factory=lambda: dict(DEFAULT_MARKS))

    def __post_init__(self) -> None:
        if not self.bands or self.bands[-1].min_percent is not None:
            raise ScaleError("the lowest band takes everything below the others: no minimum")
        minimums = [b.min_percent for b in self.bands[:-1]]
        if any(m is None for m in minimums):
            raise ScaleError("every band but the lowest needs a minimum")
        numbers = [m for m in minimums if m is not None]
        if any(a <= b for a, b in pairwise(numbers)):
            raise ScaleError("band minimums must decrease from the best band to the worst")

    def thresholds(self) -> dict[str, Decimal]:
        return {b.key: b.min_percent for b in self.bands if b.min_percent is not None}

    def with_thresholds(self, overrides: Mapping[str, Decimal]) -> Scale:
        """The scale with some band minimums replaced (workspace or indicator settings)."""
        known = set(self.thresholds())
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ScaleError(
                f"{', '.join(unknown)} is not a band of the {self.name} scale with a threshold "
                f"(bands: {', '.join(sorted(known))})"
            )
        bands = tuple(
            replace(b, min_percent=overrides.get(b.key, b.min_percent)) for b in self.bands
        )
        return replace(self, bands=bands)

    def band_for(self, achievement: Decimal) -> Band:
        for band in self.bands:
            if band.min_percent is None or achievement >= band.min_percent:
                return band
        raise AssertionError("unreachable: the lowest band has no minimum")


PRESETS: Mapping[str, Scale] = {
    scale.key: scale
    for scale in (
        Scale(
            "binary_key",
            "Binary key (C, D, I, E)",
            (
                Band("C", "Meets or exceeds target", "green", HUNDRED),
                Band("D", "Does not meet target", "red", None),
            ),
        ),
        Scale(
            "five_band",
            "Five bands",
            (
                Band("well_above", "Well above target", "blue", Decimal(150)),
                Band("above", "Above target", "darkgreen", Decimal(110)),
                Band("on_target", "On target", "green", HUNDRED),
                Band("below", "Below target", "amber", Decimal(75)),
                Band("well_below", "Well below target", "red", None),
            ),
        ),
        # How several provinces' municipalities word a five-level result.
        Scale(
            "five_level_met",
            "Five levels (not met … extremely well met)",
            (
                Band("extremely_well_met", "Extremely well met", "blue", Decimal(150)),
                Band("well_met", "Well met", "darkgreen", Decimal(115)),
                Band("met", "Met", "green", HUNDRED),
                Band("almost_met", "Almost met", "amber", Decimal(80)),
                Band("not_met", "Not met", "red", None),
            ),
        ),
        Scale(
            "rag",
            "Red, amber, green",
            (
                Band("green", "Green: on or above target", "green", HUNDRED),
                Band("amber", "Amber: slightly below target", "amber", Decimal(80)),
                Band("red", "Red: well below target", "red", None),
            ),
        ),
    )
}
DEFAULT_PRESET = "binary_key"


@dataclass(frozen=True)
class Target:
    value: Decimal | None
    upper: Decimal | None = None  # the upper bound of a within-range target


@dataclass(frozen=True)
class Actual:
    value: Decimal | None
    flag: Flag | None = None

    @property
    def reported(self) -> bool:
        return self.value is not None or self.flag is not None


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    colour: str
    achievement: Decimal | None = None  # percent, 0.01; None when not a number or unbounded
    condition: Condition | None = None

    @property
    def numeric(self) -> bool:
        return self.condition is None


def achievement(
    actual: Decimal, target: Decimal, direction: Direction, upper: Decimal | None = None
) -> Decimal:
    """Direction-aware achievement in percent (±∞ against a zero target), to 0.01."""
    if direction is Direction.WITHIN_RANGE:
        high = target if upper is None else upper
        low = min(target, high)
        high = max(target, high)
        if low <= actual <= high:
            return HUNDRED
        bound, distance = (low, low - actual) if actual < low else (high, actual - high)
        if bound == 0:
            return -INFINITY
        return _round(HUNDRED - distance / abs(bound) * HUNDRED)
    difference = actual - target if direction is Direction.HIGHER_IS_BETTER else target - actual
    if target == 0:
        if difference == 0:
            return HUNDRED
        return INFINITY if difference > 0 else -INFINITY
    return _round(HUNDRED + difference / abs(target) * HUNDRED)


def _round(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _mark(scale: Scale, condition: Condition) -> Status:
    mark = scale.marks.get(condition, DEFAULT_MARKS[condition])
    return Status(mark.key, mark.label, mark.colour, condition=condition)


def evaluate(
    actual: Actual | None,
    target: Target | None,
    direction: Direction,
    scale: Scale,
    *,
    due: bool = True,
) -> Status:
    """The status of one actual against one target on ``scale``."""
    if not due or target is None or target.value is None:
        return _mark(scale, Condition.NOT_DUE)
    if actual is None or not actual.reported:
        return _mark(scale, Condition.NOT_REPORTED)
    if actual.flag is Flag.INFORMATION_NOT_AVAILABLE:
        return _mark(scale, Condition.INFORMATION_NOT_AVAILABLE)
    if actual.flag is Flag.TARGET_TO_BE_AMENDED:
        return _mark(scale, Condition.TARGET_TO_BE_AMENDED)
    assert actual.value is not None
    if (
        direction is not Direction.LOWER_IS_BETTER
        and actual.value == 0
        and target.value == 0
        and not target.upper
    ):
        return _mark(scale, Condition.NOT_APPLICABLE)
    percent = achievement(actual.value, target.value, direction, target.upper)
    band = scale.band_for(percent)
    return Status(band.key, band.label, band.colour, percent if percent.is_finite() else None)


@dataclass(frozen=True)
class PeriodEntry:
    """One period's own target and actual, as stored."""

    target: Target | None
    actual: Actual | None


def effective_targets(
    target_type: TargetType, entries: Sequence[PeriodEntry]
) -> list[Target | None]:
    """Each period's target as judged: carry-over periods without one keep the previous."""
    result: list[Target | None] = []
    carried: Target | None = None
    for entry in entries:
        own = entry.target if entry.target is not None and entry.target.value is not None else None
        if target_type is TargetType.CARRY_OVER:
            carried = own or carried
            result.append(carried)
        else:
            result.append(own)
    return result


def year_to_date(target_type: TargetType, entries: Sequence[PeriodEntry]) -> PeriodEntry:
    """The target and actual to judge year-to-date, from the periods due so far (in order).

    The latest period decides whether anything is reported: if it is not, year-to-date is
    not reported either (or carries the latest period's flag).
    """
    targets = effective_targets(target_type, entries)
    set_targets = [t for t in targets if t is not None]
    if not entries or not set_targets:
        return PeriodEntry(None, None)
    latest = entries[-1].actual
    if target_type is TargetType.CARRY_OVER:
        return PeriodEntry(targets[-1], latest)
    if latest is None or latest.value is None:
        return PeriodEntry(_combine(target_type, set_targets), latest)
    if target_type is TargetType.CUMULATIVE:
        total = sum(
            (e.actual.value for e in entries if e.actual and e.actual.value is not None), Decimal(0)
        )
        return PeriodEntry(_combine(target_type, set_targets), Actual(total))
    # Per period: the average of the periods that had a target and were reported.
    judged = [
        (t, e.actual.value)
        for t, e in zip(targets, entries, strict=True)
        if t is not None and e.actual is not None and e.actual.value is not None
    ]
    values = [v for _, v in judged]
    return PeriodEntry(
        _combine(target_type, [t for t, _ in judged]), Actual(sum(values, Decimal(0)) / len(values))
    )


def _combine(target_type: TargetType, targets: Sequence[Target]) -> Target:
    values = [t.value for t in targets if t.value is not None]
    uppers = [t.upper for t in targets if t.upper is not None]
    if target_type is TargetType.CUMULATIVE:
        return Target(sum(values, Decimal(0)), sum(uppers, Decimal(0)) if uppers else None)
    count = Decimal(len(values))
    return Target(
        sum(values, Decimal(0)) / count,
        sum(uppers, Decimal(0)) / Decimal(len(uppers)) if uppers else None,
    )


def annual_target_problem(
    target_type: TargetType, annual: Decimal | None, period_targets: Sequence[Decimal | None]
) -> str | None:
    """Why the period targets disagree with the annual target, or None when they agree.

    Cumulative period targets must add up to the annual target; a carry-over indicator's
    last period target is the annual target. Stand-alone periods are free.
    """
    if annual is None or all(t is None for t in period_targets):
        return None
    if target_type is TargetType.CUMULATIVE:
        total = sum((t for t in period_targets if t is not None), Decimal(0))
        if total != annual:
            return f"the period targets add up to {total}, not the annual target {annual}"
    if target_type is TargetType.CARRY_OVER:
        last = next((t for t in reversed(period_targets) if t is not None), None)
        if last is not None and last != annual:
            return f"the last period target ({last}) is the annual target, which is {annual}"
    return None
