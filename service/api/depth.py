"""The query depth limit, made safe for documents that spread a fragment they never define.

strawberry's depth rule looks each spread fragment up unguarded and raises KeyError on an
undefined one (the same flaw as graphene's depth validator, graphene issue 1538), so such a
document was answered with the bare message "'name'" and a logged traceback. graphql-core's
standard rules already refuse the document ("Unknown fragment"); the depth rule only needs to
stand aside for it."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    ValidationContext,
    ValidationRule,
    Visitor,
    visit,
)
from strawberry.extensions import QueryDepthLimiter

__all__ = ["depth_rule"]


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _fragments_defined(document: DocumentNode) -> bool:
    spreads = _Spreads()
    visit(document, spreads)
    defined = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return spreads.names <= defined


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """The validation rule refusing operations nested deeper than `max_depth`."""
    (limit,) = QueryDepthLimiter(max_depth=max_depth).validation_rules

    class DepthLimit(limit):  # type: ignore[misc,valid-type]
        def __init__(self, context: ValidationContext) -> None:
            if _fragments_defined(context.document):
                super().__init__(context)  # measures every operation, reporting to the context
            else:
                ValidationRule.__init__(self, context)

    return DepthLimit
