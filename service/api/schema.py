"""The GraphQL schema: queries answered from the engine, mutations through the use cases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, overload

import strawberry
from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql import OperationType as GraphQLOperationType
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.types import ExecutionContext, ExecutionResult, Info
from strawberry.types.graphql import OperationType

from service.api.context import Context
from service.api.cost import LINE_OF_SIGHT_SLICE, CostLimiter
from service.api.depth import depth_rule
from service.api.enums import GapReason, NodeKind, Status
from service.api.errors import ClientError, MaskUnexpected, log
from service.api.freshness import Freshness, min_version_of
from service.api.mutations import Mutation
from service.api.pagination import Connection
from service.api.types import (
    NODE_TYPES,
    AlignmentRecordType,
    AlignmentSummaryType,
    DeclaredConflictType,
    GapType,
    LineOfSightType,
    LoadBearingType,
    OwnershipOverlapType,
    RiskyDependencyType,
    StrategyNodeType,
    UnitFocusType,
    UnitType,
    UnsupportedSubtreeType,
    node_type,
    page,
)
from service.engine.engine import Engine
from service.errors import UnknownNode
from service.settings import ApiLimits

Ctx = Info[Context, None]


class _LoadBearingRows(Sequence[tuple[int, float]]):
    """A sequence view over the engine's load-bearing arrays, so a page converts only itself."""

    def __init__(self, engine: Engine) -> None:
        self.lb = engine.load_bearing

    def __len__(self) -> int:
        return len(self.lb)

    @overload
    def __getitem__(self, s: int) -> tuple[int, float]: ...
    @overload
    def __getitem__(self, s: slice) -> Sequence[tuple[int, float]]: ...
    def __getitem__(self, s: int | slice) -> tuple[int, float] | Sequence[tuple[int, float]]:
        if isinstance(s, int):
            return self.lb.items(s, s + 1)[0]
        return self.lb.items(s.start, s.stop)


def _in_units(e: Engine, unit_id: str | None) -> set[str] | None:
    if unit_id is None:
        return None
    if not e.has_unit(unit_id):
        raise ClientError(f"unitId: no unit '{unit_id}'")
    return e.units_below(unit_id)


