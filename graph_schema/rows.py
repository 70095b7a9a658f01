"""The snapshot a store reads for the engine: flat tuples, one per node and per link.

They are tuples rather than domain models: the engine turns a million rows into arrays, and
building a million validated models first would cost more than the analysis. Every backend
returns them (service.store) and the engine reads them (service.engine); neither owns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from graph_schema.model import Person, Unit, Value

__all__ = ["CO_OWNS", "GraphRows", "LinkRow", "NodeRow"]

# The rel of a link row for co-ownership (node -> person): stored beside a node's other links,
# though the domain holds it as a field (Node.co_owners), not as a relationship of its own.
CO_OWNS = "CO_OWNS"


class NodeRow(NamedTuple):
    id: str
    kind: str
    title: str
    status: str
    period: str | None
    description: str | None
    effort: float | None
    owner: str | None
    unit: str | None
    scope: str | None
    start: float | None
    target: float | None
    current: float | None
    measure_unit: str | None
    source: str | None


class LinkRow(NamedTuple):
    """An outgoing link of node `src`; for SUPPORTS, `dst` is the parent (which may not exist)."""

    src: str
    rel: str
    dst: str
    weight: float
    ord: int


@dataclass(frozen=True)
class GraphRows:
    version: int
    nodes: list[NodeRow]
    links: list[LinkRow]
    units: list[Unit]
    people: list[Person]
    values: list[Value]
    # per node, in the order of `nodes`: the stored title fingerprint (graph_schema.titles),
    # or None where the store holds none (a node written before stores kept them)
    fingerprints: list[bytes | None]
