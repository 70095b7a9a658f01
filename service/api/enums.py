"""The GraphQL enums: the domain's and the engine's own enums, exposed as they are.

`strawberry.enum` registers an existing Enum class for the schema (it returns the same class),
so a kind, status or reason is one type from the model to the wire: no mirror enums to convert.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_schema import NodeKind, Scope, Status
from service.engine.results import GapReason, OverlapType

__all__ = ["GapReason", "ImportFormat", "NodeKind", "OverlapType", "Scope", "Status"]

strawberry.enum(NodeKind, name="NodeKind")
strawberry.enum(Status, name="Status")
strawberry.enum(Scope, name="Scope")
strawberry.enum(GapReason, name="GapReason")
strawberry.enum(OverlapType, name="OverlapType")


@strawberry.enum
class ImportFormat(Enum):
    """The formats importDocument reads (an API-only choice: files are recognised by name)."""

    YAML = "yaml"
    JSON = "json"
    CSV = "csv"
