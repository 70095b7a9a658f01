"""The flat form of the graph: one tuple per node and per link, as every store writes and reads.

They are tuples rather than domain models: the engine turns a million rows into arrays, and
building a million validated models first would cost more than the analysis. Every backend
returns them (service.store) and the engine reads them (service.engine); neither owns them.

A node reaches this form from a `Node` (`node_to_rows`), or, on an import's hot path, straight
from its plain fields (`record_of`), which applies the model's every rule without building the
model: validating a `Node` cost more than a third of a 100k-row import, twice over.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from graph_schema.kinds import NodeKind, Rel, Scope, Status
from graph_schema.model import (
    KIND_SPECIFIC,
    MAX_IDS,
    Node,
    ParentRef,
    Person,
    Unit,
    Value,
    misplaced_field,
    repeated_id,
)

__all__ = [
    "CO_OWNS",
    "LIST_LINKS",
    "MAX_IDS",
    "NUMBER_BOUNDS",
    "TEXT_BOUNDS",
    "WEIGHT_BOUNDS",
    "GraphDelta",
    "GraphRows",
    "LinkRow",
    "NodeRecord",
    "NodeRow",
    "checked_record",
    "node_to_rows",
    "record_of",
    "rows_to_node",
]

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


@dataclass(frozen=True)
class GraphDelta:
    """What one write changed, as the store now holds it: enough for an engine to update itself
    instead of reading the whole tenant again (service.engine.patch).

    `links[k]` are the out-links of `nodes[k]`, in the order a store reads them back (by rel,
    then dst); `incoming` are the links of other nodes to the nodes this write created (a
    parent named before it existed). Node, unit, person and value removals are not described:
    a store gives no delta for a write that makes them, nor for one too large to be worth it.
    """

    base: int  # the version the write was applied to
    version: int  # the version it made
    nodes: list[NodeRow]
    links: list[list[LinkRow]]
    fingerprints: list[bytes]
    incoming: list[LinkRow]


NodeRecord = tuple[NodeRow, list[LinkRow]]
# a node's id lists other than its parents, in the order their links are written
LIST_LINKS: tuple[tuple[str, str], ...] = (
    (Rel.DEPENDS_ON.value, "depends_on"),
    (Rel.CONFLICTS_WITH.value, "conflicts_with"),
    (Rel.EXPRESSES.value, "expresses"),
    (CO_OWNS, "co_owners"),
)


def node_to_rows(node: Node) -> NodeRecord:
    row = NodeRow(
        node.id,
        node.kind.value,
        node.title,
        node.status.value,
        node.period,
        node.description,
        node.effort,
        node.owner,
        node.unit,
        node.scope.value if node.scope else None,
        node.start,
        node.target,
        node.current,
        node.measure_unit,
        node.source,
    )
    links = [
        LinkRow(node.id, Rel.SUPPORTS.value, p.id, p.weight, i) for i, p in enumerate(node.parents)
    ]
    for rel, attr in LIST_LINKS:
        links.extend(
            LinkRow(node.id, rel, dst, 1.0, i) for i, dst in enumerate(getattr(node, attr))
        )
    return row, links


def rows_to_node(row: NodeRow, links: list[LinkRow]) -> Node:
    by_rel: dict[str, list[LinkRow]] = {}
    for link in sorted(links, key=lambda x: (x.rel, x.ord)):
        by_rel.setdefault(link.rel, []).append(link)
    data = {k: v for k, v in row._asdict().items() if v is not None}
    data["parents"] = tuple(
        ParentRef(id=x.dst, weight=x.weight) for x in by_rel.get(Rel.SUPPORTS.value, [])
    )
    for rel, attr in LIST_LINKS:
        data[attr] = tuple(x.dst for x in by_rel.get(rel, []))
    return Node.model_validate(data)


def _limits() -> tuple[dict[str, tuple[int, int]], dict[str, tuple[float, float]]]:
    """(text field -> (min, max) length, number field -> (ge, le)), read off the model."""
    texts: dict[str, tuple[int, int]] = {}
    numbers: dict[str, tuple[float, float]] = {}
    for name, prop in Node.model_json_schema()["properties"].items():
        for alt in (prop, *prop.get("anyOf", ())):
            if alt.get("type") == "string" and "maxLength" in alt:
                texts[name] = (int(alt.get("minLength", 0)), int(alt["maxLength"]))
            elif alt.get("type") == "number":
                numbers[name] = (alt.get("minimum", -math.inf), alt.get("maximum", math.inf))
    weight = ParentRef.model_json_schema()["properties"]["weight"]
    numbers["parents.weight"] = (weight["minimum"], weight["maximum"])
    return texts, numbers


_TEXT, _NUMBER = _limits()
_ID_LEN = _TEXT["id"]
_WEIGHT = _NUMBER.pop("parents.weight")
# the model's bounds, for an importer's own fast path (importers.csv_rows): (min, max) length of
# each text field, (ge, le) of each number and of a parent's weight
TEXT_BOUNDS: Mapping[str, tuple[int, int]] = dict(_TEXT)
NUMBER_BOUNDS: Mapping[str, tuple[float, float]] = dict(_NUMBER)
WEIGHT_BOUNDS: tuple[float, float] = _WEIGHT
_ENUMS: dict[str, frozenset[str]] = {
    "kind": frozenset(k.value for k in NodeKind),
    "status": frozenset(s.value for s in Status),
    "scope": frozenset(s.value for s in Scope),
}
_LISTS = frozenset(name for _, name in LIST_LINKS)
_ROW_SLOT = {name: i for i, name in enumerate(NodeRow._fields)}
# the row's fields only some kinds have sit side by side (scope to measure_unit): one slice
_SPECIFIC_SLOTS = sorted(_ROW_SLOT[f] for f in KIND_SPECIFIC if f in _ROW_SLOT)
_SPECIFIC = slice(_SPECIFIC_SLOTS[0], _SPECIFIC_SLOTS[-1] + 1)
if len(range(len(NodeRow._fields))[_SPECIFIC]) != len(_SPECIFIC_SLOTS):
    raise ImportError(
        "graph_schema.rows.checked_record expects NodeRow's kind-specific fields together"
    )
if set(Node.model_fields) != {*_TEXT, *_NUMBER, *_ENUMS, *_LISTS, "parents"}:
    raise ImportError("graph_schema.rows.record_of does not know every field of Node")
# what each field is, and its bounds (lengths, range or allowed values): one lookup a field
_REQUIRED, _TEXTUAL, _NUMERIC, _ENUM, _IDS, _PARENTS = (object() for _ in range(6))
_SPEC: dict[str, tuple[object, Any]] = {
    **{n: (_REQUIRED if n in ("id", "title") else _TEXTUAL, b) for n, b in _TEXT.items()},
    **{n: (_NUMERIC, b) for n, b in _NUMBER.items()},
    **{n: (_ENUM, values) for n, values in _ENUMS.items()},
    **{n: (_IDS, None) for n in _LISTS},
    "parents": (_PARENTS, None),
}


def _text_ok(value: object, bounds: tuple[int, int]) -> bool:
    return (
        type(value) is str
        and bounds[0] <= len(value) <= bounds[1]
        and (not value or not (value[0].isspace() or value[-1].isspace()))
    )


def _ids_ok(ids: object) -> bool:
    if type(ids) is not list or len(ids) > MAX_IDS:
        return False
    lo, hi = _ID_LEN
    for i in ids:
        if type(i) is not str or not lo <= len(i) <= hi or i[0].isspace() or i[-1].isspace():
            return False
    return True


def _parents_of(parents: object) -> list[tuple[str, float]] | None:
    if type(parents) is not list or len(parents) > MAX_IDS:
        return None
    refs: list[tuple[str, float]] = []
    for p in parents:
        if type(p) is not dict or "id" not in p or len(p) != 1 + ("weight" in p):
            return None
        pid, weight = p["id"], p.get("weight", 1.0)
        if not _text_ok(pid, _ID_LEN) or type(weight) is not float:
            return None
        if not _WEIGHT[0] <= weight <= _WEIGHT[1]:
            return None
        refs.append((pid, weight))
    return refs


def record_of(data: Mapping[str, Any]) -> NodeRecord | None:
    """The rows of the node `data` describes, when `Node.model_validate(data)` would accept it
    and give exactly these rows; None when the model must judge (and name the problem).

    `data` holds plain values: stripped str for text, ids and enum values, float for numbers,
    lists of str for id lists and of {"id", "weight"?} dicts for parents, as an importer's cells
    give them. Anything else (another type, a value needing the model's coercion or stripping)
    is left to the model, so this never accepts what the model refuses; a property test holds
    the two to the same rows.
    """
    refs: list[tuple[str, float]] = []
    for name, value in data.items():
        spec = _SPEC.get(name)
        if spec is None:
            return None  # a field the model does not have
        what, bounds = spec
        if value is None:  # absent: allowed for optional text and numbers, and a scope
            if what is not _TEXTUAL and what is not _NUMERIC and name != "scope":
                return None
        elif what is _TEXTUAL or what is _REQUIRED:
            if (
                type(value) is not str
                or not bounds[0] <= len(value) <= bounds[1]
                or (value and (value[0].isspace() or value[-1].isspace()))
            ):
                return None
        elif what is _NUMERIC:
            if type(value) is not float or not bounds[0] <= value <= bounds[1]:
                return None
        elif what is _ENUM:
            if type(value) is not str or value not in bounds:
                return None
        elif what is _IDS:
            if not _ids_ok(value):
                return None
        else:
            found = _parents_of(value)
            if found is None:
                return None
            refs = found
    if data.get("kind") is None or data.get("id") is None or data.get("title") is None:
        return None
    row = NodeRow._make(map(data.get, NodeRow._fields))
    if "status" not in data:  # present, it is a valid one (None was refused above)
        row = row._replace(status=Status.ACTIVE.value)
    lists = {name: data[name] for name in _LISTS if data.get(name) is not None}
    return checked_record(row, refs, lists)


def checked_record(
    row: NodeRow, parents: list[tuple[str, float]], lists: Mapping[str, Sequence[str]]
) -> NodeRecord | None:
    """The rows of a node whose every field is valid on its own (`row`, with its id, kind and
    title; its parents as (id, weight); its id lists by field name): None where the fields
    disagree (a field its kind lacks, an id named twice in one list)."""
    kind = row.kind
    # each check only where it can fail: a field only some kinds have, a list of two ids or more
    specific: tuple[object, ...] = tuple.__getitem__(row, _SPECIFIC)
    if not KIND_SPECIFIC.isdisjoint(lists) or specific.count(None) != len(specific):

        def field(name: str) -> object:
            return lists.get(name) if name in _LISTS else row[_ROW_SLOT[name]]

        if misplaced_field(kind, field):
            return None
    several: list[tuple[str, Sequence[str]]] = [
        (n, ids) for n, ids in lists.items() if len(ids) > 1
    ]
    if len(parents) > 1:
        several.append(("parents", [p for p, _ in parents]))
    if several and repeated_id(*several):
        return None
    node_id = row.id
    supports = Rel.SUPPORTS.value
    links = [LinkRow(node_id, supports, pid, w, i) for i, (pid, w) in enumerate(parents)]
    for rel, name in LIST_LINKS:
        if ids := lists.get(name):
            links.extend(LinkRow(node_id, rel, dst, 1.0, i) for i, dst in enumerate(ids))
    return row, links
