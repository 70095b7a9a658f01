"""The GraphQL schema: queries answered from the engine, mutations through the use cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from service.api.context import Context
from service.api.enums import GapReason, NodeKind, Status
from service.api.errors import ClientError, MaskUnexpected
from service.api.findings import (
    AlignmentRecord,
    AlignmentSummary,
    DeclaredConflict,
    Gap,
    LineOfSight,
    LoadBearing,
    OwnershipOverlap,
    RiskyDependency,
    UnitFocusType,
    alignment_summary,
)
from service.api.limits import ApiLimits
from service.api.mutations import Mutation
from service.api.pagination import Connection, paginate
from service.api.types import NODE_TYPES, StrategyNode, Unit, node_type, unit_type
from service.engine.engine import Engine, UnknownNode


class _Slice(Sequence):  # type: ignore[type-arg]
    """A sequence view over the engine's load-bearing arrays, so a page converts only itself."""

    def __init__(self, engine: Engine) -> None:
        self.lb = engine.load_bearing

    def __len__(self) -> int:
        return len(self.lb)

    def __getitem__(self, s):  # type: ignore[no-untyped-def]
        return self.lb.items(s.start, s.stop)


def _ctx(info: Info) -> Context:
    return info.context


def _page(info: Info, items: Sequence[Any], first: int | None, after: str | None, build):  # type: ignore[no-untyped-def]
    limits = _ctx(info).limits
    return paginate(
        items, first, after, default=limits.page_default, cap=limits.page_cap, build=build
    )


def _kind_code(kind: NodeKind | None) -> int | None:
    from service.engine.graph import KIND_CODE

    return None if kind is None else KIND_CODE[kind.value]


def _in_units(e: Engine, unit_id: str | None) -> set[str] | None:
    if unit_id is None:
        return None
    if unit_id not in e.graph.unit_ids:
        raise ClientError(f"unitId: no unit '{unit_id}'")
    return e.units_below(unit_id)


