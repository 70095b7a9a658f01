"""stratmap's domain model. Imports nothing else of the project.

The models (graph_schema.model) are loaded on first use: they need pydantic, about 80 ms a
process, and `stratmap line-of-sight NODE` reads kinds and causes only (service.cli.sight).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph_schema.ancestry import AncestryNode, AncestryRows
from graph_schema.causes import gap_cause
from graph_schema.kinds import (
    CASCADE_EXCEPTIONS,
    LEVEL,
    NodeKind,
    Rel,
    Scope,
    Status,
    is_active,
    is_valid_support,
    scope_for_unit_depth,
    valid_support_table,
)

if TYPE_CHECKING:
    from graph_schema.model import Node, Organisation, ParentRef, Person, Unit, Value

__all__ = [
    "CASCADE_EXCEPTIONS",
    "LEVEL",
    "AncestryNode",
    "AncestryRows",
    "Node",
    "NodeKind",
    "Organisation",
    "ParentRef",
    "Person",
    "Rel",
    "Scope",
    "Status",
    "Unit",
    "Value",
    "gap_cause",
    "is_active",
    "is_valid_support",
    "scope_for_unit_depth",
    "valid_support_table",
]

_MODELS = frozenset({"Node", "Organisation", "ParentRef", "Person", "Unit", "Value"})


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        from graph_schema import model

        return getattr(model, name)
    raise AttributeError(f"module 'graph_schema' has no attribute '{name}'")
