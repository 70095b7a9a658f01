"""GraphQL enums, mapped from the domain's."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_schema import NodeKind as DomainKind
from graph_schema import Status as DomainStatus
from service.engine.results import GapReason as DomainReason


@strawberry.enum
class NodeKind(Enum):
    VISION = "Vision"
    GOAL = "Goal"
    OBJECTIVE = "Objective"
    KEY_RESULT = "KeyResult"
    BEHAVIOUR = "Behaviour"
    INITIATIVE = "Initiative"

    def domain(self) -> DomainKind:
        return DomainKind(self.value)


@strawberry.enum
class Status(Enum):
    ACTIVE = "active"
    DONE = "done"
    ARCHIVED = "archived"

    def domain(self) -> DomainStatus:
        return DomainStatus(self.value)


@strawberry.enum
class GapReason(Enum):
    UNLINKED = "UNLINKED"
    DANGLING_PARENT = "DANGLING_PARENT"
    INACTIVE_PARENT = "INACTIVE_PARENT"
    LEVEL_INVERSION = "LEVEL_INVERSION"
    CYCLE = "CYCLE"

    @classmethod
    def from_domain(cls, reason: DomainReason) -> "GapReason":
        return cls(reason.value)


@strawberry.enum
class OverlapType(Enum):
    CO_OWNERS = "CO_OWNERS"
    DUPLICATE_TITLE = "DUPLICATE_TITLE"


@strawberry.enum
class ImportFormat(Enum):
    YAML = "yaml"
    JSON = "json"
    CSV = "csv"


@strawberry.enum
class Scope(Enum):
    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"
