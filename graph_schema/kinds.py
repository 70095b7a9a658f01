"""Node kinds, levels, statuses and the allowed-link rules (DESIGN section 1)."""
from __future__ import annotations

from enum import Enum


class NodeKind(str, Enum):
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

# Objectives nest (company -> department -> team) and so does work (epic -> project).
SAME_LEVEL_NESTING: frozenset[NodeKind] = frozenset({NodeKind.OBJECTIVE, NodeKind.INITIATIVE})

# Kinds whose analyses speak of "strategy" (unsupported strategy, per-goal shares).
STRATEGY_KINDS: frozenset[NodeKind] = frozenset({NodeKind.GOAL, NodeKind.OBJECTIVE, NodeKind.KEY_RESULT})


class Status(str, Enum):
    ACTIVE = "active"
    DONE = "done"
    ARCHIVED = "archived"


class Scope(str, Enum):
    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"


class Rel(str, Enum):
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
    """A SUPPORTS edge is valid when it climbs the levels, or nests objectives or initiatives.

    Skipping levels is allowed: tools such as Asana and Linear link work straight to goals.
    """
    if child == parent:
        return child in SAME_LEVEL_NESTING
    return LEVEL[child] > LEVEL[parent]


def scope_for_unit_depth(depth: int) -> Scope:
    """An objective without a declared scope takes the level of its unit in the unit tree."""
    if depth <= 0:
        return Scope.COMPANY
    if depth == 1:
        return Scope.DEPARTMENT
    return Scope.TEAM
