"""Scorecard roll-up: indicator statuses turned into points and rolled up, weighted, to
strategic initiatives, strategic objectives and the whole workspace.

Pure functions over :class:`~decimal.Decimal`, no database (scorecard.py loads and
calls them). The policy, also in docs/kpis.md:

- **Points.** The bands of the workspace's scale are spread evenly from 100 (best band)
  down to 0 (lowest band): binary C 100, D 0; five bands 100, 75, 50, 25, 0; red, amber,
  green 100, 50, 0. *Not reported* scores 0 like the lowest band: missing data hurts.
  *Not due*, *not applicable*, *information not available* and *target to be amended*
  have no points and are left out of the denominator (they still show in the counts).
- **Initiative**: the plain mean of its indicators' points (equal weights).
- **Objective**: the weighted mean of its directly linked indicators (each with its link
  weight) and of its initiatives (each with the initiative's weight, as a score). An
  indicator linked both to the objective and to one of its initiatives counts both ways.
- **Workspace**: the plain mean of the objectives' scores, plus one more member, the
  *Unlinked* group (indicators linked to no objective or initiative: the mean of their
  points) when it has any.
- A member without a score (nothing judged) is left out of its parent's mean; a level
  with nothing judged has no score and no status.
- Each level's score is rounded to 0.01 (half up) and that rounded score rolls up.
- **Status of a score**: the band whose points are nearest; a score exactly halfway
  between two bands' points takes the lower band.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from saypro.tenants.kpis.scoring import Condition, Scale, Status

HUNDRED = Decimal(100)
HUNDREDTH = Decimal("0.01")
# Statuses with no points: not counted in the denominator of any mean.
EXCLUDED = frozenset(
    {
        Condition.NOT_DUE,
        Condition.NOT_APPLICABLE,
        Condition.INFORMATION_NOT_AVAILABLE,
        Condition.TARGET_TO_BE_AMENDED,
    }
)


@dataclass(frozen=True)
class ScoreBand:
    """A band of the scale as a score: its points and the lowest score it covers."""

    key: str
    label: str
    colour: str
    points: Decimal
    from_score: Decimal  # a score above this (or equal, for the lowest band) is this band


def _round(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def score_bands(scale: Scale) -> list[ScoreBand]:
    """The scale's bands, best first, with points from 100 down to 0."""
    count = len(scale.bands)
    points = [
        HUNDRED if count == 1 else _round(HUNDRED * (count - 1 - i) / (count - 1))
        for i in range(count)
    ]
    floors = [(points[i] + points[i + 1]) / 2 for i in range(count - 1)] + [Decimal(0)]
    return [
        ScoreBand(band.key, band.label, band.colour, points[i], _round(floors[i]))
        for i, band in enumerate(scale.bands)
    ]


def points(bands: Sequence[ScoreBand], status: Status) -> Decimal | None:
    """The points of one indicator's status, or None when it is left out."""
    if status.condition is Condition.NOT_REPORTED:
        return bands[-1].points
    if status.condition is not None:
        return None
    for band in bands:
        if band.key == status.key:
            return band.points
    raise ValueError(f"{status.key} is not a band of the scale")


def band_of(bands: Sequence[ScoreBand], score: Decimal) -> ScoreBand:
    """The band whose points are nearest ``score``; exactly halfway takes the lower."""
    for band in bands[:-1]:
        if score > band.from_score:
            return band
    return bands[-1]


@dataclass(frozen=True)
class Judged:
    """One indicator's year-to-date status at the quarter, and its points."""

    indicator_id: uuid.UUID
    status: Status
    points: Decimal | None


@dataclass(frozen=True)
class Rollup:
    score: Decimal | None
    band: ScoreBand | None
    counts: Mapping[str, int]  # indicators per status key
    judged: int  # indicators with points
    total: int  # indicators under this level (each once)


