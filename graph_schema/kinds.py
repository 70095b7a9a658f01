"""Node kinds, levels, statuses and the allowed-link rules (DESIGN section 1)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class NodeKind(StrEnum):
    VISION = "Vision"
    GOAL = "Goal"
    OBJECTIVE = "Objective"
    KEY_RESULT = "KeyResult"
    BEHAVIOUR = "Behaviour"
    INITIATIVE = "Initiative"


LEVEL: dict[NodeKind, int] = {
    NodeKind.VISION: 0,
    NodeKind.GOAL: 1,
    NodeKind.OBJECTIVE: 2,
    NodeKind.KEY_RESULT: 3,
    NodeKind.BEHAVIOUR: 3,
    NodeKind.INITIATIVE: 4,
}

# Links allowed although they do not climb the level numbers: objectives nest (company ->
# department -> team), so do metric trees and work (epic -> project); and a leader's key result
# becomes the next level's objective, the commonest real cascade (GitLab's sales organisation,
# Ally.io and Viva Goals all do it).
CASCADE_EXCEPTIONS: frozenset[tuple[NodeKind, NodeKind]] = frozenset(
    {
        (NodeKind.OBJECTIVE, NodeKind.OBJECTIVE),
        (NodeKind.KEY_RESULT, NodeKind.KEY_RESULT),
        (NodeKind.INITIATIVE, NodeKind.INITIATIVE),
        (NodeKind.OBJECTIVE, NodeKind.KEY_RESULT),
    }
)


class Status(StrEnum):
    ACTIVE = "active"
    DONE = "done"
    ARCHIVED = "archived"


class Scope(StrEnum):
    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"


class Rel(StrEnum):
    """Relationship types, named as they are in Neo4j."""

    SUPPORTS = "SUPPORTS"
    OWNS = "OWNS"
    COMMITS_TO = "COMMITS_TO"
    EXPRESSES = "EXPRESSES"
    CONFLICTS_WITH = "CONFLICTS_WITH"
    DEPENDS_ON = "DEPENDS_ON"
    PART_OF = "PART_OF"
    MEMBER_OF = "MEMBER_OF"
    LEADS = "LEADS"
    REPORTS_TO = "REPORTS_TO"


def is_valid_support(child: NodeKind, parent: NodeKind) -> bool:
    """A SUPPORTS edge child -> parent is valid when the child's level is deeper than the
    parent's, or the pair is one of the cascade exceptions; every other pair is an inversion.

    Skipping levels is allowed: tools such as Asana and Linear link work straight to goals.
    """
    return LEVEL[child] > LEVEL[parent] or (child, parent) in CASCADE_EXCEPTIONS


def valid_support_table() -> tuple[tuple[bool, ...], ...]:
    """`table[c][p]` = is_valid_support for the kinds in declaration order: the one rule, as the
    matrix the engine indexes with its kind codes."""
    kinds = tuple(NodeKind)
    return tuple(tuple(is_valid_support(c, p) for p in kinds) for c in kinds)


def scope_for_unit_depth(depth: int) -> Scope:
    """An objective without a declared scope takes the level of its unit in the unit tree."""
    if depth <= 0:
        return Scope.COMPANY
    if depth == 1:
        return Scope.DEPARTMENT
    return Scope.TEAM


class Dated(Protocol):
    """What decides whether a node is active in a period (a node's row, or its model)."""

    @property
    def status(self) -> str: ...

    @property
    def period(self) -> str | None: ...


def is_active(node: Dated, period: str | None) -> bool:
    """Active, and inside the period (a node without one is in every period)."""
    return node.status == _ACTIVE and (
        period is None or node.period is None or node.period == period
    )


_ACTIVE = Status.ACTIVE.value
