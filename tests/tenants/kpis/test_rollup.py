"""The scorecard's points and weighted roll-up, with answers computed by hand."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from saypro.platform.errors import InvalidInput
from saypro.tenants.kpis import rollup
from saypro.tenants.kpis.scorecard import choose_quarter, latest_ended_quarter
from saypro.tenants.kpis.scoring import DEFAULT_MARKS, PRESETS, Condition, Status

RAG = rollup.score_bands(PRESETS["rag"])
D = Decimal


def band(key: str) -> Status:
    return Status(key, key, "x", D(100))


def mark(condition: Condition) -> Status:
    m = DEFAULT_MARKS[condition]
    return Status(m.key, m.label, m.colour, condition=condition)


def test_points_are_spread_from_100_to_0_and_statuses_split_halfway() -> None:
    five = rollup.score_bands(PRESETS["five_band"])
    assert [(b.key, b.points, b.from_score) for b in five] == [
        ("well_above", D(100), D("87.50")),
        ("above", D(75), D("62.50")),
        ("on_target", D(50), D("37.50")),
        ("below", D(25), D("12.50")),
        ("well_below", D(0), D(0)),
    ]
    binary = rollup.score_bands(PRESETS["binary_key"])
    assert [(b.key, b.points, b.from_score) for b in binary] == [
        ("C", D(100), D(50)),
        ("D", D(0), D(0)),
    ]
    assert [b.points for b in RAG] == [D(100), D(50), D(0)]
    # Exactly halfway takes the lower band.
    assert rollup.band_of(RAG, D(75)).key == "amber"
    assert rollup.band_of(RAG, D("75.01")).key == "green"
    assert rollup.band_of(RAG, D(25)).key == "red"
    assert rollup.band_of(RAG, D("25.01")).key == "amber"
    assert rollup.band_of(binary, D(50)).key == "D"


def test_not_reported_is_the_lowest_band_and_the_other_marks_are_left_out() -> None:
    assert rollup.points(RAG, band("amber")) == D(50)
    assert rollup.points(RAG, mark(Condition.NOT_REPORTED)) == D(0)
    for condition in (
        Condition.NOT_DUE,
        Condition.NOT_APPLICABLE,
        Condition.INFORMATION_NOT_AVAILABLE,
        Condition.TARGET_TO_BE_AMENDED,
    ):
        assert rollup.points(RAG, mark(condition)) is None
    with pytest.raises(ValueError, match="not a band"):
        rollup.points(RAG, band("C"))


def test_weighted_score_leaves_out_members_without_a_score() -> None:
    assert rollup.weighted_score([(D(1), D(100)), (D(3), D(0)), (D(5), None)]) == D(25)
    assert rollup.weighted_score([(D(1), None)]) is None
    assert rollup.weighted_score([]) is None
    assert rollup.weighted_score([(D(1), D(100)), (D(2), D(50))]) == D("66.67")  # 200/3


def _judged(
    statuses: dict[str, Status],
) -> tuple[dict[str, uuid.UUID], dict[uuid.UUID, rollup.Judged]]:
    ids = {name: uuid.uuid4() for name in statuses}
    return ids, {
        ids[name]: rollup.Judged(ids[name], status, rollup.points(RAG, status))
        for name, status in statuses.items()
    }


def test_roll_up_to_initiatives_objectives_unlinked_and_workspace() -> None:
    ids, judged = _judged(
        {
            "A": band("green"),
            "B": band("amber"),
            "C": band("red"),
            "D": mark(Condition.NOT_REPORTED),
            "E": mark(Condition.NOT_DUE),
            "F": mark(Condition.INFORMATION_NOT_AVAILABLE),
            "G": band("green"),
            "H": mark(Condition.NOT_REPORTED),
        }
    )
    o1, o2, o3, i1 = (uuid.uuid4() for _ in range(4))
    structure = rollup.Structure(
        objectives=[
            rollup.ObjectiveNode(o1, "SO1", "Connected municipality"),
            rollup.ObjectiveNode(o2, "SO2", "Nothing measured yet"),
            rollup.ObjectiveNode(o3, "SO3", "Only flagged"),
        ],
        initiatives=[rollup.InitiativeNode(i1, o1, "Fibre to sites", D(2))],
        objective_links=[(ids["A"], o1, D(3)), (ids["B"], o1, D(1)), (ids["F"], o3, D(1))],
        initiative_links=[(ids["C"], i1), (ids["D"], i1), (ids["E"], i1)],
    )
    card = rollup.build(RAG, structure, judged)
    first, empty, flagged = card.objectives
    initiative = first.initiatives[0]
    # Initiative: C red 0 and D not reported 0, E not due left out: 0, 2 of 3 judged.
    assert (initiative.rollup.score, initiative.rollup.band) == (D(0), RAG[2])
    assert (initiative.rollup.judged, initiative.rollup.total) == (2, 3)
    assert initiative.indicator_ids == [ids["C"], ids["D"], ids["E"]]
    # Objective: A 100 × 3, B 50 × 1, the initiative 0 × 2 → 350 / 6 = 58.33, amber.
    assert first.rollup.score == D("58.33") and first.rollup.band is not None
    assert first.rollup.band.key == "amber"
    assert first.rollup.counts == {"green": 1, "amber": 1, "red": 1, "NR": 1, "ND": 1}
    assert (first.rollup.judged, first.rollup.total) == (4, 5)
    assert first.indicators == [(ids["A"], D(3)), (ids["B"], D(1))]
    # An objective with nothing linked, and one with only a flagged indicator: no score.
    assert (empty.rollup.score, empty.rollup.band, empty.rollup.total) == (None, None, 0)
    assert (flagged.rollup.score, flagged.rollup.judged, flagged.rollup.total) == (None, 0, 1)
    assert flagged.rollup.counts == {"I": 1}
    # Unlinked: G 100 and H not reported 0 → 50, amber (exactly amber's points).
    assert card.unlinked_ids == [ids["G"], ids["H"]]
    assert (card.unlinked.score, card.unlinked.band) == (D(50), RAG[1])
    # Workspace: SO1 58.33 and Unlinked 50 (SO2, SO3 have no score) → 54.165 → 54.17.
    assert card.workspace.score == D("54.17") and card.workspace.band == RAG[1]
    assert (card.workspace.judged, card.workspace.total) == (6, 8)
    assert card.workspace.counts == {"green": 2, "amber": 1, "red": 1, "NR": 2, "ND": 1, "I": 1}


def test_an_indicator_under_an_objective_twice_is_counted_once_in_its_counts() -> None:
    ids, judged = _judged({"A": band("green"), "B": band("red")})
    objective, initiative = uuid.uuid4(), uuid.uuid4()
    structure = rollup.Structure(
        objectives=[rollup.ObjectiveNode(objective, "SO1", "Both ways")],
        initiatives=[rollup.InitiativeNode(initiative, objective, "Project", D(1))],
        objective_links=[(ids["A"], objective, D(1))],
        initiative_links=[(ids["A"], initiative), (ids["B"], initiative)],
    )
    card = rollup.build(RAG, structure, judged)
    only = card.objectives[0]
    # Score: A 100 × 1 and the initiative (100 + 0) / 2 = 50 × 1 → 75; counts: A once.
    assert only.rollup.score == D(75)
    assert only.rollup.counts == {"green": 1, "red": 1} and only.rollup.total == 2
    assert card.unlinked_ids == [] and card.unlinked.score is None
    # With no unlinked indicators the workspace is its one objective.
    assert card.workspace.score == D(75)


def test_no_indicators_at_all() -> None:
    card = rollup.build(RAG, rollup.Structure([], [], [], []), {})
    assert (card.workspace.score, card.workspace.band, card.workspace.total) == (None, None, 0)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 26), (2026, 1)),
        (date(2026, 9, 30), (2026, 1)),  # the quarter's last day counts as ended
        (date(2026, 9, 29), (2025, 4)),
        (date(2027, 4, 2), (2026, 3)),
    ],
)
def test_latest_ended_quarter(today: date, expected: tuple[int, int]) -> None:
    year, quarter = latest_ended_quarter(today)
    assert (year.start_year, quarter) == expected


def test_choose_quarter_defaults_and_refusals() -> None:
    today = date(2026, 11, 26)
    assert choose_quarter(None, None, today)[0].start_year == 2026
    assert choose_quarter(2024, None, today)[1] == 4  # a past year: Q4
    assert choose_quarter(2026, None, today)[1] == 1  # this year: the latest ended
    assert choose_quarter(2028, None, today)[1] == 1  # nothing ended yet: Q1
    assert choose_quarter(None, 3, today)[0].start_year == 2026
    with pytest.raises(InvalidInput) as quarter:
        choose_quarter(2026, 5, today)
    assert quarter.value.field == "quarter"
    with pytest.raises(InvalidInput) as year:
        choose_quarter(1999, 1, today)
    assert year.value.field == "financial_year"