@strawberry.type
class Query:
    @strawberry.field
    def node(self, info: Ctx, id: strawberry.ID) -> StrategyNodeType | None:
        e = info.context.engine()
        i = e.find_index(id)
        return node_type(e, i) if i is not None else None

    @strawberry.field(
        description="Nodes by kind, unit (and the units below it), status, period, or title text."
    )
    def nodes(
        self,
        info: Ctx,
        kind: NodeKind | None = None,
        unit_id: strawberry.ID | None = None,
        status: Status | None = None,
        period: str | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNodeType]:
        e = info.context.engine()
        units = _in_units(e, unit_id)
        found = e.find(kind=kind, units=units, status=status, period=period, search=search)
        return page(info, found, first, after, lambda i: node_type(e, i))

    @strawberry.field
    def unit(self, info: Ctx, id: strawberry.ID) -> UnitType | None:
        return UnitType.from_domain(info.context.engine(), id)

    @strawberry.field(
        description="Every path up to the vision (shortest first), or where it breaks. "
        "Give nodeId, or unitId for each active objective, key result, behaviour and "
        "initiative of that unit and those below."
    )
    def line_of_sight(
        self,
        info: Ctx,
        node_id: strawberry.ID | None = None,
        unit_id: strawberry.ID | None = None,
        skip: int = 0,
        first: int | None = None,
    ) -> list[LineOfSightType]:
        """For a unit the list grows with its work, so it comes in slices: `first` (at most the page
        cap; 4 by default, a line of sight being a large answer) nodes after skipping
        `skip`, in id order."""
        if (node_id is None) == (unit_id is None):
            raise ClientError("give exactly one of nodeId or unitId")
        e = info.context.engine()
        if node_id is not None:
            try:
                return [LineOfSightType.from_domain(e, e.line_of_sight(node_id))]
            except UnknownNode:
                raise ClientError(f"nodeId: no node '{node_id}'") from None
        _in_units(e, unit_id)
        assert unit_id is not None
        cap = info.context.limits.page_cap
        size = min(cap, LINE_OF_SIGHT_SLICE) if first is None else first
        if not 0 <= size <= cap or skip < 0:
            raise ClientError(f"first: between 0 and {cap}; skip: not negative")
        return [
            LineOfSightType.from_domain(e, e.line_of_sight_at(i))
            for i in e.unit_work(unit_id)[skip : skip + size]
        ]

    @strawberry.field(description="Nodes that support nothing at all (UNLINKED gaps).")
    def orphans(
        self,
        info: Ctx,
        kind: NodeKind | None = None,
        unit_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNodeType]:
        e = info.context.engine()
        found = e.keep(e.orphans, kind=kind, units=_in_units(e, unit_id))
        return page(info, found, first, after, lambda i: node_type(e, i))

    @strawberry.field(description="Every gap (break point), ranked by the work stranded behind it.")
    def alignment_gaps(
        self,
        info: Ctx,
        kind: NodeKind | None = None,
        unit_id: strawberry.ID | None = None,
        reason: GapReason | None = None,
        middle_management_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[GapType]:
        e = info.context.engine()
        where = set(e.keep([g.break_point for g in e.gaps], kind=kind, units=_in_units(e, unit_id)))
        found = [
            gap
            for gap in e.gaps
            if gap.break_point in where
            and (reason is None or gap.reason is reason)
            and (not middle_management_only or gap.middle_management)
        ]
        return page(info, found, first, after, lambda gap: GapType.from_domain(e, gap))

    @strawberry.field(
        description="Traced goals, objectives and key results that no active initiative executes."
    )
    def unsupported_strategy(
        self,
        info: Ctx,
        kind: NodeKind | None = None,
        unit_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNodeType]:
        e = info.context.engine()
        found = e.keep(e.unsupported, kind=kind, units=_in_units(e, unit_id))
        return page(info, found, first, after, lambda i: node_type(e, i))

    @strawberry.field(
        description="Unsupported strategy as its topmost nodes: each unsupported node none of "
        "whose parents is unsupported, with how many unsupported nodes hang below it; most first."
    )
    def unsupported_subtrees(
        self,
        info: Ctx,
        unit_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[UnsupportedSubtreeType]:
        e = info.context.engine()
        units = _in_units(e, unit_id)
        found = [t for t in e.unsupported_subtrees() if units is None or e.node(t[0]).unit in units]
        return page(
            info,
            found,
            first,
            after,
            lambda t: UnsupportedSubtreeType(top=node_type(e, t[0]), below=t[1]),
        )

    @strawberry.field(description="Nodes ranked by the traced work that hangs on them alone.")
    def load_bearing(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[LoadBearingType]:
        e = info.context.engine()
        info.context.read(e, "load_bearing")
        return page(
            info,
            _LoadBearingRows(e),
            first,
            after,
            lambda t: LoadBearingType(node=node_type(e, t[0]), work=t[1]),
        )

    @strawberry.field
    def ownership_overlaps(
        self,
        info: Ctx,
        unit_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OwnershipOverlapType]:
        e = info.context.engine()
        info.context.read(e, "overlaps")
        units = _in_units(e, unit_id)
        found = [o for o in e.overlaps if units is None or units.intersection(o.units)]
        return page(info, found, first, after, lambda o: OwnershipOverlapType.from_domain(e, o))

    @strawberry.field(
        description="Units by focus, least focused first; minGoals=2 lists those pulled apart."
    )
    def unit_focus(
        self,
        info: Ctx,
        min_goals: int = 0,
        unit_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[UnitFocusType]:
        e = info.context.engine()
        info.context.read(e, "unit_focus")
        units = _in_units(e, unit_id)
        found = [
            f
            for f in e.unit_focus
            if len(f.goals) >= min_goals and (units is None or f.unit in units)
        ]
        return page(info, found, first, after, lambda f: UnitFocusType.from_domain(e, f))

    @strawberry.field(description="Active nodes without an owner.")
    def unowned(
        self,
        info: Ctx,
        kind: NodeKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StrategyNodeType]:
        e = info.context.engine()
        found = e.keep(e.unowned, kind=kind)
        return page(info, found, first, after, lambda i: node_type(e, i))

    @strawberry.field(
        description="Declared tensions between traced key results of different units."
    )
    def declared_conflicts(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[DeclaredConflictType]:
        e = info.context.engine()
        return page(
            info,
            e.conflicts,
            first,
            after,
            lambda p: DeclaredConflictType(a=node_type(e, p[0]), b=node_type(e, p[1])),
        )

    @strawberry.field(description="Traced work that depends on work with no line of sight.")
    def risky_dependencies(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[RiskyDependencyType]:
        e = info.context.engine()
        return page(
            info,
            e.risky_dependencies,
            first,
            after,
            lambda p: RiskyDependencyType(node=node_type(e, p[0]), depends_on=node_type(e, p[1])),
        )

    @strawberry.field
    def alignment(
        self, info: Ctx, unit_id: strawberry.ID | None = None, period: str | None = None
    ) -> AlignmentSummaryType:
        e = info.context.engine(period)
        _in_units(e, unit_id)
        return AlignmentSummaryType.from_domain(e, unit_id)

    @strawberry.field(
        description="The alignment as recorded over time (recordHistory), oldest first."
    )
    def history(
        self, info: Ctx, last: int | None = None, unit_id: strawberry.ID | None = None
    ) -> list[AlignmentRecordType]:
        """With unitId, each record's score is that unit's as recorded (null in records kept
        before units were), and its counts are the organisation's."""
        if last is not None and not 0 < last <= info.context.limits.page_cap:
            raise ClientError(f"last: between 1 and {info.context.limits.page_cap}")
        ctx = info.context
        if unit_id is not None:
            _in_units(ctx.engine(), unit_id)
        rows = ctx.store.history(ctx.tenant, last)
        return [AlignmentRecordType.from_domain(r, unit_id) for r in rows]


def _is_mutation(query: str | None, operation_name: str | None) -> bool:
    # a mutation needs the keyword: most requests are queries and cost no more than this scan
    if not query or "mutation" not in query:
        return False
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return False  # strawberry reports the syntax error itself
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    return bool(chosen) and chosen[0].operation is GraphQLOperationType.MUTATION


class OffLoopSchema(strawberry.Schema):
    """Runs every mutation in a worker thread. Writes and imports block (the store, its locks,
    parsing a file): on the event loop, a 4.7 MB CSV import froze /healthz and every other
    tenant for 22 s. Queries stay on the loop: answered from the engine, their cost bounded
    (service.api.cost), they take microseconds to milliseconds, and a thread hop each measured
    slower under load (lineOfSight p50 3 ms -> 5 ms at 100k nodes). The engine rebuilds a
    query may wait for run in a worker thread, before the query starts."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if not _is_mutation(query, operation_name):
            if isinstance(context_value, Context):
                try:
                    context_value.min_version = min_version_of(operation_extensions)
                except ClientError as exc:
                    return ExecutionResult(data=None, errors=[GraphQLError(str(exc))])
                if not context_value.engine_ready():
                    # a build, a store probe or a wait for minVersion: off the loop, so health
                    # checks and other tenants go on being answered meanwhile
                    await run_in_threadpool(context_value.engine)
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        return await run_in_threadpool(
            self.execute_sync,
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """A client's mistake is one log line (strawberry logged a traceback with each); an
        unexpected error is logged once, with its traceback, by MaskUnexpected."""
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, ClientError):
                where = f" at {'.'.join(map(str, error.path))}" if error.path else ""
                log.info("client error%s: %s", where, error.message[:300])


def build_schema(limits: ApiLimits | None = None) -> strawberry.Schema:
    limits = limits or ApiLimits()
    # Each limiter makes its validation rule class once, here: graphql-core caches a visitor's
    # methods per class, and strawberry's validation cache keys on the rules; a class made per
    # request defeated both (validation was two thirds of a small query's time).
    rules = [
        depth_rule(limits.max_depth),
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    return OffLoopSchema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        extensions=[
            # factories: extensions keep per-request state, so each request gets fresh ones
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            # parsed documents and their validation are cached by query text: clients send the
            # same few documents with different variables
            lambda: ParserCache(maxsize=256),
            lambda: AddValidationRules(rules),
            lambda: ValidationCache(maxsize=256),
            lambda: CostLimiter(limits.max_cost, limits.page_default, limits.page_cap),
            Freshness,
            MaskUnexpected,
        ],
    )
