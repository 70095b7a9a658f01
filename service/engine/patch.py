"""An engine updated from one write instead of rebuilt from the store: a write visible at once.

A write changes a few nodes; a rebuild reads and analyses the whole tenant again (seconds at a
million nodes). `patched` makes the next version's engine from the previous one and the write's
delta (graph_schema.rows.GraphDelta) in time proportional to what the write can change:

- The graph's arrays are the previous ones with the written nodes' rows and links replaced:
  vectorised copies and splices, a few milliseconds at a million nodes, no sort and no Python
  loop over every node. The result equals what `build_graph` makes of the store's new rows
  (the property test checks it), so every analysis computed from it later is exact.
- R is every node at or below a written node, in the previous graph or the new one. Outside R
  nothing a node's trace depends on changed (each of its paths up avoids every written node),
  so its depth, trace and gap stay; inside R they are recomputed from R's edge of the rest.
- A gap outside R is re-walked only where its stranded set may reach into R, and whether
  strategy is executed, and what reaches a goal, are recomputed only above what changed.

It patches the trace and depth, gaps with their stranded sets and ranking, orphans, unowned,
unsupported strategy, the scores overall and by unit, by goal, and the line-of-sight index.
Everything else is computed from the new graph on first use, except the whole-graph passes
named in `engine.CARRIED` (load-bearing, ownership overlaps, unit focus): those keep the
previous version's values and are listed in `Engine.stale` until `refreshed` computes them
again from the patched graph: what the engine cache's background pass does once the tenant is
quiet (a rebuild from the store where another process wrote meanwhile), and what an import's
history point is made with, from the previous version's snapshot (service.cli), instead of
reading and building the tenant again.

A delta it cannot apply exactly gives None, and the cache rebuilds as it always did: one that
creates a node whose id does not sort after every existing id (indices are in id order, and
renumbering a million nodes is a rebuild), or one that names a unit the graph does not know.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from graph_schema import Rel, is_active
from graph_schema.rows import CO_OWNS, GraphDelta, LinkRow
from service.engine import coverage
from service.engine.arrays import unique, view
from service.engine.classify import Trace, strand, stranded_below
from service.engine.components import source_components
from service.engine.engine import Engine, Links
from service.engine.graph import (
    GOAL,
    INITIATIVE,
    KEY_RESULT,
    KIND_CODE,
    KINDS,
    OBJECTIVE,
    VALID_SUPPORT,
    VISION,
    CompactGraph,
)
from service.engine.line_of_sight import LineOfSightIndex
from service.engine.results import Gap, GapReason
from service.engine.units import is_middle_management_scope, objective_scope
from service.gcpause import gc_paused

__all__ = ["BY_DIFFERENCE", "PATCHED", "patched", "patched_engine", "refreshed"]

_SUPPORTS = Rel.SUPPORTS.value
_STRATEGY = (GOAL, OBJECTIVE, KEY_RESULT)
_BIG = 2_000  # a region of more nodes than this: NumPy and scipy walks, flags from arrays
_INITIATIVE = KINDS[INITIATIVE].value
_DEPENDS = Rel.DEPENDS_ON.value
_CONFLICTS = Rel.CONFLICTS_WITH.value
_EXPRESSES = Rel.EXPRESSES.value


class _Unpatchable(Exception):
    """The delta cannot be applied exactly: the engine is rebuilt instead."""


def patched(base: Engine, delta: GraphDelta) -> Engine | None:
    """`base`'s engine at `delta.version`, or None where only a rebuild gives it exactly."""
    if delta.base != base.version or not delta.nodes:
        return None
    # the collector paused: a full collection walks every object of a million-node engine
    # (0.6 s measured), and a patch allocates enough small objects to set one off
    with gc_paused():
        try:
            change = _patch_graph(base.graph, base.links, delta)
        except _Unpatchable:
            return None
        return _patch_analyses(base, change)


# -- the graph --------------------------------------------------------------------------------
@dataclass
class _Change:
    graph: CompactGraph
    written: list[int]  # the written nodes' indices (created ones past the previous n)
    relinked: list[int]  # nodes whose links up changed: the written, and those a creation resolved
    flipped: list[int]  # written nodes whose activity or kind changed, and the created
    reweighed: list[int]  # written nodes whose work or scope changed
    touched: list[int]  # nodes whose live links up may have changed
    links: Links


def _segments(
    arrays: Sequence[np.ndarray], cuts: Iterable[tuple[int, int, Sequence[np.ndarray]]]
) -> list[np.ndarray]:
    """Each array with its [lo, hi) ranges replaced by the given pieces (ranges sorted and
    disjoint, one piece per array): a splice in one copy, whatever the number of ranges."""
    cuts = list(cuts)
    if not cuts:  # shared: arrays are never written once an engine holds them
        return list(arrays)
    pieces: list[list[np.ndarray]] = [[] for _ in arrays]
    at = 0
    for lo, hi, new in cuts:
        for k, a in enumerate(arrays):
            pieces[k].append(a[at:lo])
            pieces[k].append(np.asarray(new[k], dtype=a.dtype))
        at = hi
    for k, a in enumerate(arrays):
        pieces[k].append(a[at:])
    return [np.concatenate(p) for p in pieces]


