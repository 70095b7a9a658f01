"""stratmap's domain model. Imports nothing else of the project."""

from graph_schema.causes import gap_cause
from graph_schema.kinds import (
    CASCADE_EXCEPTIONS,
    LEVEL,
    NodeKind,
    Rel,
    Scope,
    Status,
    is_valid_support,
    scope_for_unit_depth,
    valid_support_table,
)
from graph_schema.model import Node, Organisation, ParentRef, Person, Unit, Value

__all__ = [
    "CASCADE_EXCEPTIONS",
    "LEVEL",
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
    "is_valid_support",
    "scope_for_unit_depth",
    "valid_support_table",
]
