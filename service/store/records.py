"""Conversions between domain nodes and the flat rows every backend stores, and the batching
both backends write in."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from itertools import islice
from operator import itemgetter
from typing import Any, TypeVar

from graph_schema import Node, Person, Rel, Unit, Value
from graph_schema.rows import (
    LIST_LINKS,
    GraphRows,
    LinkRow,
    NodeRecord,
    NodeRow,
    node_to_rows,
    rows_to_node,
)
from graph_schema.titles import fingerprint

__all__ = [
    "SharedValues",
    "as_record",
    "batches",
    "classify",
    "describe_change",
    "first_write_rows",
    "node_to_rows",
    "rows_to_node",
]

T = TypeVar("T")


class SharedValues:
    """Rows read back with one string object per distinct value of their repeated fields.

    A database driver makes a new string for every cell it returns: a million nodes bring a
    million copies of "Initiative", "active", each unit id, owner and source file name, and a
    million links as many copies of "SUPPORTS" and of each parent's id. An engine keeps its
    rows for as long as it answers, so those copies were a third of the rows' memory (545 MB
    of rows at 1M nodes, 356 MB shared), and reading got faster as it allocated less."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def node_row(self) -> Callable[[tuple[Any, ...]], NodeRow]:
        one, make = self._seen.setdefault, NodeRow._make

        def row(r: tuple[Any, ...]) -> NodeRow:
            (
                i,
                kind,
                title,
                status,
                period,
                about,
                effort,
                owner,
                unit,
                scope,
                *nums,
                measure,
                src,
            ) = r
            return make(
                (
                    i,
                    one(kind, kind),
                    title,
                    one(status, status),
                    one(period, period),
                    about,
                    effort,
                    one(owner, owner),
                    one(unit, unit),
                    one(scope, scope),
                    *nums,
                    one(measure, measure),
                    one(src, src),
                )
            )

        return row

    def link_row(self) -> Callable[[tuple[Any, ...]], LinkRow]:
        one, make = self._seen.setdefault, LinkRow._make
        last = [""]

        def row(r: tuple[Any, ...]) -> LinkRow:
            src, rel, dst, weight, order = r
            if src == last[0]:  # read in key order: one node's links come together
                src = last[0]
            else:
                last[0] = src
            return make((src, one(rel, rel), one(dst, dst), weight, order))

        return row


# the order SharedValues.node_row unpacks
assert NodeRow._fields[:10] == (
    "id",
    "kind",
    "title",
    "status",
    "period",
    "description",
    "effort",
    "owner",
    "unit",
    "scope",
) and NodeRow._fields[10:] == ("start", "target", "current", "measure_unit", "source")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last may be shorter), consumed lazily: a generator of a
    million nodes is never held whole."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def as_record(item: Node | NodeRecord) -> NodeRecord:
    """A change set's node in its stored form: importers on the hot path give it so already."""
    return item if isinstance(item, tuple) else node_to_rows(item)


def classify(
    before: tuple[NodeRow, AbstractSet[tuple[Any, ...]]] | None,
    row: NodeRow,
    links: list[LinkRow],
) -> str:
    """'created', 'unchanged', 'moved' (only the source differs) or 'updated'.

    A file saved under a new name is the same content: reporting every node "updated" would
    bury the real edits, so a change of source alone is reported apart (and still written).
    """
    if before is None:
        return "created"
    old_row, old_links = before
    if old_links != set(links):
        return "updated"
    if old_row == row:
        return "unchanged"
    return "moved" if old_row._replace(source=row.source) == row else "updated"


def _fmt(value: object) -> str:
    return "none" if value is None else repr(value)


