"""Every GraphQL object type: the graph, the org and the analyses, each built `from_domain`.

They hold the engine and a frozen view (service.engine.views), never a store handle: every field
is answered from the engine of the version the request started on. Each class keeps the GraphQL
name the schema has always had (`PersonType` is `Person`). Nodes and findings live in one module
because they refer to each other both ways (a node has a line of sight, a gap has nodes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph_schema import NodeKind, Scope, Status
from service import usecases
from service.api.context import Context
from service.api.cost import PATHS_PAGE
from service.api.enums import GapReason, OverlapType
from service.api.pagination import Connection, paginate
from service.engine import results
from service.engine.engine import Engine
from service.engine.views import NodeView

T = TypeVar("T")
Item = TypeVar("Item")


def page(
    info: Info[Context, None],
    items: Sequence[Item],
    first: int | None,
    after: str | None,
    build: Callable[[Item], T],
) -> Connection[T]:
    """One page of `items` under the server's page limits, each item built only if shown."""
    info.context.within_budget()
    limits = info.context.limits
    return paginate(
        items, first, after, default=limits.page_default, cap=limits.page_cap, build=build
    )


# -- the org ---------------------------------------------------------------------------------


@strawberry.type(name="Person")
class PersonType:
    id: strawberry.ID
    name: str
    email: str | None
    _engine: strawberry.Private[Engine]

    @classmethod
    def from_domain(cls, e: Engine, person_id: str) -> PersonType:
        p = e.people.get(person_id)
        # an owner named on a node but absent from the people list is still a person to show
        return cls(
            id=strawberry.ID(person_id),
            name=p.name if p else person_id,
            email=p.email if p else None,
            _engine=e,
        )

    @strawberry.field
    def unit(self) -> UnitType | None:
        p = self._engine.people.get(self.id)
        return UnitType.from_domain(self._engine, p.unit) if p and p.unit else None

    @strawberry.field
    def reports_to(self) -> PersonType | None:
        p = self._engine.people.get(self.id)
        return PersonType.from_domain(self._engine, p.reports_to) if p and p.reports_to else None

    @strawberry.field
    def leads(self) -> list[UnitType]:
        p = self._engine.people.get(self.id)
        found = (UnitType.from_domain(self._engine, x) for x in (p.leads if p else ()))
        return [u for u in found if u is not None]

    @strawberry.field
    def commits_to(self) -> list[StrategyNodeType]:
        e = self._engine
        p = e.people.get(self.id)
        found = (e.find_index(b) for b in (p.commits_to if p else ()))
        return [node_type(e, i) for i in found if i is not None]


