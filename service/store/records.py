"""Conversions between domain nodes and the flat rows every backend stores."""
from __future__ import annotations

from graph_schema import Node, ParentRef, Rel
from service.store.base import LinkRow, NodeRow

CO_OWNS = "CO_OWNS"  # node -> person; stored beside the other links of a node

_LIST_LINKS: tuple[tuple[str, str], ...] = (
    (Rel.DEPENDS_ON.value, "depends_on"),
    (Rel.CONFLICTS_WITH.value, "conflicts_with"),
    (Rel.EXPRESSES.value, "expresses"),
    (CO_OWNS, "co_owners"),
)


def node_to_rows(node: Node) -> tuple[NodeRow, list[LinkRow]]:
    row = NodeRow(
        node.id, node.kind.value, node.title, node.status.value, node.period, node.description,
        node.effort, node.owner, node.unit, node.scope.value if node.scope else None,
        node.start, node.target, node.current, node.measure_unit, node.source,
    )
    links = [LinkRow(node.id, Rel.SUPPORTS.value, p.id, p.weight, i) for i, p in enumerate(node.parents)]
    for rel, attr in _LIST_LINKS:
        links.extend(LinkRow(node.id, rel, dst, 1.0, i) for i, dst in enumerate(getattr(node, attr)))
    return row, links


def rows_to_node(row: NodeRow, links: list[LinkRow]) -> Node:
    by_rel: dict[str, list[LinkRow]] = {}
    for link in sorted(links, key=lambda l: (l.rel, l.ord)):
        by_rel.setdefault(link.rel, []).append(link)
    data = {k: v for k, v in row._asdict().items() if v is not None}
    data["parents"] = tuple(ParentRef(id=l.dst, weight=l.weight) for l in by_rel.get(Rel.SUPPORTS.value, []))
    for rel, attr in _LIST_LINKS:
        data[attr] = tuple(l.dst for l in by_rel.get(rel, []))
    return Node.model_validate(data)