@strawberry.type
class Query:
    @strawberry.field
    def node(self, info: Info, id: strawberry.ID) -> StrategyNode | None:
        e = _ctx(info).engine()
        i = e.graph.index.get(id)
        return node_type(e, i) if i is not None else None

    @strawberry.field(
        description="Nodes by kind, unit (and the units below it), status, period, or title text."
    )
    def nodes(
        self,
        info: Info,
        kind: NodeKind | None = None,
        unit_id: strawberry.ID | None = None,
        status: Status | None = None,
        period: str | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNode]:
        e = _ctx(info).engine()
        g = e.graph
        code, units = _kind_code(kind), _in_units(e, unit_id)
        needle = search.lower() if search else None
        found = [
            i
            for i in range(g.n)
            if (code is None or g.kind[i] == code)
            and (units is None or g.unit[i] in units)
            and (status is None or g.rows[i].status == status.value)
            and (period is None or g.rows[i].period == period)
            and (needle is None or needle in g.titles[i].lower())
        ]
        return _page(info, found, first, after, lambda i: node_type(e, i))

    @strawberry.field
    def unit(self, info: Info, id: strawberry.ID) -> Unit | None:
        return unit_type(_ctx(info).engine(), id)

    @strawberry.field(
        description="Every path up to the vision (shortest first), or where it breaks. "
        "Give nodeId, or unitId for each active initiative of that unit and those below."
    )
    def line_of_sight(
        self,
        info: Info,
        node_id: strawberry.ID | None = None,
        unit_id: strawberry.ID | None = None,
        skip: int = 0,
        first: int | None = None,
    ) -> list[LineOfSight]:
        """For a unit the list grows with its work, so it comes in slices: `first` (at most the page
        cap, which is also the default) initiatives after skipping `skip`, in id order."""
        if (node_id is None) == (unit_id is None):
            raise ClientError("give exactly one of nodeId or unitId")
        e = _ctx(info).engine()
        if node_id is not None:
            try:
                return [LineOfSight.from_domain(e, e.line_of_sight(node_id))]
            except UnknownNode:
                raise ClientError(f"nodeId: no node '{node_id}'") from None
        _in_units(e, unit_id)
        assert unit_id is not None
        cap = _ctx(info).limits.page_cap
        size = cap if first is None else first
        if not 0 <= size <= cap or skip < 0:
            raise ClientError(f"first: between 0 and {cap}; skip: not negative")
        return [
            LineOfSight.from_domain(e, e.line_of_sight_at(i))
            for i in e.unit_initiatives(unit_id)[skip : skip + size]
        ]

    @strawberry.field(description="Nodes that support nothing at all (UNLINKED gaps).")
    def orphans(
        self,
        info: Info,
        kind: NodeKind | None = None,
        unit_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNode]:
        e = _ctx(info).engine()
        code, units = _kind_code(kind), _in_units(e, unit_id)
        found = [
            i
            for i in e.orphans
            if (code is None or e.graph.kind[i] == code)
            and (units is None or e.graph.unit[i] in units)
        ]
        return _page(info, found, first, after, lambda i: node_type(e, i))

    @strawberry.field(description="Every gap (break point), ranked by the work stranded behind it.")
    def alignment_gaps(
        self,
        info: Info,
        kind: NodeKind | None = None,
        unit_id: strawberry.ID | None = None,
        reason: GapReason | None = None,
        middle_management_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Gap]:
        e = _ctx(info).engine()
        code, units = _kind_code(kind), _in_units(e, unit_id)
        found = [
            gap
            for gap in e.gaps
            if (code is None or e.graph.kind[gap.break_point] == code)
            and (units is None or e.graph.unit[gap.break_point] in units)
            and (reason is None or gap.reason.value == reason.value)
            and (not middle_management_only or gap.middle_management)
        ]
        return _page(info, found, first, after, lambda gap: Gap.from_domain(e, gap))

    @strawberry.field(
        description="Traced goals, objectives and key results that no active initiative executes."
    )
    def unsupported_strategy(
        self,
        info: Info,
        kind: NodeKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNode]:
        e = _ctx(info).engine()
        code = _kind_code(kind)
        found = [i for i in e.unsupported if code is None or e.graph.kind[i] == code]
        return _page(info, found, first, after, lambda i: node_type(e, i))

    @strawberry.field(description="Nodes ranked by the traced work that hangs on them alone.")
    def load_bearing(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[LoadBearing]:
        e = _ctx(info).engine()
        return _page(
            info, _Slice(e), first, after, lambda t: LoadBearing(node=node_type(e, t[0]), work=t[1])
        )

    @strawberry.field
    def ownership_overlaps(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[OwnershipOverlap]:
        e = _ctx(info).engine()
        return _page(info, e.overlaps, first, after, lambda o: OwnershipOverlap.from_domain(e, o))

    @strawberry.field(
        description="Units by focus, least focused first; minGoals=2 lists those pulled apart."
    )
    def unit_focus(
        self, info: Info, min_goals: int = 0, first: int | None = None, after: str | None = None
    ) -> Connection[UnitFocusType]:
        e = _ctx(info).engine()
        found = [f for f in e.unit_focus if len(f.goals) >= min_goals]
        return _page(info, found, first, after, lambda f: UnitFocusType.from_domain(e, f))

    @strawberry.field(description="Active nodes without an owner.")
    def unowned(
        self,
        info: Info,
        kind: NodeKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNode]:
        e = _ctx(info).engine()
        code = _kind_code(kind)
        found = e.unowned if code is None else e.unowned[e.graph.kind[e.unowned] == code]
        return _page(info, found.tolist(), first, after, lambda i: node_type(e, i))

    @strawberry.field(
        description="Declared tensions between traced key results of different units."
    )
    def declared_conflicts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DeclaredConflict]:
        e = _ctx(info).engine()
        return _page(
            info,
            e.conflicts,
            first,
            after,
            lambda p: DeclaredConflict(a=node_type(e, p[0]), b=node_type(e, p[1])),
        )

    @strawberry.field(description="Traced work that depends on work with no line of sight.")
    def risky_dependencies(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[RiskyDependency]:
        e = _ctx(info).engine()
        return _page(
            info,
            e.risky_dependencies,
            first,
            after,
            lambda p: RiskyDependency(node=node_type(e, p[0]), depends_on=node_type(e, p[1])),
        )

    @strawberry.field
    def alignment(
        self, info: Info, unit_id: strawberry.ID | None = None, period: str | None = None
    ) -> AlignmentSummary:
        e = _ctx(info).engine(period)
        _in_units(e, unit_id)
        return alignment_summary(e, unit_id)

    @strawberry.field(
        description="The alignment as recorded over time (recordHistory), oldest first."
    )
    def history(self, info: Info, last: int | None = None) -> list[AlignmentRecord]:
        if last is not None and not 0 < last <= _ctx(info).limits.page_cap:
            raise ClientError(f"last: between 1 and {_ctx(info).limits.page_cap}")
        ctx = _ctx(info)
        return [AlignmentRecord.from_row(r) for r in ctx.store.history(ctx.tenant, last)]


def build_schema(limits: ApiLimits | None = None) -> strawberry.Schema:
    limits = limits or ApiLimits()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        extensions=[
            # factories: extensions keep per-request state, so each request gets fresh ones
            lambda: QueryDepthLimiter(max_depth=limits.max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            MaskUnexpected,
        ],
    )
