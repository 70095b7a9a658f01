"""Query cost: what a query may ask for is bounded before it runs, not only its shape.

Every field costs 1. A list of objects multiplies what it holds by how long it may be: the
`first` it is given (or its connection's), the page default for a connection asked without
`first`, and the page cap for a list that is not paginated (or, for the few lists the engine
keeps short, their known length). Nesting multiplies. A list of plain values (ids, names) is
one field: the model bounds its length (1,000 ids) and the response size limit bounds the rest.
A query over the limit is refused with its cost, before any resolver runs; depth, alias and
token limits stay as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.type.definition import GraphQLOutputType
from strawberry.extensions import SchemaExtension

__all__ = ["LINE_OF_SIGHT_SLICE", "PATHS_PAGE", "CostLimiter", "query_cost"]

# lineOfSight(unitId) answers this many initiatives when not asked for `first`: a line of sight
# is a large answer (paths, breaks, chains), so its default slice is small
LINE_OF_SIGHT_SLICE = 4
# and a line of sight's `paths` page holds this many paths by default (the shortest)
PATHS_PAGE = 10

# The length a list is assumed to have when neither `first` nor a page says: the page cap.
# Lists whose length the engine or the model keeps short are named here with that length.
# (An estimate can be beaten by odd data; the response size limit is the hard bound.)
KNOWN_LENGTHS = {
    ("Gap", "suggestedParents"): 3,  # the engine names at most three
    ("OwnershipOverlap", "nodes"): 2,  # one co-owned node, or a pair of duplicate titles
    ("OwnershipOverlap", "units"): 8,
    ("LineOfSightPath", "steps"): 32,  # a path climbs the levels: longer ones are rare
    ("LineOfSightBreak", "chain"): 32,
    ("LineOfSight", "breaks"): 16,  # the gaps on one node's chains
    ("Gap", "members"): 16,  # a break point, or the few nodes of a cycle
    ("Gap", "inactiveParents"): 16,
    ("Gap", "above"): 20,  # its default: the chain a focused map draws
    ("UnitFocus", "goals"): 32,  # the strategic goals one unit's work reaches
    ("AlignmentRecord", "byGoal"): 32,  # the strategic goals, as recorded
    ("AlignmentRecord", "byUnit"): 32,
    ("Query", "lineOfSight"): LINE_OF_SIGHT_SLICE,
}
# connections whose page, asked without `first`, is smaller than the server's page default
CONNECTION_PAGES = {("LineOfSight", "paths"): PATHS_PAGE}
# lists of one item when this argument is given (lineOfSight(nodeId) is that node's alone)
SINGLE_WITH = {("Query", "lineOfSight"): "nodeId"}
# a node's parents, whichever of the node types the selection names
KNOWN_LENGTHS.update(
    {
        (t, "parents"): 16
        for t in ("StrategyNode", "Vision", "Goal", "Objective", "KeyResult", "Behaviour")
    }
    | {("Initiative", "parents"): 16}
)


def _unwrap(t: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    is_list = False
    while isinstance(t, GraphQLNonNull | GraphQLList):
        if isinstance(t, GraphQLList):
            is_list = True
        t = t.of_type
    return t, is_list


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, Any],
        variables: dict[str, Any],
        defaults: dict[str, Any],
        page_default: int,
        page_cap: int,
    ) -> None:
        self.schema, self.fragments = schema, fragments
        self.variables, self.defaults = variables, defaults
        self.page_default, self.page_cap = page_default, page_cap

    def _first(self, node: FieldNode) -> int | None:
        """The list's length the arguments set: `first`, or `last` (history's newest records)."""
        for arg in node.arguments or ():
            if arg.name.value not in ("first", "last"):
                continue
            value = arg.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            if isinstance(value, VariableNode):
                name = value.name.value
                given = self.variables.get(name, self.defaults.get(name))
                return max(int(given), 0) if isinstance(given, int) else None
        return None

    def _given(self, node: FieldNode, arg_name: str) -> bool:
        for arg in node.arguments or ():
            if arg.name.value == arg_name:
                value = arg.value
                if isinstance(value, VariableNode):
                    return self.variables.get(value.name.value) is not None
                return value.kind != "null_value"
        return False

    def _fields(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                yield sel, parent
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                on = self.schema.get_type(cond.name.value) if cond else parent
                yield from self._fields(sel.selection_set, on or parent, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: other rules say so
                    continue
                on = self.schema.get_type(fragment.type_condition.name.value)
                yield from self._fields(fragment.selection_set, on or parent, seen | {name})

    def cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        pending: int | None,
        seen: frozenset[str] = frozenset(),
    ) -> int:
        total = 0
        for node, on in self._fields(selection_set, parent, seen):
            name = node.name.value
            if name.startswith("__"):
                total += 1
                continue
            if isinstance(on, GraphQLUnionType):
                continue  # fields on a union are only selected through typed fragments
            if not isinstance(on, GraphQLObjectType | GraphQLInterfaceType):
                continue
            definition = on.fields.get(name)
            if definition is None:
                continue  # an unknown field: validation reports it
            inner, is_list = _unwrap(definition.type)
            first = self._first(node)
            below = pending  # a connection's `first` sizes the list (edges) inside it
            if first is not None:
                below = first
            elif inner.name.endswith("Connection"):
                below = CONNECTION_PAGES.get((on.name, name), self.page_default)
            if is_list and node.selection_set is None:
                total += 1  # a list of plain values is one field
            elif is_list:
                known = KNOWN_LENGTHS.get((on.name, name))
                single = SINGLE_WITH.get((on.name, name))
                if single is not None and self._given(node, single):
                    known, pending = 1, None
                length = first if first is not None else pending
                if length is None:
                    length = known if known is not None else self.page_cap
                below = None
                total += length * (1 + self.cost(node.selection_set, inner, below, seen))
            else:
                total += 1 + self.cost(node.selection_set, inner, below, seen)
        return total


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, Any],
    variables: dict[str, Any],
    *,
    page_default: int,
    page_cap: int,
) -> int:
    """The cost of one operation of a validated document, with these variables."""
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]
    if root is None:
        return 0
    defaults = {
        d.variable.name.value: int(d.default_value.value)
        for d in operation.variable_definitions or ()
        if isinstance(d.default_value, IntValueNode)
    }
    costing = _Costing(schema, fragments, variables, defaults, page_default, page_cap)
    return costing.cost(operation.selection_set, root, None)


class CostLimiter(SchemaExtension):
    """Refuses an operation whose cost (see the module) is over `max_cost`, before it runs.

    It works after validation, on the parsed document and the request's variables, so the
    validation step stays a pure function of the document (and can be cached)."""

    def __init__(self, max_cost: int, page_default: int, page_cap: int) -> None:
        self.max_cost, self.page_default, self.page_cap = max_cost, page_default, page_cap

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.result is None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            operations = [
                d
                for d in document.definitions
                if isinstance(d, OperationDefinitionNode)
                and (ctx.operation_name is None or (d.name and d.name.value == ctx.operation_name))
            ]
            for operation in operations[:1]:
                cost = query_cost(
                    ctx.schema._schema,
                    operation,
                    fragments,
                    dict(ctx.variables or {}),
                    page_default=self.page_default,
                    page_cap=self.page_cap,
                )
                if cost > self.max_cost:
                    ctx.result = ExecutionResult(
                        data=None,
                        errors=[
                            GraphQLError(
                                f"query cost {cost:,} is over the limit of {self.max_cost:,} "
                                "(a list multiplies what it holds by `first`, else by the "
                                "page cap): ask for fewer items or fewer nested lists",
                                operation,
                            )
                        ],
                    )
        yield
