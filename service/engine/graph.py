"""The store's rows turned into compact arrays: integer node indices and CSR adjacency.

Everything the analyses need is here, built once per (version, period) in O(V + E).
"""

from __future__ import annotations

import operator
import pickle
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any, TypedDict

import numpy as np

from graph_schema import (
    NodeKind,
    Rel,
    is_active,
    valid_support_table,
)
from graph_schema.rows import CO_OWNS, GraphRows, NodeRow
from graph_schema.titles import fingerprint
from service.engine.arrays import stable_order
from service.engine.column import Column
from service.engine.units import depths as unit_depths
from service.engine.units import objective_scope
from service.gcpause import gc_paused

KINDS: tuple[NodeKind, ...] = tuple(NodeKind)
KIND_CODE: dict[str, int] = {k.value: i for i, k in enumerate(KINDS)}
# VALID_SUPPORT[child code, parent code]: graph_schema's one rule, indexed by kind code
VALID_SUPPORT = np.array(valid_support_table(), dtype=bool)
VISION = KIND_CODE[NodeKind.VISION.value]
GOAL = KIND_CODE[NodeKind.GOAL.value]
OBJECTIVE = KIND_CODE[NodeKind.OBJECTIVE.value]
KEY_RESULT = KIND_CODE[NodeKind.KEY_RESULT.value]
INITIATIVE = KIND_CODE[NodeKind.INITIATIVE.value]


def csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """indptr/indices of the adjacency src -> dst over n nodes (in src order, stably), both
    int32 (half the bytes a node of int64, and what scipy's sparse matrices index with)."""
    order = stable_order(src)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order].astype(np.int32, copy=False)


@dataclass
class CompactGraph:
    """Nodes are indexed in id order, so ordering by index is ordering by id everywhere."""

    # Per-node Python values are Columns (service.engine.column), which later, patched versions
    # share chunk by chunk.
    n: int
    ids: Column[str]
    index: dict[str, int]
    kind: np.ndarray  # int8 kind code
    active: np.ndarray  # bool: active and inside the period
    titles: Column[str]
    owner: Column[str | None]
    unit: Column[str | None]
    rows: Column[NodeRow]  # the snapshot's rows in index order: the details the API serves
    unit_code: np.ndarray  # int32 index into unit_ids; -1 where a node has no unit
    unit_ids: list[str]
    scope: Column[str | None]  # declared or derived from the unit tree (objectives only)
    work: np.ndarray  # float64: an initiative's effort, 1 where not given; 0 for other kinds
    # SUPPORTS links whose parent exists: child, parent, weight, valid (respects the levels)
    e_child: np.ndarray
    e_parent: np.ndarray
    e_weight: np.ndarray
    e_valid: np.ndarray
    # parent ids that name no node, per child index
    dangling: dict[int, list[str]]
    support_links: np.ndarray  # int32: SUPPORTS links per node, dangling ones included
    # title fingerprints (graph_schema.titles): node i's are words[word_ptr[i]:word_ptr[i + 1]]
    word_ptr: np.ndarray  # int32, n + 1
    words: np.ndarray  # uint32
    # live edges: valid, both ends active (the only ones any analysis follows)
    up_ptr: np.ndarray = field(repr=False)
    up_idx: np.ndarray = field(repr=False)
    up_w: np.ndarray = field(repr=False)
    down_ptr: np.ndarray = field(repr=False)
    down_idx: np.ndarray = field(repr=False)
    live_child: np.ndarray = field(repr=False)
    live_parent: np.ndarray = field(repr=False)
    depends_on: list[tuple[int, int]] = field(default_factory=list)
    conflicts_with: list[tuple[int, int]] = field(default_factory=list)
    co_owners: dict[int, list[str]] = field(default_factory=dict)
    expresses: dict[int, list[str]] = field(default_factory=dict)  # behaviour -> value ids
    unit_parent: dict[str, str | None] = field(default_factory=dict)
    unit_depth: dict[str, int] = field(default_factory=dict)  # what an objective's scope needs
    unit_names: dict[str, str] = field(default_factory=dict)
    person_unit: dict[str, str | None] = field(default_factory=dict)
    version: int = 0
    period: str | None = None

    # -- persisted (service.engine.snapshot) ----------------------------------------------
    # The two costliest parts to load are the ones an alignment query never reads: the rows
    # (1M named tuples: 2.2 s) and the id index (0.7 s). A snapshot keeps the rows as columns,
    # pickled apart, and no index at all; each comes back on first use (`__getattr__`), and the
    # engine cache asks for both on its builder thread right after a loaded engine answers.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("index", None)
        rows = state.pop("rows", None)
        if rows is not None:
            # a row's id, title, owner and unit are the graph's own columns too: kept once, the
            # rows cost less to save (1M nodes: 1.0 s and 61 MB before, 0.4 s and 13 MB) and to
            # restore, and the rows restored share those strings instead of holding copies
            columns = (
                [
                    list(c)
                    for f, c in zip(NodeRow._fields, zip(*rows, strict=True), strict=True)
                    if f not in _SHARED
                ]
                if rows
                else []
            )
            state["_rows_pickled"] = pickle.dumps(columns, protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def restore(self) -> None:
        """Bring back now what a snapshot left for first use."""
        _ = self.rows, self.index

    def __getattr__(self, name: str) -> Any:
        # only reached for an attribute not set: the parts a snapshot restores on first use,
        # with the GC paused (a million new tuples made it 3x slower: 7 s instead of 2.3 s)
        if name == "index":
            with gc_paused():
                built = {node_id: i for i, node_id in enumerate(self.ids)}
            # two threads may build it at once (a patch, the cache's restore): the first kept
            # is the one all use, so an id a patch adds is never in a dict thrown away
            index: dict[str, int] = self.__dict__.setdefault("index", built)
            return index
        if name == "rows" and "_rows_pickled" in self.__dict__:
            with gc_paused():
                kept = iter(pickle.loads(self.__dict__["_rows_pickled"]))
                columns = [
                    getattr(self, _SHARED[f]) if f in _SHARED else next(kept, ())
                    for f in NodeRow._fields
                ]
                restored = Column(map(NodeRow._make, zip(*columns, strict=True)))
            # as for the index: the first restored is the one kept (a period's graph shares it)
            rows: Column[NodeRow] = self.__dict__.setdefault("rows", restored)
            return rows
        raise AttributeError(name)


# a row's fields the graph holds as columns of its own: field -> column
_SHARED = {"id": "ids", "title": "titles", "owner": "owner", "unit": "unit"}


def _fingerprints(
    nodes: list[NodeRow], stored: list[bytes | None]
) -> tuple[np.ndarray, np.ndarray]:
    """The stored fingerprints as one flat array; any a store lacks are computed here."""
    blobs = [
        b if b is not None else fingerprint(r.title) for r, b in zip(nodes, stored, strict=True)
    ]
    ptr = np.zeros(len(blobs) + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)) // 4, out=ptr[1:])
    return ptr, np.frombuffer(b"".join(blobs), dtype="<u4").astype(np.uint32, copy=False)


