"""A node's ancestry, as a line of sight reads it: the nodes, closed upward along SUPPORTS
links, their links and the unit tree. Stores read it (service.store.sqlite_ancestry,
GraphStore.read_ancestry); the engine answers from it (service.engine.closure). Plain tuples
and a protocol, so that the one command that reads nothing else loads no model library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

__all__ = ["AncestryNode", "AncestryRows"]


class AncestryNode(Protocol):
    """A node's row as an ancestry reads it (graph_schema.rows.NodeRow has these and more)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def period(self) -> str | None: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def scope(self) -> str | None: ...
    @property
    def effort(self) -> float | None: ...


class AncestryRows(NamedTuple):
    """Nodes closed upward: every parent a SUPPORTS link of theirs names is among them, or is
    no node at all (GraphStore.read_ancestry)."""

    nodes: Sequence[AncestryNode]
    supports: Sequence[tuple[str, str, float]]  # their SUPPORTS links: (child, parent, weight)
    unit_parent: dict[str, str | None]  # the whole unit tree