@strawberry.type(name="Unit")
class UnitType:
    id: strawberry.ID
    name: str
    _engine: strawberry.Private[Engine]

    @classmethod
    def from_domain(cls, e: Engine, unit_id: str) -> UnitType | None:
        u = e.units.get(unit_id)
        if u is None and not e.has_unit(unit_id):
            return None
        return cls(id=strawberry.ID(unit_id), name=u.name if u else unit_id, _engine=e)

    @strawberry.field
    def parent(self) -> UnitType | None:
        u = self._engine.units.get(self.id)
        return UnitType.from_domain(self._engine, u.parent) if u and u.parent else None

    @strawberry.field
    def children(self) -> list[UnitType]:
        found = (
            UnitType.from_domain(self._engine, u.id)
            for u in self._engine.units.values()
            if u.parent == self.id
        )
        return [u for u in found if u is not None]

    @strawberry.field
    def members(self) -> list[PersonType]:
        return [
            PersonType.from_domain(self._engine, p.id)
            for p in self._engine.people.values()
            if p.unit == self.id
        ]

    @strawberry.field(
        description="Traced work / active work over this unit and the units below it."
    )
    def score(self) -> float | None:
        s = self._engine.by_unit.get(self.id)
        return s.score if s else None

    @strawberry.field
    def focus(self, info: Info[Context, None]) -> UnitFocusType | None:
        info.context.read(self._engine, "unit_focus")
        f = next((f for f in self._engine.unit_focus if f.unit == self.id), None)
        return UnitFocusType.from_domain(self._engine, f) if f else None

    @strawberry.field(description="Active initiatives of this unit and the units below it.")
    def initiatives(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[StrategyNodeType]:
        e = self._engine
        return page(info, e.unit_initiatives(self.id), first, after, lambda i: node_type(e, i))


@strawberry.type(name="Value")
class ValueType:
    id: strawberry.ID
    name: str
    description: str | None


# -- the graph -------------------------------------------------------------------------------


def _owner(e: Engine, view: NodeView) -> PersonType | None:
    return PersonType.from_domain(e, view.owner) if view.owner else None


def _unit(e: Engine, view: NodeView) -> UnitType | None:
    return UnitType.from_domain(e, view.unit) if view.unit else None


@strawberry.type(name="ParentLink")
class ParentLinkType:
    id: strawberry.ID = strawberry.field(
        description="The parent's id, also when no such node exists."
    )
    weight: float
    valid: bool = strawberry.field(
        description="False when the link breaks the level rules (not followed)."
    )
    dangling: bool
    _engine: strawberry.Private[Engine]

    @strawberry.field
    def node(self) -> StrategyNodeType | None:
        i = self._engine.find_index(self.id)
        return node_type(self._engine, i) if i is not None else None


@strawberry.interface(name="StrategyNode")
class StrategyNodeType:
    id: strawberry.ID
    kind: NodeKind
    title: str
    status: Status
    level: int
    period: str | None
    description: str | None
    source: str | None
    traced: bool
    _engine: strawberry.Private[Engine]
    _view: strawberry.Private[NodeView]

    @classmethod
    def from_domain(cls, e: Engine, view: NodeView) -> StrategyNodeType:
        """The node's own GraphQL type (Goal, KeyResult, ...), chosen by its kind."""
        common: dict[str, Any] = {
            "id": strawberry.ID(view.id),
            "kind": view.kind,
            "title": view.title,
            "status": view.status,
            "level": view.level,
            "period": view.period,
            "description": view.description,
            "source": view.source,
            "traced": view.traced,
            "_engine": e,
            "_view": view,
        }
        if view.kind is NodeKind.OBJECTIVE:
            return ObjectiveType(
                **common, scope=view.scope, middle_management=view.middle_management
            )
        if view.kind is NodeKind.KEY_RESULT:
            return KeyResultType(
                **common,
                start=view.start,
                target=view.target,
                current=view.current,
                measure_unit=view.measure_unit,
            )
        if view.kind is NodeKind.INITIATIVE:
            return InitiativeType(**common, effort=view.effort, work=view.work)
        by_kind: dict[NodeKind, type[StrategyNodeType]] = {
            NodeKind.VISION: VisionType,
            NodeKind.GOAL: GoalType,
            NodeKind.BEHAVIOUR: BehaviourType,
        }
        return by_kind[view.kind](**common)

    @strawberry.field
    def owner(self) -> PersonType | None:
        return _owner(self._engine, self._view)

    @strawberry.field
    def unit(self) -> UnitType | None:
        return _unit(self._engine, self._view)

    @strawberry.field
    def parents(self) -> list[ParentLinkType]:
        e = self._engine
        return [
            ParentLinkType(
                id=strawberry.ID(p.id),
                weight=p.weight,
                valid=p.valid,
                dangling=p.dangling,
                _engine=e,
            )
            for p in e.parent_links(self._view.node_index)
        ]

    @strawberry.field
    def children(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[StrategyNodeType]:
        e = self._engine
        kids = e.children_of(self._view.node_index)
        return page(info, kids, first, after, lambda i: node_type(e, i))

    @strawberry.field
    def line_of_sight(self) -> LineOfSightType:
        e = self._engine
        return LineOfSightType.from_domain(e, e.line_of_sight_at(self._view.node_index))


@strawberry.type(name="Vision")
class VisionType(StrategyNodeType):
    pass


@strawberry.type(name="Goal")
class GoalType(StrategyNodeType):
    pass


@strawberry.type(name="Objective")
class ObjectiveType(StrategyNodeType):
    scope: Scope | None = strawberry.field(
        description="Declared, else from the unit's depth in the unit tree."
    )
    middle_management: bool


@strawberry.type(name="KeyResult")
class KeyResultType(StrategyNodeType):
    start: float | None
    target: float | None
    current: float | None
    measure_unit: str | None

    @strawberry.field(description="(current - start) / (target - start); null when not measurable.")
    def progress(self) -> float | None:
        return self._view.progress

    @strawberry.field
    def conflicts_with(self) -> list[StrategyNodeType]:
        e = self._engine
        return [node_type(e, j) for j in e.conflicts_of(self._view.node_index)]


@strawberry.type(name="Behaviour")
class BehaviourType(StrategyNodeType):
    @strawberry.field
    def expresses(self) -> list[ValueType]:
        return [
            ValueType(id=strawberry.ID(v.id), name=v.name, description=v.description)
            for v in self._engine.values_of(self._view.node_index)
        ]


@strawberry.type(name="Initiative")
class InitiativeType(StrategyNodeType):
    effort: float | None
    work: float = strawberry.field(description="effort, 1 where not given: what the score counts.")

    @strawberry.field
    def depends_on(self) -> list[StrategyNodeType]:
        e = self._engine
        return [node_type(e, j) for j in e.depends_of(self._view.node_index)]


NODE_TYPES: list[type[StrategyNodeType]] = [
    VisionType,
    GoalType,
    ObjectiveType,
    KeyResultType,
    BehaviourType,
    InitiativeType,
]


def node_type(e: Engine, i: int) -> StrategyNodeType:
    """Node `i` of the engine as its GraphQL type."""
    return StrategyNodeType.from_domain(e, e.node(i))


# -- the analyses ----------------------------------------------------------------------------


ABOVE_DEFAULT, ABOVE_MAX = 20, 50  # a gap's chain above: what a focused map draws


@strawberry.type(name="Gap")
class GapType:
    reason: GapReason
    dangling_refs: list[str] = strawberry.field(description="Parent ids that name no node.")
    stranded_nodes: int = strawberry.field(
        description="How many untraced nodes hang below this gap."
    )
    stranded_work: float = strawberry.field(
        description="Initiative work stranded below it, its own included."
    )
    middle_management: bool = strawberry.field(
        description="The break point is a department or team objective: the thread is lost "
        "mid-organisation."
    )
    _engine: strawberry.Private[Engine]
    _gap: strawberry.Private[results.Gap]

    @classmethod
    def from_domain(cls, e: Engine, gap: results.Gap) -> GapType:
        return cls(
            reason=gap.reason,
            dangling_refs=list(gap.dangling_refs),
            stranded_nodes=len(gap.stranded),
            stranded_work=gap.stranded_work,
            middle_management=gap.middle_management,
            _engine=e,
            _gap=gap,
        )

    @strawberry.field
    def break_point(self) -> StrategyNodeType:
        return node_type(self._engine, self._gap.break_point)

    @strawberry.field(
        description="Why the chain breaks at the break point, in words that name the other nodes "
        "involved (the missing parent, the inactive one, the link against the level rules, the "
        "rest of the cycle)."
    )
    def cause(self) -> str:
        return self._engine.cause(self._gap)

    @strawberry.field
    def members(self) -> list[StrategyNodeType]:
        return [node_type(self._engine, m) for m in self._gap.members]

    @strawberry.field(
        description="Existing nodes whose id is close to a missing parent id (at most two edits, "
        "a third of the id's length): the typo most likely made, closest first, at most 3."
    )
    def suggested_parents(self) -> list[StrategyNodeType]:
        return [node_type(self._engine, i) for i in self._engine.suggested_parents(self._gap)]

    @strawberry.field
    def inactive_parents(self) -> list[StrategyNodeType]:
        return [node_type(self._engine, m) for m in self._gap.inactive_parents]

    @strawberry.field
    def owner(self) -> PersonType | None:
        owner = self._engine.node(self._gap.break_point).owner
        return PersonType.from_domain(self._engine, owner) if owner else None

    @strawberry.field
    def unit(self) -> UnitType | None:
        unit = self._engine.node(self._gap.break_point).unit
        return UnitType.from_domain(self._engine, unit) if unit else None

    @strawberry.field(
        description="Who can mend it: the owner of the parent a missing id most likely meant, of "
        "the parent no longer active, or of the parent linked against the level rules; for a "
        "node linked to nothing or a cycle, the leader of the break point's unit (or the unit "
        "above that has one); where none is named, the break point's owner."
    )
    def fixed_by(self) -> PersonType | None:
        who = self._engine.fixer(self._gap)
        return PersonType.from_domain(self._engine, who) if who else None

    @strawberry.field(
        description="The chain above the break point: its parents, theirs and so on, through "
        "every link (valid or not, active or not), nearest first; at most `first` (default 20)."
    )
    def above(self, first: int | None = None) -> list[StrategyNodeType]:
        e = self._engine
        limit = ABOVE_DEFAULT if first is None else max(0, min(first, ABOVE_MAX))
        return [node_type(e, i) for i in e.above(self._gap.break_point, limit)]

    @strawberry.field(
        description="What is stranded behind this gap: in id order, or with nearest, breadth "
        "first down from the break point (any first few then hang together: what a focused "
        "map draws)."
    )
    def stranded(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        nearest: bool = False,
    ) -> Connection[StrategyNodeType]:
        e = self._engine
        found = e.stranded_nearest(self._gap) if nearest else self._gap.stranded
        return page(info, found, first, after, lambda i: node_type(e, i))


@strawberry.type(name="PathStep")
class PathStepType:
    """One node of a path, summarised: a step cannot open another line of sight, its parents or
    its children, so a path costs what it shows."""

    id: strawberry.ID
    kind: NodeKind
    title: str
    status: Status
    weight: float | None = strawberry.field(
        description="Weight of the link from this step up to the next; null on the last step."
    )
    _engine: strawberry.Private[Engine]
    _view: strawberry.Private[NodeView]

    @classmethod
    def from_domain(cls, e: Engine, i: int, weight: float | None) -> PathStepType:
        v = e.node(i)
        return cls(
            id=strawberry.ID(v.id),
            kind=v.kind,
            title=v.title,
            status=v.status,
            weight=weight,
            _engine=e,
            _view=v,
        )

    @strawberry.field
    def owner(self) -> PersonType | None:
        return _owner(self._engine, self._view)

    @strawberry.field
    def unit(self) -> UnitType | None:
        return _unit(self._engine, self._view)


@strawberry.type(name="LineOfSightPath")
class LineOfSightPathType:
    strength: float = strawberry.field(description="Product of the link weights along the path.")
    steps: list[PathStepType] = strawberry.field(description="From the node up to a vision.")

    @classmethod
    def from_domain(cls, e: Engine, path: results.Path) -> LineOfSightPathType:
        weights = e.step_weights(path.steps)
        return cls(
            strength=path.strength,
            steps=[
                PathStepType.from_domain(e, s, w) for s, w in zip(path.steps, weights, strict=True)
            ],
        )


@strawberry.type(name="LineOfSightBreak")
class LineOfSightBreakType:
    gap: GapType
    chain: list[StrategyNodeType] = strawberry.field(
        description="From the node up to where it breaks."
    )


@strawberry.type(name="LineOfSight")
class LineOfSightType:
    node: StrategyNodeType
    active: bool
    traced: bool
    truncated: bool = strawberry.field(
        description="More paths exist than the engine enumerates (it stops at 100)."
    )
    breaks: list[LineOfSightBreakType]
    _engine: strawberry.Private[Engine]
    _paths: strawberry.Private[list[results.Path]]

    @strawberry.field(description="Every path up to a vision, shortest first (10 a page).")
    def paths(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[LineOfSightPathType]:
        e = self._engine
        if first is None:  # a path is a large item: a smaller page than the server's default
            first = min(PATHS_PAGE, info.context.limits.page_cap)
        return page(
            info, self._paths, first, after, lambda p: LineOfSightPathType.from_domain(e, p)
        )

    @classmethod
    def from_domain(cls, e: Engine, los: results.LineOfSight) -> LineOfSightType:
        return cls(
            node=node_type(e, los.node),
            active=los.active,
            traced=los.traced,
            truncated=los.truncated,
            _engine=e,
            _paths=los.paths,
            breaks=[
                LineOfSightBreakType(
                    gap=GapType.from_domain(e, c.gap), chain=[node_type(e, s) for s in c.chain]
                )
                for c in los.gaps
            ],
        )


@strawberry.type(name="OwnershipOverlap")
class OwnershipOverlapType:
    type: OverlapType
    nodes: list[StrategyNodeType]
    units: list[UnitType]
    parent: StrategyNodeType | None
    similarity: float | None

    @classmethod
    def from_domain(cls, e: Engine, o: results.Overlap) -> OwnershipOverlapType:
        units = (UnitType.from_domain(e, x) for x in o.units)
        return cls(
            type=o.type,
            nodes=[node_type(e, i) for i in o.nodes],
            units=[u for u in units if u is not None],
            parent=node_type(e, o.parent) if o.parent is not None else None,
            similarity=o.similarity,
        )


@strawberry.type(name="GoalShare")
class GoalShareType:
    goal: StrategyNodeType
    share: float


@strawberry.type(name="UnitFocus")
class UnitFocusType:
    unit: UnitType
    focus: float | None = strawberry.field(
        description="1 - H/log(G): 1 is one direction, 0 is spread evenly."
    )
    traced_work: float
    pulled: bool = strawberry.field(description="Its traced work reaches two goals or more.")
    goals: list[GoalShareType]

    @classmethod
    def from_domain(cls, e: Engine, f: results.UnitFocus) -> UnitFocusType:
        unit = UnitType.from_domain(e, f.unit)
        assert unit is not None  # focus is computed for units the engine knows
        return cls(
            unit=unit,
            focus=f.focus,
            traced_work=f.traced_work,
            pulled=f.pulled,
            goals=[GoalShareType(goal=node_type(e, g), share=s) for g, s in f.goals],
        )


@strawberry.type(name="LoadBearing")
class LoadBearingType:
    node: StrategyNodeType
    work: float = strawberry.field(
        description="Traced work that would lose its line of sight without this node."
    )


@strawberry.type(name="UnsupportedSubtree")
class UnsupportedSubtreeType:
    top: StrategyNodeType
    below: int = strawberry.field(description="Unsupported nodes that hang below the top one.")


@strawberry.type(name="DeclaredConflict")
class DeclaredConflictType:
    a: StrategyNodeType
    b: StrategyNodeType


@strawberry.type(name="RiskyDependency")
class RiskyDependencyType:
    node: StrategyNodeType
    depends_on: StrategyNodeType


@strawberry.type(name="UnitScore")
class UnitScoreType:
    unit: UnitType
    score: float | None
    work: float
    traced_work: float


@strawberry.type(name="GoalWork")
class GoalWorkType:
    goal: StrategyNodeType
    traced_work: float
    share: float | None


@strawberry.type(name="AlignmentSummary")
class AlignmentSummaryType:
    version: int
    period: str | None
    score: float | None = strawberry.field(
        description="Traced work / all active work; null with no work."
    )
    work: float
    traced_work: float
    _engine: strawberry.Private[Engine]
    _unit: strawberry.Private[str | None]

    @classmethod
    def from_domain(cls, e: Engine, unit_id: str | None) -> AlignmentSummaryType:
        s = e.overall
        if unit_id is not None and unit_id in e.by_unit:
            s = e.by_unit[unit_id]
        return cls(
            version=e.version,
            period=e.period,
            score=s.score,
            work=s.work,
            traced_work=s.traced_work,
            _engine=e,
            _unit=unit_id,
        )

    def _units(self) -> set[str] | None:
        return None if self._unit is None else self._engine.units_below(self._unit)

    @strawberry.field(
        description="Counts of nodes and findings: the organisation's, or with unitId those of "
        "the nodes owned by that unit and the units below it."
    )
    def counts(self, info: Info[Context, None]) -> JSON:
        info.context.read(self._engine, "load_bearing", "overlaps", "unit_focus")
        return JSON(self._engine.counts(self._units()))

    @strawberry.field(description="Each unit's score; with unitId, that unit's and those below.")
    def by_unit(self) -> list[UnitScoreType]:
        e, units = self._engine, self._units()
        return [
            UnitScoreType(unit=u, score=s.score, work=s.work, traced_work=s.traced_work)
            for uid, s in e.by_unit.items()
            if (units is None or uid in units) and (u := UnitType.from_domain(e, uid)) is not None
        ]

    @strawberry.field
    def by_goal(self) -> list[GoalWorkType]:
        e = self._engine
        return [GoalWorkType(goal=node_type(e, g), traced_work=w, share=s) for g, w, s in e.by_goal]


@strawberry.type(name="AlignmentRecord")
class AlignmentRecordType:
    seq: int
    at: str
    label: str | None
    version: int
    score: float | None
    counts: JSON
    by_goal: list[RecordedGoalType] = strawberry.field(
        description="Each goal's share of the traced work, as recorded."
    )
    by_unit: list[RecordedUnitType] = strawberry.field(
        description="Each unit's score, as recorded (empty in records kept before units were)."
    )

    @classmethod
    def from_domain(cls, row: dict[str, Any], unit_id: str | None = None) -> AlignmentRecordType:
        units = [
            RecordedUnitType(unit_id=strawberry.ID(u["unit"]), name=u.get("name"), score=u["score"])
            for u in row.get("byUnit", [])
        ]
        score = row["score"] if unit_id is None else usecases.recorded_scores(row).get(unit_id)
        return cls(
            seq=row["seq"],
            at=row["at"],
            label=row["label"],
            version=row["version"],
            score=score,
            counts=row.get("counts", {}),
            by_goal=[
                RecordedGoalType(
                    goal_id=strawberry.ID(g["goal"]),
                    title=g.get("title"),
                    share=g.get("share"),
                    traced_work=g.get("tracedWork", 0.0),
                )
                for g in row.get("byGoal", [])
            ],
            by_unit=units,
        )


@strawberry.type(name="RecordedGoal")
class RecordedGoalType:
    goal_id: strawberry.ID
    title: str | None
    share: float | None
    traced_work: float


@strawberry.type(name="RecordedUnit")
class RecordedUnitType:
    unit_id: strawberry.ID
    name: str | None
    score: float | None