def weighted_score(members: Sequence[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """Weighted mean of the members' scores, those without a score left out; rounded."""
    scored = [(weight, score) for weight, score in members if score is not None]
    total = sum((weight for weight, _ in scored), Decimal(0))
    if not scored or total == 0:
        return None
    return _round(sum((weight * score for weight, score in scored), Decimal(0)) / total)


def rollup(
    bands: Sequence[ScoreBand],
    members: Sequence[tuple[Decimal, Decimal | None]],
    indicators: Sequence[Judged],
) -> Rollup:
    """A level: its score from ``members`` (weight, score), its counts from the distinct
    ``indicators`` under it."""
    distinct = {j.indicator_id: j for j in indicators}.values()
    score = weighted_score(members)
    return Rollup(
        score=score,
        band=None if score is None else band_of(bands, score),
        counts=dict(Counter(j.status.key for j in distinct)),
        judged=sum(1 for j in distinct if j.points is not None),
        total=len(distinct),
    )


# The structure the roll-up walks ------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveNode:
    id: uuid.UUID
    code: str
    title: str


@dataclass(frozen=True)
class InitiativeNode:
    id: uuid.UUID
    objective_id: uuid.UUID
    title: str
    weight: Decimal


@dataclass(frozen=True)
class Structure:
    objectives: Sequence[ObjectiveNode]
    initiatives: Sequence[InitiativeNode]
    objective_links: Sequence[tuple[uuid.UUID, uuid.UUID, Decimal]]  # indicator, objective, w
    initiative_links: Sequence[tuple[uuid.UUID, uuid.UUID]]  # indicator, initiative


@dataclass(frozen=True)
class InitiativeScore:
    node: InitiativeNode
    rollup: Rollup
    indicator_ids: list[uuid.UUID]


@dataclass(frozen=True)
class ObjectiveScore:
    node: ObjectiveNode
    rollup: Rollup
    indicators: list[tuple[uuid.UUID, Decimal]]  # directly linked, with the link weight
    initiatives: list[InitiativeScore]


@dataclass(frozen=True)
class Scorecard:
    bands: list[ScoreBand]
    workspace: Rollup
    objectives: list[ObjectiveScore]
    unlinked: Rollup
    unlinked_ids: list[uuid.UUID]
    judged: Mapping[uuid.UUID, Judged] = field(default_factory=dict)


def build(
    bands: list[ScoreBand], structure: Structure, judged: Mapping[uuid.UUID, Judged]
) -> Scorecard:
    """Roll ``judged`` (every indicator of the workspace, in display order) up the
    strategy's structure. Links to indicators not in ``judged`` are ignored."""

    order = {indicator_id: n for n, indicator_id in enumerate(judged)}

    def entry(indicator_id: uuid.UUID) -> tuple[Decimal, Decimal | None]:
        return Decimal(1), judged[indicator_id].points

    by_initiative: dict[uuid.UUID, list[uuid.UUID]] = {}
    for indicator_id, initiative_id in structure.initiative_links:
        if indicator_id in judged:
            by_initiative.setdefault(initiative_id, []).append(indicator_id)
    direct: dict[uuid.UUID, list[tuple[uuid.UUID, Decimal]]] = {}
    for indicator_id, objective_id, weight in structure.objective_links:
        if indicator_id in judged:
            direct.setdefault(objective_id, []).append((indicator_id, weight))
    initiatives_of: dict[uuid.UUID, list[InitiativeScore]] = {}
    for initiative in structure.initiatives:
        ids = sorted(set(by_initiative.get(initiative.id, [])), key=order.__getitem__)
        initiatives_of.setdefault(initiative.objective_id, []).append(
            InitiativeScore(
                initiative, rollup(bands, [entry(i) for i in ids], [judged[i] for i in ids]), ids
            )
        )

    objectives = []
    for node in structure.objectives:
        links = sorted(direct.get(node.id, []), key=lambda pair: order[pair[0]])
        initiatives = initiatives_of.get(node.id, [])
        members = [(w, judged[i].points) for i, w in links] + [
            (s.node.weight, s.rollup.score) for s in initiatives
        ]
        under = [judged[i] for i, _ in links] + [
            judged[i] for s in initiatives for i in s.indicator_ids
        ]
        objectives.append(ObjectiveScore(node, rollup(bands, members, under), links, initiatives))

    linked = {i for i, _, _ in structure.objective_links} | {
        i for i, _ in structure.initiative_links
    }
    unlinked_ids = [i for i in judged if i not in linked]
    unlinked = rollup(bands, [entry(i) for i in unlinked_ids], [judged[i] for i in unlinked_ids])
    workspace_members = [(Decimal(1), o.rollup.score) for o in objectives]
    if unlinked_ids:
        workspace_members.append((Decimal(1), unlinked.score))
    workspace = rollup(bands, workspace_members, list(judged.values()))
    return Scorecard(bands, workspace, objectives, unlinked, unlinked_ids, judged)
