"""The line of sight of one node, or of a unit's work, from those nodes and what is above them
only (service.engine.closure): its cost follows the answer, not the organisation. What
`stratmap line-of-sight` answers with, from any store (`StoreReads`), or from a SQLite file
read with nothing but sqlite3 (service.store.sqlite_ancestry), so that the command answers
before a whole engine's libraries could even have loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from graph_schema import AncestryRows, Rel
from service.engine.closure import Ancestry
from service.engine.units import below as units_below
from service.errors import UnknownNode, UseCaseError

if TYPE_CHECKING:
    from service.store.base import GraphStore

__all__ = ["AncestryReads", "StoreReads", "ancestry_line_of_sight"]


class AncestryReads(Protocol):
    def ancestry(self, tenant: str, ids: Sequence[str]) -> AncestryRows: ...
    def node_ids_in_units(self, tenant: str, units: Sequence[str]) -> list[str]: ...
    def node_ids(self, tenant: str) -> list[str]: ...


class StoreReads:
    """A store's reads (GraphStore.read_ancestry), as an ancestry takes them."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def ancestry(self, tenant: str, ids: Sequence[str]) -> AncestryRows:
        rows = self._store.read_ancestry(tenant, ids)
        supports = Rel.SUPPORTS.value
        return AncestryRows(
            rows.nodes,
            [(link.src, link.dst, link.weight) for link in rows.links if link.rel == supports],
            {u.id: u.parent for u in rows.units},
        )

    def node_ids_in_units(self, tenant: str, units: Sequence[str]) -> list[str]:
        return self._store.node_ids_in_units(tenant, units)

    def node_ids(self, tenant: str) -> list[str]:
        return self._store.node_ids(tenant)


def ancestry_line_of_sight(
    reads: AncestryReads,
    tenant: str,
    period: str | None,
    *,
    node_id: str | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]] | None:
    """The line of sight of `node_id`, or of each of the unit's work (Engine.unit_work), as
    findings_json.line_of_sight_json gives the whole engine's. None when only the whole
    organisation's engine can answer: a period that no node of the answer names may be a
    typo, which only every node can tell. UnknownNode, or UseCaseError on `unit`, for an id
    that names nothing."""
    if unit is None:
        seed = node_id or ""
        rows = reads.ancestry(tenant, [seed])
        if not any(r.id == seed for r in rows.nodes):
            raise UnknownNode(f"no node '{seed}'")
        targets = [seed]
    else:
        tree = reads.ancestry(tenant, []).unit_parent  # no node: the unit tree only
        inside = units_below(tree, unit)
        owned = reads.node_ids_in_units(tenant, sorted(inside))
        # as Engine.has_unit: a unit of the tree, or one a node names (a unit named only as
        # another's parent is neither, though units hang below it)
        if unit not in tree and not reads.node_ids_in_units(tenant, [unit]):
            raise UseCaseError("unit", f"no unit '{unit}'")
        rows = reads.ancestry(tenant, owned)
    if period is not None and all(r.period != period for r in rows.nodes):
        return None
    ancestry = Ancestry(rows, period, lambda: reads.node_ids(tenant))
    if unit is not None:
        targets = ancestry.unit_work(inside)
    return [ancestry.line_of_sight_json(t) for t in targets]
