"""GraphQL types of the analyses: gaps, line of sight, overlaps, focus, the alignment score."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from service.api.enums import GapReason, OverlapType
from service.api.pagination import Connection, paginate
from service.api.types import Person, StrategyNode, Unit, node_type, person_type, unit_type
from service.engine import results
from service.engine.engine import Engine


@strawberry.type
class Gap:
    reason: GapReason
    dangling_refs: list[str] = strawberry.field(description="Parent ids that name no node.")
    stranded_nodes: int = strawberry.field(
        description="How many untraced nodes hang below this gap."
    )
    stranded_work: float = strawberry.field(
        description="Initiative work stranded below it, its own included."
    )
    middle_management: bool = strawberry.field(
        description="The break point is a department or team objective: the thread is lost mid-organisation."
    )
    _engine: strawberry.Private[Engine]
    _gap: strawberry.Private[results.Gap]

    @classmethod
    def from_domain(cls, e: Engine, gap: results.Gap) -> "Gap":
        return cls(
            reason=GapReason.from_domain(gap.reason),
            dangling_refs=list(gap.dangling_refs),  # type: ignore[call-arg]
            stranded_nodes=len(gap.stranded),
            stranded_work=gap.stranded_work,
            middle_management=gap.middle_management,
            _engine=e,
            _gap=gap,
        )

    @strawberry.field
    def break_point(self) -> StrategyNode:
        return node_type(self._engine, self._gap.break_point)

    @strawberry.field
    def members(self) -> list[StrategyNode]:
        return [node_type(self._engine, m) for m in self._gap.members]

    @strawberry.field(
        description="Existing nodes whose id is close to a missing parent id (at most two edits, "
        "a third of the id's length): the typo most likely made, closest first, at most 3."
    )
    def suggested_parents(self) -> list[StrategyNode]:
        return [node_type(self._engine, i) for i in self._engine.suggested_parents(self._gap)]

    @strawberry.field
    def inactive_parents(self) -> list[StrategyNode]:
        return [node_type(self._engine, m) for m in self._gap.inactive_parents]

    @strawberry.field
    def owner(self) -> Person | None:
        owner = self._engine.graph.owner[self._gap.break_point]
        return person_type(self._engine, owner) if owner else None

    @strawberry.field
    def unit(self) -> Unit | None:
        unit = self._engine.graph.unit[self._gap.break_point]
        return unit_type(self._engine, unit) if unit else None

    @strawberry.field(description="What is stranded behind this gap.")
    def stranded(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[StrategyNode]:
        limits = info.context.limits
        e = self._engine
        return paginate(
            self._gap.stranded,
            first,
            after,
            default=limits.page_default,
            cap=limits.page_cap,
            build=lambda i: node_type(e, i),
        )


@strawberry.type
class LineOfSightPath:
    strength: float = strawberry.field(description="Product of the link weights along the path.")
    steps: list[StrategyNode]


@strawberry.type
class LineOfSightBreak:
    gap: Gap
    chain: list[StrategyNode] = strawberry.field(description="From the node up to where it breaks.")


@strawberry.type
class LineOfSight:
    node: StrategyNode
    active: bool
    traced: bool
    truncated: bool = strawberry.field(description="More paths exist than were returned.")
    paths: list[LineOfSightPath]
    breaks: list[LineOfSightBreak]

    @classmethod
    def from_domain(cls, e: Engine, los: results.LineOfSight) -> "LineOfSight":
        return cls(
            node=node_type(e, los.node),
            active=los.active,
            traced=los.traced,
            truncated=los.truncated,
            paths=[
                LineOfSightPath(strength=p.strength, steps=[node_type(e, s) for s in p.steps])
                for p in los.paths
            ],
            breaks=[
                LineOfSightBreak(
                    gap=Gap.from_domain(e, c.gap), chain=[node_type(e, s) for s in c.chain]
                )
                for c in los.gaps
            ],
        )


@strawberry.type
class OwnershipOverlap:
    type: OverlapType
    nodes: list[StrategyNode]
    units: list[Unit]
    parent: StrategyNode | None
    similarity: float | None

    @classmethod
    def from_domain(cls, e: Engine, o: results.Overlap) -> "OwnershipOverlap":
        return cls(
            type=OverlapType(o.type),
            nodes=[node_type(e, i) for i in o.nodes],
            units=[u for u in (unit_type(e, x) for x in o.units) if u is not None],
            parent=node_type(e, o.parent) if o.parent is not None else None,
            similarity=o.similarity,
        )


@strawberry.type
class GoalShare:
    goal: StrategyNode
    share: float


@strawberry.type(name="UnitFocus")
class UnitFocusType:
    unit: Unit
    focus: float | None = strawberry.field(
        description="1 - H/log(G): 1 is one direction, 0 is spread evenly."
    )
    traced_work: float
    pulled: bool = strawberry.field(description="Its traced work reaches two goals or more.")
    goals: list[GoalShare]

    @classmethod
    def from_domain(cls, e: Engine, f: results.UnitFocus) -> "UnitFocusType":
        unit = unit_type(e, f.unit)
        assert unit is not None
        return cls(
            unit=unit,
            focus=f.focus,
            traced_work=f.traced_work,
            pulled=f.pulled,
            goals=[GoalShare(goal=node_type(e, g), share=s) for g, s in f.goals],
        )


@strawberry.type
class LoadBearing:
    node: StrategyNode
    work: float = strawberry.field(
        description="Traced work that would lose its line of sight without this node."
    )


@strawberry.type
class DeclaredConflict:
    a: StrategyNode
    b: StrategyNode


@strawberry.type
class RiskyDependency:
    node: StrategyNode
    depends_on: StrategyNode


@strawberry.type
class UnitScore:
    unit: Unit
    score: float | None
    work: float
    traced_work: float


@strawberry.type
class GoalWork:
    goal: StrategyNode
    traced_work: float
    share: float | None


@strawberry.type
class AlignmentSummary:
    version: int
    period: str | None
    score: float | None = strawberry.field(
        description="Traced work / all active work; null with no work."
    )
    work: float
    traced_work: float
    _engine: strawberry.Private[Engine]
    _unit: strawberry.Private[str | None]

    @strawberry.field(
        description="Counts of nodes and findings (always for the whole organisation)."
    )
    def counts(self) -> JSON:
        return self._engine.counts()

    @strawberry.field
    def by_unit(self) -> list[UnitScore]:
        e = self._engine
        return [
            UnitScore(unit=u, score=s.score, work=s.work, traced_work=s.traced_work)
            for uid, s in e.by_unit.items()
            if (self._unit is None or uid == self._unit) and (u := unit_type(e, uid)) is not None
        ]

    @strawberry.field
    def by_goal(self) -> list[GoalWork]:
        e = self._engine
        return [GoalWork(goal=node_type(e, g), traced_work=w, share=s) for g, w, s in e.by_goal]


def alignment_summary(e: Engine, unit_id: str | None) -> AlignmentSummary:
    overall = e._scores[0]
    score, work, traced = overall.score, overall.work, overall.traced_work
    if unit_id is not None and (s := e.by_unit.get(unit_id)) is not None:
        score, work, traced = s.score, s.work, s.traced_work
    return AlignmentSummary(
        version=e.version,
        period=e.period,
        score=score,
        work=work,  # type: ignore[call-arg]
        traced_work=traced,
        _engine=e,
        _unit=unit_id,
    )


@strawberry.type
class AlignmentRecord:
    seq: int
    at: str
    label: str | None
    version: int
    score: float | None
    counts: JSON

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "AlignmentRecord":
        return cls(
            seq=row["seq"],
            at=row["at"],
            label=row["label"],
            version=row["version"],
            score=row["score"],
            counts=row.get("counts", {}),
        )
