"""GraphQL types of the graph and the org, built from the engine with `from_domain`.

They hold the engine and a node index, never a store handle: every field is answered from
the engine of the version the request started on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry.types import Info

from graph_schema import LEVEL
from service.api.enums import NodeKind, Scope, Status
from service.api.pagination import Connection, paginate
from service.engine.engine import Engine, kind_of
from service.engine.graph import is_middle_management_scope

if TYPE_CHECKING:
    from service.api.findings import LineOfSight, UnitFocusType

LineOfSightRef = Annotated["LineOfSight", strawberry.lazy("service.api.findings")]
UnitFocusRef = Annotated["UnitFocusType", strawberry.lazy("service.api.findings")]


def _page(info: Info, items: list, first: int | None, after: str | None, build):  # type: ignore[no-untyped-def]
    limits = info.context.limits
    return paginate(
        items, first, after, default=limits.page_default, cap=limits.page_cap, build=build
    )


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    email: str | None
    _engine: strawberry.Private[Engine]

    @strawberry.field
    def unit(self) -> Optional["Unit"]:
        p = self._engine.people.get(self.id)
        return unit_type(self._engine, p.unit) if p and p.unit else None

    @strawberry.field
    def reports_to(self) -> Optional["Person"]:
        p = self._engine.people.get(self.id)
        return person_type(self._engine, p.reports_to) if p and p.reports_to else None

    @strawberry.field
    def leads(self) -> list["Unit"]:
        p = self._engine.people.get(self.id)
        return [u for u in (unit_type(self._engine, x) for x in (p.leads if p else ())) if u]

    @strawberry.field
    def commits_to(self) -> list["StrategyNode"]:
        p = self._engine.people.get(self.id)
        return [
            node_type(self._engine, self._engine.graph.index[b])
            for b in (p.commits_to if p else ())
            if b in self._engine.graph.index
        ]


@strawberry.type
class Unit:
    id: strawberry.ID
    name: str
    _engine: strawberry.Private[Engine]

    @strawberry.field
    def parent(self) -> Optional["Unit"]:
        u = self._engine.units.get(self.id)
        return unit_type(self._engine, u.parent) if u and u.parent else None

    @strawberry.field
    def children(self) -> list["Unit"]:
        return [
            unit_type(self._engine, u.id)
            for u in self._engine.units.values()
            if u.parent == self.id
        ]  # type: ignore[misc]

    @strawberry.field
    def members(self) -> list[Person]:
        return [
            person_type(self._engine, p.id)
            for p in self._engine.people.values()
            if p.unit == self.id
        ]  # type: ignore[misc]

    @strawberry.field(
        description="Traced work / active work over this unit and the units below it."
    )
    def score(self) -> float | None:
        s = self._engine.by_unit.get(self.id)
        return s.score if s else None

    @strawberry.field
    def focus(self) -> UnitFocusRef | None:
        from service.api.findings import UnitFocusType

        f = next((f for f in self._engine.unit_focus if f.unit == self.id), None)
        return UnitFocusType.from_domain(self._engine, f) if f else None

    @strawberry.field(description="Active initiatives of this unit and the units below it.")
    def initiatives(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection["StrategyNode"]:
        e = self._engine
        return _page(info, e.unit_initiatives(self.id), first, after, lambda i: node_type(e, i))


@strawberry.type
class Value:
    id: strawberry.ID
    name: str
    description: str | None


@strawberry.type
class ParentLink:
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
    def node(self) -> Optional["StrategyNode"]:
        i = self._engine.graph.index.get(self.id)
        return node_type(self._engine, i) if i is not None else None


@strawberry.interface
class StrategyNode:
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
    _i: strawberry.Private[int]

    @strawberry.field
    def owner(self) -> Person | None:
        owner = self._engine.graph.owner[self._i]
        return person_type(self._engine, owner) if owner else None

    @strawberry.field
    def unit(self) -> Unit | None:
        unit = self._engine.graph.unit[self._i]
        return unit_type(self._engine, unit) if unit else None

    @strawberry.field
    def parents(self) -> list[ParentLink]:
        e = self._engine
        out = [
            ParentLink(id=e.graph.ids[p], weight=w, valid=v, dangling=False, _engine=e)  # type: ignore[call-arg]
            for p, w, v in e.links.parents.get(self._i, [])
        ]
        out += [
            ParentLink(id=d, weight=1.0, valid=False, dangling=True, _engine=e)  # type: ignore[call-arg]
            for d in e.graph.dangling.get(self._i, [])
        ]
        return out

    @strawberry.field
    def children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection["StrategyNode"]:
        e = self._engine
        return _page(
            info, e.links.children.get(self._i, []), first, after, lambda i: node_type(e, i)
        )

    @strawberry.field
    def line_of_sight(self) -> LineOfSightRef:
        from service.api.findings import LineOfSight

        return LineOfSight.from_domain(self._engine, self._engine.line_of_sight_at(self._i))


@strawberry.type
class Vision(StrategyNode):
    pass


@strawberry.type
class Goal(StrategyNode):
    pass


@strawberry.type
class Objective(StrategyNode):
    scope: Scope | None = strawberry.field(
        description="Declared, else from the unit's depth in the unit tree."
    )
    middle_management: bool


@strawberry.type
class KeyResult(StrategyNode):
    start: float | None
    target: float | None
    current: float | None
    measure_unit: str | None

    @strawberry.field(description="(current - start) / (target - start); null when not measurable.")
    def progress(self) -> float | None:
        if (
            self.start is None
            or self.target is None
            or self.current is None
            or self.target == self.start
        ):
            return None
        return (self.current - self.start) / (self.target - self.start)

    @strawberry.field
    def conflicts_with(self) -> list[StrategyNode]:
        e = self._engine
        return [node_type(e, j) for j in e.links.conflicts_with.get(self._i, [])]


@strawberry.type
class Behaviour(StrategyNode):
    @strawberry.field
    def expresses(self) -> list[Value]:
        e = self._engine
        found = (e.values.get(v) for v in e.graph.expresses.get(self._i, []))
        return [
            Value(id=v.id, name=v.name, description=v.description) for v in found if v is not None
        ]


@strawberry.type
class Initiative(StrategyNode):
    effort: float | None
    work: float = strawberry.field(description="effort, 1 where not given: what the score counts.")

    @strawberry.field
    def depends_on(self) -> list[StrategyNode]:
        e = self._engine
        return [node_type(e, j) for j in e.links.depends_on.get(self._i, [])]


_BY_KIND = {
    "Vision": Vision,
    "Goal": Goal,
    "Objective": Objective,
    "KeyResult": KeyResult,
    "Behaviour": Behaviour,
    "Initiative": Initiative,
}


def node_type(e: Engine, i: int) -> StrategyNode:
    g = e.graph
    row = g.rows[i]
    kind = kind_of(e, i)
    common = dict(
        id=row.id,
        kind=NodeKind(kind.value),
        title=row.title,
        status=Status(row.status),
        level=LEVEL[kind],
        period=row.period,
        description=row.description,
        source=row.source,
        traced=bool(e.traced[i]),
        _engine=e,
        _i=i,
    )
    cls = _BY_KIND[kind.value]
    if cls is Objective:
        scope = g.scope[i]
        return Objective(
            **common,
            scope=Scope(scope) if scope else None,  # type: ignore[call-arg]
            middle_management=is_middle_management_scope(scope),
        )
    if cls is KeyResult:
        return KeyResult(
            **common,
            start=row.start,
            target=row.target,
            current=row.current,  # type: ignore[call-arg]
            measure_unit=row.measure_unit,
        )
    if cls is Initiative:
        return Initiative(**common, effort=row.effort, work=float(g.work[i]))  # type: ignore[call-arg]
    return cls(**common)  # type: ignore[call-arg]


def unit_type(e: Engine, unit_id: str) -> Unit | None:
    u = e.units.get(unit_id)
    if u is None and unit_id not in e.graph.unit_ids:
        return None
    return Unit(id=unit_id, name=u.name if u else unit_id, _engine=e)  # type: ignore[call-arg]


def person_type(e: Engine, person_id: str) -> Person:
    p = e.people.get(person_id)
    # an owner named on a node but absent from the people list is still a person to show
    return Person(
        id=person_id, name=p.name if p else person_id, email=p.email if p else None, _engine=e
    )  # type: ignore[call-arg]


NODE_TYPES = list(_BY_KIND.values())