def _resegment(
    ptr: np.ndarray, data: np.ndarray, n2: int, new: dict[int, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """A CSR over n2 >= n nodes with node i's segment replaced by new[i] (the rest as they were;
    nodes past the old n empty unless given)."""
    n = len(ptr) - 1
    if not new:  # shared: arrays are never written once an engine holds them
        return (ptr if n2 == n else _reptr(ptr, n2, {})), data
    end = len(data)
    cuts = []
    for i in sorted(new):
        lo, hi = (int(ptr[i]), int(ptr[i + 1])) if i < n else (end, end)
        cuts.append((lo, hi, [new[i]]))
    (spliced,) = _segments([data], cuts)
    return _reptr(ptr, n2, {i: len(v) for i, v in new.items()}), spliced


def _moved_children(
    ptr: np.ndarray,
    children: np.ndarray,
    n2: int,
    moved: list[int],
    was: dict[int, list[int]],
    now: dict[int, list[int]],
) -> tuple[np.ndarray, np.ndarray]:
    """A by-parent CSR of children (each parent's in id order) after these children moved from
    the parents `was` names to those `now` names: only the parents they left or joined change."""
    n, gone = len(ptr) - 1, set(moved)
    joined: dict[int, list[int]] = {}
    for c in moved:
        for p in was[c]:
            joined.setdefault(p, [])
        for p in now[c]:
            joined.setdefault(p, []).append(c)
    lists = {
        p: np.array(
            sorted([c for c in _slice(ptr, children, p, n) if c not in gone] + kids),
            dtype=np.int32,
        )
        for p, kids in joined.items()
    }
    return _resegment(ptr, children, n2, lists)


def _reptr(ptr: np.ndarray, n2: int, lengths: dict[int, int]) -> np.ndarray:
    """A CSR's pointers over n2 >= n nodes with these nodes' segment lengths changed: each
    later pointer moves by the sum of the changes before it, one slice add per change (a
    diff and a cumsum over every node cost twice that, and two temporaries)."""
    n = len(ptr) - 1
    out = np.empty(n2 + 1, dtype=ptr.dtype)
    out[: n + 1] = ptr
    out[n + 1 :] = ptr[-1]
    order = sorted(lengths)
    shift = 0
    for k, i in enumerate(order):
        shift += lengths[i] - (int(ptr[i + 1] - ptr[i]) if i < n else 0)
        stop = order[k + 1] + 1 if k + 1 < len(order) else n2 + 1
        if shift:
            out[i + 1 : stop] += shift
    return out


def _patch_graph(g: CompactGraph, links0: Links, delta: GraphDelta) -> _Change:
    n, rows = g.n, delta.nodes
    # read once: a snapshot-loaded graph builds its index on first use, perhaps on another
    # thread meanwhile (CompactGraph.__getattr__), and every id added here must be in this one
    index = g.index
    fresh = [r.id for r in rows if _index(g, index, r.id) is None]
    if fresh and n and fresh[0] <= g.ids[-1]:
        raise _Unpatchable  # a new id inside the order: every later index would move
    known_units = set(g.unit_ids)
    if any(r.unit is not None and r.unit not in known_units for r in rows):
        raise _Unpatchable  # a new unit renumbers the unit codes
    n2 = n + len(fresh)
    named_only = set(g.unit_ids) - set(g.unit_parent)  # units only nodes name
    if named_only:
        leaving = {
            g.unit[i]
            for r in rows
            if (i := _index(g, index, r.id)) is not None
            and g.unit[i] in named_only
            and g.unit[i] != r.unit
        }
        if leaving:  # the unit goes from the codes if no other node names it: a rebuild
            still = {r.unit for r in rows}
            written = {i for r in rows if (i := _index(g, index, r.id)) is not None}
            for u in (x for x in leaving - still if x is not None):
                code = bisect.bisect_left(g.unit_ids, u)
                if not any(j not in written for j in np.flatnonzero(g.unit_code == code).tolist()):
                    raise _Unpatchable
    for k, node_id in enumerate(fresh):  # shared with `g` (see Engine.find_index)
        index[node_id] = n + k
    at = [index[r.id] for r in rows]
    ids = g.ids.replaced({n + k: node_id for k, node_id in enumerate(fresh)}, n2)

    def exists(node_id: str) -> int | None:
        i = index.get(node_id)
        return i if i is not None and i < n2 and ids[i] == node_id else None

    # -- per-node arrays: each copied only where a value changes (each copy is a pass of its own
    # over a million entries)
    kind = _with(g.kind, n2, {i: KIND_CODE[r.kind] for i, r in zip(at, rows, strict=True)}, 0)
    active = _with(
        g.active, n2, {i: is_active(r, g.period) for i, r in zip(at, rows, strict=True)}, False
    )
    new_work = {
        i: (r.effort if r.effort is not None else 1.0) if r.kind == _INITIATIVE else 0.0
        for i, r in zip(at, rows, strict=True)
    }
    work = _with(g.work, n2, new_work, 0.0)
    unit_code = _with(
        g.unit_code,
        n2,
        {
            i: -1 if r.unit is None else bisect.bisect_left(g.unit_ids, r.unit)
            for i, r in zip(at, rows, strict=True)
        },
        -1,
    )
    support_links = _with(
        g.support_links,
        n2,
        {
            i: sum(1 for k in links if k.rel == _SUPPORTS)
            for i, links in zip(at, delta.links, strict=True)
        },
        0,
    )
    flipped: list[int] = []
    reweighed: list[int] = []  # a gap reads the work and scope of its members and stranded
    for i, r in zip(at, rows, strict=True):
        if i >= n or g.kind[i] != kind[i] or g.active[i] != active[i]:
            flipped.append(i)
        if i < n and (g.work[i] != work[i] or g.scope[i] != objective_scope(r, g.unit_depth)):
            reweighed.append(i)
    links_of = dict(zip(at, delta.links, strict=True))

    # -- SUPPORTS links: e_* stay sorted by (child, parent), as a store reads them
    resolved: dict[int, list[LinkRow]] = {}  # a child not written whose dangling parent now is
    for link in delta.incoming:
        c = exists(link.src)
        if c is not None:
            resolved.setdefault(c, []).append(link)
    relinked: list[int] = []  # only those whose links up did change
    old_ups: dict[int, list[int]] = {}
    new_ups: dict[int, list[int]] = {}
    dangling = g.dangling
    new_dangling: dict[int, list[str]] = {}
    cuts: list[tuple[int, int, list[np.ndarray]]] = []
    for c in sorted(set(at) | set(resolved)):
        lo, hi = (
            (int(links0.up_ptr[c]), int(links0.up_ptr[c + 1]))
            if c < n
            else (len(g.e_child), len(g.e_child))
        )
        if c in links_of:
            ups = [link for link in links_of[c] if link.rel == _SUPPORTS]
        else:  # its own links stand; the parents this write created now exist
            ups = _stored_ups(g, c, lo, hi, resolved[c])
        parents, weights, missing = [], [], []
        for link in ups:
            p = exists(link.dst)
            if p is None:
                missing.append(link.dst)
            else:
                parents.append(p)
                weights.append(link.weight)
        order = np.argsort(np.array(parents, dtype=np.int64), kind="stable")
        p_arr, w_arr = np.array(parents, dtype=np.int32)[order], np.array(weights)[order]
        if (
            c < n
            and np.array_equal(g.e_parent[lo:hi], p_arr)
            and np.array_equal(g.e_weight[lo:hi], w_arr)
            and dangling.get(c, []) == missing
        ):
            continue  # its links up are as they were
        relinked.append(c)
        cuts.append((lo, hi, [np.full(len(p_arr), c), p_arr, w_arr]))
        new_dangling[c] = missing
        old_ups[c] = g.e_parent[lo:hi].tolist()
        new_ups[c] = p_arr.tolist()
    e_child, e_parent, e_weight = _segments([g.e_child, g.e_parent, g.e_weight], cuts)
    e_valid = _segments(
        [g.e_valid],
        [(lo, hi, [VALID_SUPPORT[kind[new[0]], kind[new[1]]]]) for lo, hi, new in cuts],
    )[0]
    # every SUPPORTS link both ways (Links, for browsing): each relinked child's own range,
    # and the child lists of the parents it left or joined
    e_ptr = (
        links0.up_ptr
        if n2 == n and not relinked
        else _reptr(links0.up_ptr, n2, {c: len(new_ups[c]) for c in relinked})
    )
    a_ptr, a_child = _moved_children(
        links0.down_ptr, links0.down_child, n2, relinked, old_ups, new_ups
    )

    def children(p: int) -> list[int]:
        found: list[int] = a_child[a_ptr[p] : a_ptr[p + 1]].tolist()
        return found

    # a kind changed: the levels of its links both ways
    rekinded = [i for i in flipped if i < n and g.kind[i] != kind[i]]
    if rekinded and e_valid is g.e_valid:
        e_valid = e_valid.copy()  # written below: never the previous version's
    for k in rekinded:
        for c in [k, *children(k)]:
            lo, hi = int(e_ptr[c]), int(e_ptr[c + 1])
            e_valid[lo:hi] = VALID_SUPPORT[kind[c], kind[e_parent[lo:hi]]]
    if any(dangling.get(c, []) != new_dangling[c] for c in relinked):
        dangling = dict(dangling)
        for c, missing in new_dangling.items():
            if missing:
                dangling[c] = missing
            else:
                dangling.pop(c, None)

    # -- the other relations
    depends_on = _pairs(g.depends_on, links_of, resolved, _DEPENDS, exists)
    conflicts_with = _pairs(g.conflicts_with, links_of, resolved, _CONFLICTS, exists)
    co_owners = _named(g.co_owners, links_of, CO_OWNS)
    expresses = _named(g.expresses, links_of, _EXPRESSES)

    # -- fingerprints
    new_words: dict[int, np.ndarray] = {}
    for i, blob in zip(at, delta.fingerprints, strict=True):
        words = np.frombuffer(blob, dtype="<u4").astype(np.uint32)
        if i >= n or not np.array_equal(g.words[g.word_ptr[i] : g.word_ptr[i + 1]], words):
            new_words[i] = words
    word_ptr, words_all = _resegment(g.word_ptr, g.words, n2, new_words)

    # -- live links (valid, both ends active) and their CSR both ways: a child's live links
    # change where its links did, or its activity or kind, or a parent's
    touched = sorted(set(relinked) | {x for f in flipped for x in (f, *children(f))})
    live_cuts: list[tuple[int, int, list[np.ndarray]]] = []
    up_lengths: dict[int, int] = {}
    was_up: dict[int, list[int]] = {}
    now_up: dict[int, list[int]] = {}
    for c in touched:
        lo, hi = int(e_ptr[c]), int(e_ptr[c + 1])
        parents_c = e_parent[lo:hi]
        live = e_valid[lo:hi] & active[c] & active[parents_c]
        was_up[c] = _slice(g.up_ptr, g.up_idx, c, n)
        now_up[c] = parents_c[live].tolist()
        olo, ohi = (int(g.up_ptr[c]), int(g.up_ptr[c + 1])) if c < n else (len(g.up_idx),) * 2
        live_cuts.append(
            (olo, ohi, [parents_c[live], np.full(int(live.sum()), c), e_weight[lo:hi][live]])
        )
        up_lengths[c] = len(now_up[c])
    if live_cuts:
        live_parent, live_child, up_w = _segments([g.up_idx, g.live_child, g.up_w], live_cuts)
    else:
        live_parent, live_child, up_w = g.up_idx, g.live_child, g.up_w
    up_ptr = g.up_ptr if n2 == n and not up_lengths else _reptr(g.up_ptr, n2, up_lengths)
    down_ptr, down_idx = _moved_children(g.down_ptr, g.down_idx, n2, touched, was_up, now_up)
    depends_links = _by_first(depends_on) if depends_on is not g.depends_on else links0.depends_on
    conflicts_links = (
        _by_first(conflicts_with)
        if conflicts_with is not g.conflicts_with
        else links0.conflicts_with
    )
    links = Links(
        e_ptr,
        # e_* are sorted by child already: each child's links lie in order
        links0.up_edge if not cuts else np.arange(len(e_child), dtype=np.int32),
        a_ptr,
        a_child,
        depends_links,
        conflicts_links,
    )

    row_at = dict(zip(at, rows, strict=True))
    graph = replace(  # the org (units, people) as it was
        g,
        index=index,
        n=n2,
        ids=ids,
        kind=kind,
        active=active,
        titles=g.titles.replaced({i: r.title for i, r in row_at.items()}, n2),
        owner=g.owner.replaced({i: r.owner for i, r in row_at.items()}, n2),
        unit=g.unit.replaced({i: r.unit for i, r in row_at.items()}, n2),
        rows=g.rows.replaced(row_at, n2),
        unit_code=unit_code,
        scope=g.scope.replaced(
            {i: objective_scope(r, g.unit_depth) for i, r in row_at.items()}, n2
        ),
        work=work,
        e_child=e_child,
        e_parent=e_parent,
        e_weight=e_weight,
        e_valid=e_valid,
        dangling=dangling,
        support_links=support_links,
        word_ptr=word_ptr,
        words=words_all,
        up_ptr=up_ptr,
        up_idx=live_parent,
        up_w=up_w,
        down_ptr=down_ptr,
        down_idx=down_idx,
        live_child=live_child,
        live_parent=live_parent,
        depends_on=depends_on,
        conflicts_with=conflicts_with,
        co_owners=co_owners,
        expresses=expresses,
        version=delta.version,
    )
    return _Change(graph, sorted(at), relinked, sorted(set(flipped)), reweighed, touched, links)


def _with(old: np.ndarray, n2: int, values: dict[int, Any], fill: Any) -> np.ndarray:
    """`old` grown to n2 entries (`fill` past its end) with these entries set: `old` itself
    where nothing changes (arrays are never written once an engine holds them)."""
    n = len(old)
    if n2 == n and all(old[i] == v for i, v in values.items()):
        return old
    out = np.concatenate([old, np.full(n2 - n, fill, dtype=old.dtype)]) if n2 > n else old.copy()
    for i, v in values.items():
        out[i] = v
    return out


def _slice(ptr: np.ndarray, data: np.ndarray, i: int, n: int) -> list[int]:
    """Node i's segment of a CSR over n nodes (empty for a node past them)."""
    return data[ptr[i] : ptr[i + 1]].tolist() if i < n else []


def _by_first(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for a, b in pairs:
        out.setdefault(a, []).append(b)
    return out


def _edges_of(g: CompactGraph, c: int) -> tuple[int, int]:
    """Where child c's SUPPORTS links lie in e_* (sorted by child)."""
    key = np.int32(c)  # of the array's own type: a Python int casts the whole array (0.2 ms)
    return int(np.searchsorted(g.e_child, key, "left")), int(
        np.searchsorted(g.e_child, key, "right")
    )


def _index(g: CompactGraph, index: dict[str, int], node_id: str) -> int | None:
    i = index.get(node_id)
    return i if i is not None and i < g.n and g.ids[i] == node_id else None


def _stored_ups(
    g: CompactGraph,
    c: int,
    lo: int,
    hi: int,
    resolved: list[LinkRow],
) -> list[LinkRow]:
    """A child's SUPPORTS links as the store holds them, in dst order: the existing parents and
    the dangling ids (some now created), the weights of the resolved ones from the store."""
    now = {link.dst: link for link in resolved if link.rel == _SUPPORTS}
    out = [
        LinkRow(g.ids[c], _SUPPORTS, g.ids[p], w, 0)
        for p, w in zip(g.e_parent[lo:hi].tolist(), g.e_weight[lo:hi].tolist(), strict=True)
    ]
    out += [now.get(d) or LinkRow(g.ids[c], _SUPPORTS, d, 1.0, 0) for d in g.dangling.get(c, [])]
    return sorted(out, key=lambda link: link.dst)


def _pairs(
    old: list[tuple[int, int]],
    links_of: dict[int, list[LinkRow]],
    resolved: dict[int, list[LinkRow]],
    rel: str,
    exists: Any,
) -> list[tuple[int, int]]:
    """(src, dst) pairs of one relation, sorted, with the written nodes' replaced and those to
    created nodes added."""
    out = old
    for c in sorted(set(links_of) | set(resolved)):
        if c in links_of:
            targets = [exists(link.dst) for link in links_of[c] if link.rel == rel]
            mine = [(c, p) for p in targets if p is not None]
        else:
            extra = [exists(link.dst) for link in resolved[c] if link.rel == rel]
            if not any(p is not None for p in extra):
                continue
            lo, hi = bisect.bisect_left(out, (c,)), bisect.bisect_left(out, (c + 1,))
            mine = sorted(set(out[lo:hi]) | {(c, p) for p in extra if p is not None})
        lo, hi = bisect.bisect_left(out, (c,)), bisect.bisect_left(out, (c + 1,))
        if out[lo:hi] != mine:
            out = out[:lo] + mine + out[hi:]
    return out


def _named(
    old: dict[int, list[str]], links_of: dict[int, list[LinkRow]], rel: str
) -> dict[int, list[str]]:
    """Per node, the ids one relation names (people, values), with the written nodes'."""
    out = old
    for c, links in links_of.items():
        names = [link.dst for link in links if link.rel == rel]
        if old.get(c, []) != names:
            if out is old:
                out = dict(old)
            if names:
                out[c] = names
            else:
                out.pop(c, None)
    return out


# -- the analyses -----------------------------------------------------------------------------
def _closure(ptr: np.ndarray, idx: np.ndarray, starts: Iterable[int], n: int) -> set[int]:
    """Every node reached from the starts (those below n) over one CSR, the starts included:
    level by level in numpy (a walk in Python took 8 ms for the 10k nodes below an archived
    objective)."""
    first = unique(np.fromiter((s for s in starts if s < n), dtype=np.int64))
    return set(_level_by_level(ptr, idx, first, n)[0].tolist())


def _up_outside(
    ptr: memoryview, idx: memoryview, untraced: _Untraced, region: set[int]
) -> set[int]:
    """The untraced nodes outside the region above its untraced nodes (over live links up)."""
    n = len(ptr) - 1
    seen: set[int] = set()
    stack = [v for v in region if v < n and untraced[v]]
    while stack:
        v = stack.pop()
        for k in range(ptr[v], ptr[v + 1]):
            p = idx[k]
            if p not in region and p not in seen and untraced[p]:
                seen.add(p)
                stack.append(p)
    return seen


def _up_outside_in_c(g: CompactGraph, untraced: np.ndarray, region: np.ndarray) -> set[int]:
    """_up_outside for a large region, `untraced` an array: level by level in numpy."""
    inside = region[region < g.n]
    starts = unique(inside[untraced[inside]])
    outside = untraced.copy()
    outside[inside] = False
    reached = _level_by_level(g.up_ptr, g.up_idx, starts, g.n, outside)[0]
    return set(reached[len(starts) :].tolist())


def _retrace(g: CompactGraph, region: set[int], depth0: np.ndarray) -> np.ndarray:
    """Depths (-1: untraced) with the region's recomputed: a BFS inside it, level by level in
    numpy, from what its live links up reach outside it (whose depths stand); a level may start
    nodes of its own, entered from outside that deep."""
    depth = np.full(g.n, -1, dtype=np.int32)
    depth[: len(depth0)] = depth0
    inside = unique(np.fromiter(region, dtype=np.int64, count=len(region)))
    depth[inside] = -1
    in_region = np.zeros(g.n, dtype=bool)
    in_region[inside] = True
    live = inside[g.active[inside]]
    never = np.iinfo(np.int32).max
    entry = np.full(g.n, never, dtype=np.int32)  # the level a node is entered at, so far
    entry[live[g.kind[live] == VISION]] = 0
    child, parent = _links_of(g.up_ptr, g.up_idx, live)
    outside = ~in_region[parent] & (depth[parent] >= 0)
    np.minimum.at(entry, child[outside], depth[parent[outside]] + 1)
    pending = live[entry[live] < never]
    for _ in range(_LEVELS):
        if not pending.size:
            break
        level = int(entry[pending].min())
        settled = pending[entry[pending] == level]
        depth[settled] = level
        _, below = _links_of(g.down_ptr, g.down_idx, settled)
        below = below[in_region[below] & (depth[below] < 0)]
        np.minimum.at(entry, below, level + 1)
        pending = unique(np.concatenate([pending[depth[pending] < 0], below]))
    else:
        _retraced_on(g, in_region, depth, entry, pending)
    return depth


def _retraced_on(
    g: CompactGraph,
    in_region: np.ndarray,
    depth: np.ndarray,
    entry: np.ndarray,
    pending: np.ndarray,
) -> None:
    """_retrace's levels from where numpy stopped, in Python: a list a level, each node
    settled once, linear however deep the region (each numpy round sorts what waits)."""
    levels: dict[int, list[int]] = {}
    for v, e in zip(pending.tolist(), entry[pending].tolist(), strict=True):
        levels.setdefault(e, []).append(v)
    d, inside = view(depth), view(in_region)
    dptr, didx = view(g.down_ptr), view(g.down_idx)
    level = min(levels, default=0)
    while levels:
        for v in levels.pop(level, []):
            if d[v] >= 0:
                continue  # settled at a lower level
            d[v] = level
            for k in range(dptr[v], dptr[v + 1]):
                c = didx[k]
                if d[c] < 0 and inside[c]:
                    levels.setdefault(level + 1, []).append(c)
        level += 1


def _region_gaps_in_c(g: CompactGraph, untraced: np.ndarray, nodes: list[int]) -> list[Gap]:
    """The gaps among these untraced nodes of the region, stranded sets walked: for a region
    too large to walk in Python. Its components by scipy over the subgraph of their live links
    renumbered to them, the stranded sets by classify.strand."""
    if not nodes:
        return []
    at = np.array(nodes, dtype=np.int64)  # sorted: local order is id order
    m = len(at)
    tail, parent = _links_of(g.up_ptr, g.up_idx, at)
    child = np.searchsorted(at, tail)  # local: `at` is sorted and holds every tail
    where = np.searchsorted(at, parent)
    inside = (where < m) & (at[np.minimum(where, m - 1)] == parent)
    ic, ip = child[inside], where[inside]
    _, label = connected_components(
        csr_matrix((np.ones(len(ic), dtype=np.int8), (ic, ip)), shape=(m, m)),
        directed=True,
        connection="strong",
    )
    comps = int(label.max()) + 1
    exits = np.zeros(comps, dtype=bool)
    exits[label[child[~inside]]] = True  # a live parent outside: untraced, so another component
    exits[label[ic[label[ic] != label[ip]]]] = True
    size = np.bincount(label, minlength=comps)
    looped = np.zeros(comps, dtype=bool)
    looped[label[ic[ic == ip]]] = True
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(comps + 1))
    out = [
        _gap(g, at[order[bounds[c] : bounds[c + 1]]].tolist(), bool(size[c] > 1 or looped[c]))
        for c in np.flatnonzero(~exits).tolist()
    ]
    strand(g, untraced, out)
    return out


def _gap(g: CompactGraph, members: list[int], cyclic: bool) -> Gap:
    """A gap of these members, as service.engine.classify describes it (stranded set empty)."""

    def inactive_of(i: int) -> list[int]:
        lo, hi = _edges_of(g, i)
        return [p for p in g.e_parent[lo:hi].tolist() if not g.active[p]]

    first = members[0]
    middle = bool(g.kind[first] == OBJECTIVE) and is_middle_management_scope(g.scope[first])
    if cyclic:
        return Gap(
            first,
            GapReason.CYCLE,
            members,
            sorted({d for m in members for d in g.dangling.get(m, ())}),
            sorted({q for m in members for q in inactive_of(m)}),
            middle,
            [],
            _own_work(g, members, cyclic),
        )
    inactive = inactive_of(first)
    if g.support_links[first] == 0:
        reason = GapReason.UNLINKED
    elif first in g.dangling:
        reason = GapReason.DANGLING_PARENT
    elif inactive:
        reason = GapReason.INACTIVE_PARENT
    else:
        reason = GapReason.LEVEL_INVERSION
    return Gap(
        first,
        reason,
        members,
        sorted(g.dangling.get(first, [])),
        sorted(inactive),
        middle,
        [],
        _own_work(g, members, cyclic),
    )


def _own_work(g: CompactGraph, members: list[int], cyclic: bool) -> float:
    """The work a gap's own members carry: what its stranded work starts from."""
    return float(sum(g.work[members].tolist())) if cyclic else float(g.work[members[0]])


def _strand(
    gap: Gap, ptr: memoryview, idx: memoryview, untraced: _Untraced | memoryview, own: memoryview
) -> Gap:
    """The gap with its stranded set walked node by node (classify.strand, for one gap)."""
    found = stranded_below(gap.members, ptr, idx, untraced)
    gap.stranded = found
    if found:
        gap.stranded_work += float(sum(own[w] for w in found))
    return gap


def _rank(gap: Gap) -> tuple[float, int, int]:
    return (-gap.stranded_work, -len(gap.stranded), gap.break_point)


def _reranked(gaps: list[Gap], removed: list[Gap], added: list[Gap]) -> list[Gap]:
    """The ranked gaps without `removed` and with `added`, each found or placed by bisection
    and the list copied once, slice by slice (deleting and inserting one at a time moved the
    whole tail of a 100k-gap list for each)."""
    at_rank = functools.partial(bisect.bisect_left, gaps, key=_rank)
    cut = sorted(at_rank(_rank(x)) for x in removed)  # a gap's rank is unique: its break point
    ranked = sorted(removed, key=_rank)
    if any(k >= len(gaps) or gaps[k] is not x for k, x in zip(cut, ranked, strict=True)):
        doomed = {id(x) for x in removed}  # not where its rank says: never seen, but be exact
        gaps, cut = [x for x in gaps if id(x) not in doomed], []
        at_rank = functools.partial(bisect.bisect_left, gaps, key=_rank)
    new = sorted(added, key=_rank)
    # at one position: the insertions first, in rank order, then the cut
    events = sorted(
        [(k, 1, 0) for k in cut] + [(at_rank(_rank(x)), 0, j) for j, x in enumerate(new)]
    )
    out: list[Gap] = []
    start = 0
    for k, is_cut, j in events:
        out += gaps[start:k]
        start = k
        if is_cut:
            start = k + 1
        else:
            out.append(new[j])
    out += gaps[start:]
    return out


@dataclass
class _Retraced:
    """The trace before and after one write, and where it may differ."""

    g0: CompactGraph
    g: CompactGraph
    region: set[int]  # at or below a written node, before or after
    traced0: np.ndarray
    traced: np.ndarray
    depth: np.ndarray
    lifted: set[int]  # at or above a node whose trace, row or links changed, before or after
    written: set[int]


# The analyses a patch makes, and those of them it sums by difference (so within rounding of
# a rebuild's): `refreshed` keeps only the others.
PATCHED = (
    "_reach",
    "gaps",
    "orphans",
    "unowned",
    "_executed",
    "unsupported",
    "_scores",
    "by_goal",
    "_line_of_sight",
    "links",
    "_columns",
)
BY_DIFFERENCE = ("_scores", "by_goal")


def patched_engine(base: Engine | None, delta: GraphDelta) -> Engine | None:
    """The engine of the state a write made: `base`, the snapshot of the state it was made on,
    patched with its delta and refreshed (every finding as a rebuild's); None where there is
    no such snapshot or only a rebuild gives it exactly."""
    after = None if base is None else patched(base, delta)
    return None if after is None else refreshed(after)


def refreshed(engine: Engine) -> Engine:
    """A patched engine with nothing stale and nothing summed by difference: what the patches
    made exactly is kept, and everything else (the CARRIED passes, the sums, whatever was
    computed from them) is computed again from its graph on first use. Every finding then
    equals a rebuilt engine's to the bit; what that costs is the whole-graph passes only
    (about a second at 1M nodes), where a rebuild reads and builds the tenant for ten."""
    kept = {
        k: engine.__dict__[k] for k in PATCHED if k not in BY_DIFFERENCE and k in engine.__dict__
    }
    return Engine.derived(engine.graph, engine, kept, carry=False)


def _patch_analyses(base: Engine, ch: _Change) -> Engine:
    g0, g = base.graph, ch.graph
    n0, n = g0.n, g.n
    # a gap's reason reads its parents' activity over every link, live or not: the touched
    # include every child of a flipped node
    seeds = set(ch.touched) | set(ch.reweighed)
    region = _closure(g0.down_ptr, g0.down_idx, seeds, n0) | _closure(
        g.down_ptr, g.down_idx, seeds, n
    )
    traced0 = base.traced
    depth = _retrace(g, region, base._reach.depth)
    traced = depth >= 0
    inside = np.fromiter(region, dtype=np.int64, count=len(region))
    old_part = inside[inside < n0]
    retraced = (
        inside[inside >= n0].tolist() + old_part[traced[old_part] != traced0[old_part]].tolist()
    )
    starts = set(retraced) | seeds | set(ch.written)
    lifted = _closure(g0.up_ptr, g0.up_idx, starts, n0) | _closure(g.up_ptr, g.up_idx, starts, n)
    rt = _Retraced(g0, g, region, traced0, traced, depth, lifted, set(ch.written))
    gaps, gap_of, orphans = _patch_gaps(base, rt)
    executed = _patch_executed(base, rt)
    overall, by_unit = _patch_scores(base, rt, set(ch.written) | set(retraced))
    analyses: dict[str, Any] = {
        "_reach": Trace(traced, depth),
        "gaps": gaps,
        "orphans": orphans,
        "unowned": _patch_unowned(base, g, ch.written),
        "_executed": executed,
        "unsupported": _patch_unsupported(base, rt, executed),
        "_scores": (overall, by_unit),
        "by_goal": _patch_by_goal(base, rt, overall.traced_work),
        "_line_of_sight": LineOfSightIndex(g, traced, depth, gaps, gap_of=gap_of),
        "links": ch.links,
    }
    if "_columns" in base.__dict__:  # the per-node values views read: the changed entries only
        kinds, was_traced, works = base._columns
        changed = sorted(set(ch.written) | set(retraced))
        analyses["_columns"] = (
            kinds.replaced({i: KINDS[int(g.kind[i])] for i in changed}, n),
            was_traced.replaced({i: bool(traced[i]) for i in changed}, n),
            works.replaced({i: float(g.work[i]) for i in changed}, n),
        )
    return Engine.derived(g, base, analyses, carry=True)


class _GapsOf(Mapping[int, Gap]):
    """Each gap member's gap: the previous version's with this write's changes laid over it,
    so a patch costs what it changed, not a copy of every member (a dict copy of the members of
    every gap is most of a patch's gap work at a million nodes). Flattened every few layers."""

    LAYERS = 8

    def __init__(self, under: Mapping[int, Gap], changes: dict[int, Gap | None], depth: int):
        self.under, self.changes, self.depth = under, changes, depth

    @classmethod
    def over(cls, under: Mapping[int, Gap], changes: dict[int, Gap | None]) -> Mapping[int, Gap]:
        depth = under.depth + 1 if isinstance(under, _GapsOf) else 1
        if depth <= cls.LAYERS:
            return cls(under, changes, depth)
        # the bottom mapping copied in C, then each layer's few changes laid on it, oldest
        # first: reading every member through the layers cost 0.2 s at a million nodes
        layers = [changes]
        while isinstance(under, _GapsOf):
            layers.append(under.changes)
            under = under.under
        flat = dict(under)
        for layer in reversed(layers):
            for m, gap in layer.items():
                if gap is None:
                    flat.pop(m, None)
                else:
                    flat[m] = gap
        return flat

    def __getitem__(self, member: int) -> Gap:
        gap: Gap | None = self.get(member)
        if gap is None:
            raise KeyError(member)
        return gap

    def get(self, member: int, default: Any = None) -> Any:
        # down the layers in a loop: Mapping.get's KeyError through each layer's __getitem__
        # made the 10k lookups of an archived region cost 17 ms
        layer: Mapping[int, Gap] = self
        while type(layer) is _GapsOf:  # not isinstance: a Mapping's ABC check costs more
            changes = layer.changes
            if member in changes:
                gap = changes[member]
                return default if gap is None else gap
            layer = layer.under
        return layer.get(member, default)

    def __iter__(self) -> Iterator[int]:
        yield from (m for m, gap in self.changes.items() if gap is not None)
        yield from (m for m in self.under if m not in self.changes)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _patch_gaps(base: Engine, rt: _Retraced) -> tuple[list[Gap], Mapping[int, Gap], list[int]]:
    """Gaps inside the region found anew, those above it re-walked; ranked; and orphans."""
    g0, g, region = rt.g0, rt.g, rt.region
    big = len(region) > _BIG
    up_ptr, up_idx = view(g.up_ptr), view(g.up_idx)
    gap_of0 = base._line_of_sight.gap_of
    # a gap's members are untraced: most of an archived region was traced, and asks nothing
    traced0 = view(rt.traced0)
    dropped = {
        id(x): x
        for v in region
        if v < g0.n and not traced0[v] and (x := gap_of0.get(v)) is not None
    }
    if big:  # flags read from arrays: three passes over all nodes cost less than the questions
        unt = g.active & ~rt.traced & (g.kind != VISION)
        unt0 = g0.active & ~rt.traced0 & (g0.kind != VISION)
        inside = np.fromiter(region, dtype=np.int64, count=len(region))
        above = _up_outside_in_c(g0, unt0, inside) | _up_outside_in_c(g, unt, inside)
        untraced: _Untraced | memoryview = view(unt)
    else:
        untraced = _Untraced(g, rt.traced)
        above = _up_outside(view(g0.up_ptr), view(g0.up_idx), _Untraced(g0, rt.traced0), region)
        above |= _up_outside(up_ptr, up_idx, untraced, region)
    rewalked = {id(x): x for w in above if (x := gap_of0.get(w)) is not None}
    candidates = [v for v in sorted(region) if untraced[v]]
    own, dptr, didx = view(g.work), view(g.down_ptr), view(g.down_idx)
    if big:  # in C: the components of the region's subgraph, one walk for all their gaps
        added = _region_gaps_in_c(g, unt, candidates)
    else:
        added = [
            _strand(_gap(g, members, cyclic), dptr, didx, untraced, own)
            for members, cyclic in source_components(candidates, up_ptr, up_idx, region)
        ]
    # a gap above the region: only its stranded set can have changed, walked from scratch
    again = [
        replace(x, stranded=[], stranded_work=_own_work(g, x.members, x.reason is GapReason.CYCLE))
        for x in rewalked.values()
    ]
    if big:
        strand(g, unt, again)
    else:
        again = [_strand(x, dptr, didx, untraced, own) for x in again]
    added += again
    removed = [*dropped.values(), *rewalked.values()]
    gaps = _reranked(base.gaps, removed, added)
    moved: dict[int, Gap | None] = {m: None for x in removed for m in x.members}
    moved.update((m, x) for x in added for m in x.members)
    gap_of = _GapsOf.over(gap_of0, moved)
    orphans = list(base.orphans)
    for x in removed:
        if x.reason is GapReason.UNLINKED:
            at = bisect.bisect_left(orphans, x.break_point)
            if at < len(orphans) and orphans[at] == x.break_point:
                del orphans[at]
    for x in added:
        if x.reason is GapReason.UNLINKED:
            bisect.insort(orphans, x.break_point)
    return gaps, gap_of, orphans


class _Untraced:
    """Whether a node is active, untraced and no vision, asked node by node: a patch asks it of
    the few nodes it walks, where an array of the answer would cost three passes over all."""

    def __init__(self, g: CompactGraph, traced: np.ndarray) -> None:
        self.active, self.traced, self.kind = view(g.active), view(traced), view(g.kind)

    def __getitem__(self, v: int) -> bool:
        return bool(self.active[v] and not self.traced[v] and self.kind[v] != VISION)


def _patch_unowned(base: Engine, g: CompactGraph, written: list[int]) -> np.ndarray:
    """The unowned (a sorted array) with the written nodes' membership decided again."""
    old = base.unowned
    at = np.searchsorted(old, np.array(written, dtype=old.dtype)).tolist()
    was = [k < len(old) and int(old[k]) == i for k, i in zip(at, written, strict=True)]
    now = [bool(g.active[i]) and g.owner[i] is None for i in written]
    drop = [k for k, w, x in zip(at, was, now, strict=True) if w and not x]
    add = [i for i, w, x in zip(written, was, now, strict=True) if x and not w]
    if not drop and not add:
        return old
    out = np.delete(old, drop) if drop else old
    return np.insert(out, np.searchsorted(out, add), add) if add else out


def _patch_unsupported(base: Engine, rt: _Retraced, executed: np.ndarray) -> list[int]:
    """Traced strategy nothing executes, decided again where the write reaches (`lifted`)."""
    tr, ex, kind = view(rt.traced), view(executed), view(rt.g.kind)
    old = base.unsupported
    found = set(old)
    changed = False
    for v in rt.lifted:
        now = bool(tr[v] and kind[v] in _STRATEGY and not ex[v])
        if now != (v in found):
            changed = True
            if now:
                found.add(v)
            else:
                found.discard(v)
    return sorted(found) if changed else old


def _patch_executed(base: Engine, rt: _Retraced) -> np.ndarray:
    """Whether a traced initiative lies at or below each node: decided again where the write
    can have changed it (`lifted`), from the children outside it, whose answer stands: those
    that are traced initiatives or have an executed child outside, and what lies above them
    inside it."""
    g = rt.g
    executed = np.zeros(g.n, dtype=bool)
    executed[: rt.g0.n] = base._executed
    at = np.fromiter(rt.lifted, dtype=np.int64, count=len(rt.lifted))
    executed[at] = False
    inside = np.zeros(g.n, dtype=bool)
    inside[at] = True
    tail, child = _links_of(g.down_ptr, g.down_idx, at)
    own = at[rt.traced[at] & (g.kind[at] == INITIATIVE)]
    seeds = unique(np.concatenate([own, tail[~inside[child] & executed[child]]]))
    executed[_level_by_level(g.up_ptr, g.up_idx, seeds, g.n, inside)[0]] = True
    return executed


# Sums patched by difference keep a residue of rounding (0.1 + 0.2 - 0.1 - 0.2 = 2.8e-17):
# within this much of the organisation's total work, a sum is the 0 it would be rebuilt as,
# so that a unit with no work left scores None, not 1.0.
_EPS = 1e-12


def _settled(x: float, eps: float) -> float:
    return 0.0 if abs(x) <= eps else x


def _score(work: float, traced: float, eps: float) -> coverage.Score:
    work, traced = _settled(work, eps), _settled(traced, eps)
    return coverage.Score(work, min(traced, work))


def _patch_scores(
    base: Engine, rt: _Retraced, changed: set[int]
) -> tuple[coverage.Score, dict[str, coverage.Score]]:
    """The work and traced work overall and of each unit, moved by what the changed initiatives
    add and take, each unit's rolled up the unit tree. Summed by difference, so within
    rounding of a rebuild's sums."""
    at = unique(np.fromiter(changed, dtype=np.int64, count=len(changed)))
    units_n = len(rt.g.unit_ids)
    overall = [base.overall.work, base.overall.traced_work]
    by_code = np.zeros((2, units_n + 1))  # work and traced work moved, per unit code + 1
    for graph, traced, sign in ((rt.g0, rt.traced0, -1.0), (rt.g, rt.traced, 1.0)):
        v = at[at < graph.n]
        v = v[graph.active[v] & (graph.kind[v] == INITIATIVE)]
        w = graph.work[v]
        t = np.where(traced[v], w, 0.0)
        overall[0] += sign * float(w.sum())
        overall[1] += sign * float(t.sum())
        codes = graph.unit_code[v].astype(np.int64) + 1  # 0: no unit
        by_code[0] += sign * np.bincount(codes, weights=w, minlength=units_n + 1)
        by_code[1] += sign * np.bincount(codes, weights=t, minlength=units_n + 1)
    eps = _EPS * (1.0 + base.overall.work)
    moves = {
        rt.g.unit_ids[c - 1]: (float(by_code[0, c]), float(by_code[1, c]))
        for c in np.flatnonzero((by_code[0] != 0) | (by_code[1] != 0)).tolist()
        if c > 0
    }
    # each unit's moves with its descendants', summed first, then one score a unit
    rolled: dict[str, list[float]] = {}
    for u, (dw, dt) in moves.items():
        if dw == 0.0 and dt == 0.0:
            continue
        seen: set[str] = set()
        unit: str | None = u
        while unit is not None and unit not in seen:  # up the unit tree (a ring: once round)
            seen.add(unit)
            acc = rolled.setdefault(unit, [0.0, 0.0])
            acc[0] += dw
            acc[1] += dt
            unit = rt.g.unit_parent.get(unit)
    by_unit = dict(base.by_unit)
    for unit, (dw, dt) in rolled.items():
        s = by_unit[unit]
        by_unit[unit] = _score(s.work + dw, s.traced_work + dt, eps)
    return _score(overall[0], overall[1], eps), by_unit


def _links_of(ptr: np.ndarray, idx: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every link of these nodes over one CSR, as (node, other end) arrays."""
    lo = ptr[nodes].astype(np.int64)
    counts = ptr[nodes + 1] - lo
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    head = idx[np.repeat(lo - (ends - counts), counts) + np.arange(total)].astype(np.int64)
    return np.repeat(nodes, counts), head


# Levels walked in numpy before the rest of a walk goes on in Python: a level costs numpy a few
# calls however few nodes it holds, so a chain thousands deep (careless data) would cost that
# many rounds; real cascades are a dozen levels deep at most.
_LEVELS = 48


def _level_by_level(
    ptr: np.ndarray, idx: np.ndarray, starts: np.ndarray, n: int, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breadth first over one CSR from `starts` (unique, below n), in numpy a level at a time,
    following only links to nodes where `keep` holds (all where None): every node reached,
    starts first, and each link followed as (from, to). Past _LEVELS levels, the rest is one
    walk in Python: linear however deep."""
    seen = np.zeros(n, dtype=bool)
    seen[starts] = True
    found, tails, heads = [starts], [], []
    frontier = starts
    for _ in range(_LEVELS):
        if not frontier.size:
            break
        tail, head = _links_of(ptr, idx, frontier)
        if keep is not None:
            kept = keep[head]
            head, tail = head[kept], tail[kept]
        tails.append(tail)
        heads.append(head)
        frontier = unique(head[~seen[head]])
        seen[frontier] = True
        found.append(frontier)
    else:
        rest = _walked_on(view(ptr), view(idx), frontier.tolist(), view(seen), keep)
        found.append(np.array(rest[0], dtype=np.int64))
        tails.append(np.array(rest[1], dtype=np.int64))
        heads.append(np.array(rest[2], dtype=np.int64))
    empty = np.zeros(0, dtype=np.int64)
    return (
        np.concatenate(found),
        np.concatenate(tails) if tails else empty,
        np.concatenate(heads) if heads else empty,
    )


def _walked_on(
    ptr: memoryview, idx: memoryview, stack: list[int], seen: memoryview, keep: np.ndarray | None
) -> tuple[list[int], list[int], list[int]]:
    """_level_by_level's walk from where its levels stopped (`stack`, already seen): the nodes
    reached, and the links followed from every node expanded."""
    ok = view(keep) if keep is not None else None
    found: list[int] = []
    tails: list[int] = []
    heads: list[int] = []
    while stack:
        v = stack.pop()
        for k in range(ptr[v], ptr[v + 1]):
            w = idx[k]
            if ok is not None and not ok[w]:
                continue
            tails.append(v)
            heads.append(w)
            if not seen[w]:
                seen[w] = True
                found.append(w)
                stack.append(w)
    return found, tails, heads


def _goals_moved(
    g: CompactGraph, traced: np.ndarray, nodes: np.ndarray, sign: float, moved: dict[int, float]
) -> None:
    """Add `sign` times each node's work to every traced goal at or above it over live links,
    once per goal however many paths lead there (only traced nodes lie below a traced goal).
    The goals' sets climb down the nodes' traced ancestry as bitmasks, repeated until nothing
    changes (a traced cycle included); then each goal's share is one product."""
    if not nodes.size:
        return
    at = nodes
    reached, child, parent = _level_by_level(g.up_ptr, g.up_idx, at, g.n, traced)
    order = np.sort(reached)
    goals = order[g.kind[order] == GOAL]
    if not goals.size:
        return
    words = (len(goals) + 63) // 64
    mask = np.zeros((len(order), words), dtype="<u8")
    bit = np.arange(len(goals))
    mask[np.searchsorted(order, goals), bit // 64] = np.left_shift(1, bit % 64).astype("<u8")
    c, p = np.searchsorted(order, child), np.searchsorted(order, parent)
    for _ in range(_LEVELS):  # a round per level of the ancestry
        was = mask.copy()
        np.bitwise_or.at(mask, c, mask[p])
        if np.array_equal(mask, was):
            break
    else:  # deeper than real cascades: settled node by node, linear in the links
        _settle(mask, c.tolist(), p.tolist())
    mine, work = mask[np.searchsorted(order, at)], g.work[at]
    step = max(1, (1 << 21) // (64 * words))  # bits as floats: at most 16 MB a step
    for lo in range(0, len(at), step):
        bits = np.unpackbits(mine[lo : lo + step].view(np.uint8), axis=1, bitorder="little")
        shares = work[lo : lo + step] @ bits[:, : len(goals)]
        for goal, w in zip(goals.tolist(), shares.tolist(), strict=True):
            if w:
                moved[goal] = moved.get(goal, 0.0) + sign * w


def _settle(mask: np.ndarray, child: list[int], parent: list[int]) -> None:
    """Carry each row's bits to its children (`child[k]` below `parent[k]`) until nothing
    changes, as Python integers: a node is looked at again only when its bits grew."""
    rows = [int.from_bytes(r.tobytes(), "little") for r in mask]
    below: dict[int, list[int]] = {}
    for c, p in zip(child, parent, strict=True):
        below.setdefault(p, []).append(c)
    todo = list(below)
    while todo:
        v = todo.pop()
        for c in below.get(v, ()):
            grown = rows[c] | rows[v]
            if grown != rows[c]:
                rows[c] = grown
                todo.append(c)
    width = mask.shape[1] * 8
    for i, r in enumerate(rows):
        mask[i] = np.frombuffer(r.to_bytes(width, "little"), dtype="<u8")


def _patch_by_goal(
    base: Engine, rt: _Retraced, total: float
) -> list[tuple[int, float, float | None]]:
    """Each goal's traced work moved by what the changed initiatives add and take: those at or
    below a written node, the only ones whose goals, trace or work can have changed. Summed by
    difference (within rounding of a rebuild's)."""
    g0, g, traced = rt.g0, rt.g, rt.traced
    before = {goal: w for goal, w, _ in base.by_goal}
    changed = unique(np.fromiter(rt.region | rt.written, dtype=np.int64))
    old = changed[changed < g0.n]
    was = old[rt.traced0[old] & (g0.kind[old] == INITIATIVE)]
    now = changed[traced[changed] & (g.kind[changed] == INITIATIVE)]
    is_goal = traced[changed] & (g.kind[changed] == GOAL)
    # changed only where the write reaches
    traced_goals = (set(before) - set(changed[~is_goal].tolist())) | set(changed[is_goal].tolist())
    moved: dict[int, float] = {}
    _goals_moved(g0, rt.traced0, was, -1.0, moved)
    _goals_moved(g, traced, now, 1.0, moved)
    out: list[tuple[int, float, float | None]] = []
    for goal in sorted(traced_goals):
        work = _settled(before.get(goal, 0.0) + moved.get(goal, 0.0), _EPS * (1.0 + total))
        out.append((goal, work, (work / total) if total > 0 else None))
    return out