def build_graph(rows: GraphRows, period: str | None = None) -> CompactGraph:
    nodes, stored = rows.nodes, rows.fingerprints
    if len(stored) != len(nodes):
        raise ValueError(f"{len(stored)} fingerprints for {len(nodes)} nodes")
    ids = [r.id for r in nodes]
    if any(map(operator.gt, ids, islice(ids, 1, None))):  # stores read in id order: rarely
        order = sorted(range(len(nodes)), key=ids.__getitem__)
        nodes, stored = [nodes[i] for i in order], [stored[i] for i in order]
        ids = [r.id for r in nodes]
    n = len(nodes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    kind = np.fromiter((KIND_CODE[r.kind] for r in nodes), dtype=np.int8, count=n)
    active = np.fromiter((is_active(r, period) for r in nodes), dtype=bool, count=n)
    effort = np.fromiter(
        (r.effort if r.effort is not None else 1.0 for r in nodes), dtype=np.float64, count=n
    )
    work = np.where(kind == INITIATIVE, effort, 0.0)

    unit_parent = {u.id: u.parent for u in rows.units}
    depths = unit_depths(unit_parent)
    objective = NodeKind.OBJECTIVE.value
    scope = [objective_scope(r, depths) if r.kind == objective else None for r in nodes]

    sup_c: list[int] = []
    sup_p: list[int] = []
    sup_w: list[float] = []
    dangling: dict[int, list[str]] = {}
    depends: list[tuple[int, int]] = []
    conflicts: list[tuple[int, int]] = []
    co_owners: dict[int, list[str]] = {}
    expresses: dict[int, list[str]] = {}
    # one pass over a million links: names bound once, and a node's links come together (the
    # stores read them by src), so its index is looked up once per node, not once per link
    supports, depends_on, conflicts_with = (
        Rel.SUPPORTS.value,
        Rel.DEPENDS_ON.value,
        Rel.CONFLICTS_WITH.value,
    )
    expresses_rel, parent_of = Rel.EXPRESSES.value, index.get
    last, c = None, -1
    for src, rel, dst, weight, _ in rows.links:
        if src != last:
            last, c = src, index[src]
        if rel == supports:
            p = parent_of(dst)
            if p is None:
                dangling.setdefault(c, []).append(dst)
            else:
                sup_c.append(c)
                sup_p.append(p)
                sup_w.append(weight)
        elif rel == depends_on:
            if (p := parent_of(dst)) is not None:
                depends.append((c, p))
        elif rel == conflicts_with:
            if (p := parent_of(dst)) is not None:
                conflicts.append((c, p))
        elif rel == CO_OWNS:
            co_owners.setdefault(c, []).append(dst)
        elif rel == expresses_rel:
            expresses.setdefault(c, []).append(dst)
    support_links = np.bincount(np.array(sup_c, dtype=np.int64), minlength=n).astype(np.int32)
    for child, refs in dangling.items():
        support_links[child] += len(refs)

    e_child = np.array(sup_c, dtype=np.int32)
    e_parent = np.array(sup_p, dtype=np.int32)
    e_weight = np.array(sup_w, dtype=np.float64)
    e_valid = VALID_SUPPORT[kind[e_child], kind[e_parent]]

    units = [r.unit for r in nodes]
    unit_ids = sorted(set(unit_parent) | {u for u in units if u is not None})
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    unit_code = np.fromiter(
        (-1 if u is None else unit_index[u] for u in units), dtype=np.int32, count=n
    )
    word_ptr, words = _fingerprints(nodes, stored)
    return CompactGraph(
        n=n,
        ids=Column(ids),
        index=index,
        kind=kind,
        titles=Column([r.title for r in nodes]),
        owner=Column([r.owner for r in nodes]),
        unit=Column(units),
        rows=Column(nodes),
        unit_code=unit_code,
        unit_ids=unit_ids,
        scope=Column(scope),
        work=work,
        e_child=e_child,
        e_parent=e_parent,
        e_weight=e_weight,
        e_valid=e_valid,
        dangling=dangling,
        support_links=support_links,
        word_ptr=word_ptr,
        words=words,
        depends_on=depends,
        conflicts_with=conflicts,
        co_owners=co_owners,
        expresses=expresses,
        unit_parent=unit_parent,
        unit_depth=depths,
        unit_names={u.id: u.name for u in rows.units},
        person_unit={p.id: p.unit for p in rows.people},
        version=rows.version,
        period=period,
        **_live_links(n, active, e_child, e_parent, e_weight, e_valid),
    )


class _Live(TypedDict):
    active: np.ndarray
    up_ptr: np.ndarray
    up_idx: np.ndarray
    up_w: np.ndarray
    down_ptr: np.ndarray
    down_idx: np.ndarray
    live_child: np.ndarray
    live_parent: np.ndarray


def _live_links(
    n: int,
    active: np.ndarray,
    e_child: np.ndarray,
    e_parent: np.ndarray,
    e_weight: np.ndarray,
    e_valid: np.ndarray,
) -> _Live:
    """The live edges (valid, both ends active) and their two CSRs, as CompactGraph fields."""
    live = e_valid & active[e_child] & active[e_parent]
    live_child, live_parent = e_child[live], e_parent[live]
    by_child = np.argsort(live_child, kind="stable")
    up_ptr, up_idx = csr(n, live_child, live_parent)
    down_ptr, down_idx = csr(n, live_parent, live_child)
    return _Live(
        active=active,
        up_ptr=up_ptr,
        up_idx=up_idx,
        up_w=e_weight[live][by_child],
        down_ptr=down_ptr,
        down_idx=down_idx,
        live_child=live_child,
        live_parent=live_parent,
    )


def in_period(g: CompactGraph, period: str | None) -> CompactGraph:
    """What build_graph makes of the same rows for another period, made from `g`: only which
    nodes are active, and so the live edges, are computed again; everything a period does not
    touch (rows, ids, titles, fingerprints, the links) is `g`'s own objects, shared, not read
    again nor copied. A server asked for several periods holds one organisation, not one per
    period (at 1M nodes a second period's graph took 1 GB; now its arrays, tens of MB)."""
    active = np.fromiter((is_active(r, period) for r in g.rows), dtype=bool, count=g.n)
    return replace(
        g,
        period=period,
        **_live_links(g.n, active, g.e_child, g.e_parent, g.e_weight, g.e_valid),
    )