def describe_change(
    before: tuple[NodeRow, set[LinkRow]] | None, row: NodeRow, links: list[LinkRow]
) -> list[str]:
    """What a write changes, field by field: ["title: 'A' -> 'B'", "parents: +O-DIG -O-DGI"]."""
    if before is None:
        return []
    old_row, old_links = before
    out = [
        f"{name}: {_fmt(a)} -> {_fmt(b)}"
        for name, a, b in zip(NodeRow._fields, old_row, row, strict=True)
        if a != b and name != "id"
    ]
    names = {Rel.SUPPORTS.value: "parents", **dict(LIST_LINKS)}
    old_by: dict[str, dict[str, float]] = {}
    new_by: dict[str, dict[str, float]] = {}
    for bucket, items in ((old_by, old_links), (new_by, links)):
        for link in items:
            bucket.setdefault(link.rel, {})[link.dst] = link.weight
    for rel in sorted(set(old_by) | set(new_by)):
        old, new = old_by.get(rel, {}), new_by.get(rel, {})
        parts = [f"+{d}" for d in new if d not in old] + [f"-{d}" for d in old if d not in new]
        parts += [
            f"{d} weight {old[d]:g} -> {new[d]:g}" for d in new if d in old and old[d] != new[d]
        ]
        if not parts and rel == Rel.SUPPORTS.value:
            old_order = [x.dst for x in sorted(old_links, key=lambda x: x.ord) if x.rel == rel]
            new_order = [x.dst for x in sorted(links, key=lambda x: x.ord) if x.rel == rel]
            if old_order != new_order:
                parts = [f"reordered {' '.join(old_order)} -> {' '.join(new_order)}"]
        if parts:
            out.append(f"{names.get(rel, rel)}: {' '.join(parts)}")
    return out


def first_write_rows(
    nodes: Iterable[Node | NodeRecord],
    units: Iterable[Unit] = (),
    people: Iterable[Person] = (),
    values: Iterable[Value] = (),
) -> GraphRows:
    """What every store's read_graph gives of a tenant that held nothing before one write of
    these nodes and org records, without reading it: version 1; nodes, units, people and
    values in id order, the last of an id winning as in a write; links by (src, rel, dst);
    each title's fingerprint. A contract test holds both backends to it. A first import's
    history point is built from this beside the write (service.cli.history_child), where
    reading back what was just written was a quarter of a fresh 100k-row import."""
    shared = SharedValues()
    node_row, link_row = shared.node_row(), shared.link_row()
    latest: dict[str, NodeRecord] = {}
    for item in nodes:
        row, out = as_record(item)
        # each row made as a read gives it at once, so the row given is let go as it comes
        # instead of held beside its copy (at 1M nodes, several hundred MB at the peak); a
        # node's links in key order (src, rel, dst), the nodes themselves in id order below
        latest[row.id] = (
            node_row(_no_negative_zero(row)),
            [link_row(_unsigned_weight(x)) for x in sorted(out, key=lambda x: (x.rel, x.dst))],
        )
    rows: list[NodeRow] = []
    links: list[LinkRow] = []
    for node_id in sorted(latest):
        row, out = latest.pop(node_id)
        rows.append(row)
        links += out

    def by_id(records: Iterable[Any]) -> list[Any]:
        return sorted({r.id: r for r in records}.values(), key=lambda r: r.id)

    return GraphRows(
        version=1,
        nodes=rows,
        links=links,
        units=by_id(units),
        people=by_id(people),
        values=by_id(values),
        fingerprints=[fingerprint(r.title) for r in rows],
    )


_NUMBERS = [NodeRow._fields.index(f) for f in ("effort", "start", "target", "current")]
_PICK_NUMBERS = itemgetter(*_NUMBERS)


def _no_negative_zero(row: NodeRow) -> NodeRow:
    """The row as SQLite's REAL columns give it back: -0.0 (a cell "-0") as 0.0."""
    if 0.0 not in _PICK_NUMBERS(row):  # -0.0 == 0.0: only a row with a zero looks further
        return row
    values: list[Any] = list(row)
    for i in _NUMBERS:
        if values[i] == 0 and math.copysign(1.0, values[i]) < 0:
            values[i] = 0.0
    return NodeRow._make(values)


def _unsigned_weight(link: LinkRow) -> LinkRow:
    """The link as SQLite's REAL column gives it back: a weight of -0.0 as 0.0."""
    if link.weight == 0 and math.copysign(1.0, link.weight) < 0:
        return link._replace(weight=0.0)
    return link
