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
previous version's values and are listed in `Engine.stale` until the engine cache's background
rebuild from the store replaces the engine.

A delta it cannot apply exactly gives None, and the cache rebuilds as it always did: one that
creates a node whose id does not sort after every existing id (indices are in id order, and
renumbering a million nodes is a rebuild), or one that names a unit the graph does not know.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from graph_schema import Rel
from graph_schema.rows import CO_OWNS, GraphDelta, LinkRow
from service.engine import coverage
from service.engine.arrays import view
from service.engine.classify import Trace
from service.engine.engine import Engine
from service.engine.graph import (
    GOAL,
    INITIATIVE,
    KIND_CODE,
    OBJECTIVE,
    VALID_SUPPORT,
    VISION,
    CompactGraph,
    is_active,
    is_middle_management_scope,
    objective_scope,
)
from service.engine.line_of_sight import LineOfSightIndex
from service.engine.results import Gap, GapReason
from service.gcpause import gc_paused

__all__ = ["patched"]

_SUPPORTS = Rel.SUPPORTS.value
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
            change = _patch_graph(base.graph, delta)
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


def _segments(
    arrays: Sequence[np.ndarray], cuts: Iterable[tuple[int, int, Sequence[np.ndarray]]]
) -> list[np.ndarray]:
    """Each array with its [lo, hi) ranges replaced by the given pieces (ranges sorted and
    disjoint, one piece per array): a splice in one copy, whatever the number of ranges."""
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


def _ptr(lengths: np.ndarray) -> np.ndarray:
    ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    return ptr


def _resegment(
    ptr: np.ndarray, data: np.ndarray, n2: int, new: dict[int, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """A CSR over n2 >= n nodes with node i's segment replaced by new[i] (the rest as they were;
    nodes past the old n empty unless given)."""
    n = len(ptr) - 1
    lengths = np.zeros(n2, dtype=np.int64)
    lengths[:n] = np.diff(ptr)
    end = len(data)
    cuts = []
    for i in sorted(new):
        lo, hi = (int(ptr[i]), int(ptr[i + 1])) if i < n else (end, end)
        cuts.append((lo, hi, [new[i]]))
        lengths[i] = len(new[i])
    (spliced,) = _segments([data], cuts)
    return _ptr(lengths), spliced


def _patch_graph(g: CompactGraph, delta: GraphDelta) -> _Change:
    n, rows = g.n, delta.nodes
    fresh = [r.id for r in rows if _index(g, r.id) is None]
    if fresh and n and fresh[0] <= g.ids[-1]:
        raise _Unpatchable  # a new id inside the order: every later index would move
    known_units = set(g.unit_ids)
    if any(r.unit is not None and r.unit not in known_units for r in rows):
        raise _Unpatchable  # a new unit renumbers the unit codes
    n2 = n + len(fresh)
    for k, node_id in enumerate(fresh):  # shared with `g` (see Engine.find_index)
        g.index[node_id] = n + k
    at = [g.index[r.id] for r in rows]
    ids = g.ids.replaced({n + k: node_id for k, node_id in enumerate(fresh)}, n2)
    index = g.index

    def exists(node_id: str) -> int | None:
        i = index.get(node_id)
        return i if i is not None and i < n2 and ids[i] == node_id else None

    # -- per-node columns
    kind = np.concatenate([g.kind, np.zeros(n2 - n, dtype=np.int8)])
    active = np.concatenate([g.active, np.zeros(n2 - n, dtype=bool)])
    work = np.concatenate([g.work, np.zeros(n2 - n)])
    unit_code = np.concatenate([g.unit_code, np.full(n2 - n, -1, dtype=np.int32)])
    support_links = np.concatenate([g.support_links, np.zeros(n2 - n, dtype=np.int32)])
    flipped: list[int] = []
    reweighed: list[int] = []  # a gap reads the work and scope of its members and stranded
    for i, r in zip(at, rows, strict=True):
        k, live = KIND_CODE[r.kind], is_active(r, g.period)
        if i >= n or kind[i] != k or active[i] != live:
            flipped.append(i)
        kind[i], active[i] = k, live
        effort = r.effort if r.effort is not None else 1.0
        w = effort if k == INITIATIVE else 0.0
        if i < n and (work[i] != w or g.scope[i] != objective_scope(r, g.unit_depth)):
            reweighed.append(i)
        work[i] = w
        unit_code[i] = -1 if r.unit is None else bisect.bisect_left(g.unit_ids, r.unit)
    links_of = dict(zip(at, delta.links, strict=True))
    for i, links in links_of.items():
        support_links[i] = sum(1 for link in links if link.rel == _SUPPORTS)

    # -- SUPPORTS links: e_* stay sorted by (child, parent), as a store reads them
    resolved: dict[int, list[LinkRow]] = {}  # a child not written whose dangling parent now is
    for link in delta.incoming:
        c = exists(link.src)
        if c is not None:
            resolved.setdefault(c, []).append(link)
    relinked: list[int] = []  # only those whose links up did change
    dangling = g.dangling
    new_dangling: dict[int, list[str]] = {}
    cuts: list[tuple[int, int, list[np.ndarray]]] = []
    for c in sorted(set(at) | set(resolved)):
        lo, hi = _edges_of(g, c) if c < n else (len(g.e_child), len(g.e_child))
        if c in links_of:
            ups = [link for link in links_of[c] if link.rel == _SUPPORTS]
        else:  # its own links stand; the parents this write created now exist
            ups = _stored_ups(g, c, lo, hi, resolved[c], exists)
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
    e_child, e_parent, e_weight = _segments([g.e_child, g.e_parent, g.e_weight], cuts)
    if any(i < n and g.kind[i] != kind[i] for i in flipped):
        e_valid = VALID_SUPPORT[kind[e_child], kind[e_parent]]  # a kind changed: every level
    else:
        e_valid = _segments(
            [g.e_valid],
            [(lo, hi, [VALID_SUPPORT[kind[new[0]], kind[new[1]]]]) for lo, hi, new in cuts],
        )[0]
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
    lengths = np.diff(g.word_ptr)
    new_words: dict[int, np.ndarray] = {}
    for i, blob in zip(at, delta.fingerprints, strict=True):
        words = np.frombuffer(blob, dtype="<u4").astype(np.uint32)
        if (
            i >= n
            or lengths[i] != len(words)
            or not np.array_equal(g.words[g.word_ptr[i] : g.word_ptr[i + 1]], words)
        ):
            new_words[i] = words
    word_ptr, words_all = (
        _resegment(g.word_ptr, g.words, n2, new_words) if new_words else (g.word_ptr, g.words)
    )

    # -- live links (valid, both ends active) and their CSR both ways
    live = e_valid & active[e_child] & active[e_parent]
    live_child, live_parent = e_child[live], e_parent[live]
    up_ptr = _ptr(np.bincount(live_child, minlength=n2))
    # the parents whose live children changed: of a relinked child's old and new live links,
    # and every flipped node (its children's links went live or dead with it)
    changed: set[int] = set(flipped)
    for c in sorted(set(relinked) | set(flipped)):
        if c < n:
            changed.update(g.up_idx[g.up_ptr[c] : g.up_ptr[c + 1]].tolist())
        changed.update(live_parent[up_ptr[c] : up_ptr[c + 1]].tolist())
    mark = np.zeros(n2, dtype=bool)
    mark[list(changed)] = True
    picked = np.flatnonzero(mark[live_parent])
    by_parent = np.argsort(live_parent[picked], kind="stable")
    kids_p, kids_c = live_parent[picked][by_parent], live_child[picked][by_parent]
    bounds = [*np.searchsorted(kids_p, sorted(changed), "left").tolist(), len(kids_p)]
    new_down = {p: kids_c[bounds[k] : bounds[k + 1]] for k, p in enumerate(sorted(changed))}
    down_ptr, down_idx = _resegment(g.down_ptr, g.down_idx, n2, new_down)

    row_at = dict(zip(at, rows, strict=True))
    graph = CompactGraph(
        n=n2,
        ids=ids,
        index=index,
        kind=kind,
        active=active,
        titles=g.titles.replaced({i: r.title for i, r in row_at.items()}, n2),
        owner=g.owner.replaced({i: r.owner for i, r in row_at.items()}, n2),
        unit=g.unit.replaced({i: r.unit for i, r in row_at.items()}, n2),
        rows=g.rows.replaced(row_at, n2),
        unit_code=unit_code,
        unit_ids=g.unit_ids,
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
        up_w=e_weight[live],
        down_ptr=down_ptr,
        down_idx=down_idx,
        live_child=live_child,
        live_parent=live_parent,
        depends_on=depends_on,
        conflicts_with=conflicts_with,
        co_owners=co_owners,
        expresses=expresses,
        unit_parent=g.unit_parent,
        unit_depth=g.unit_depth,
        unit_names=g.unit_names,
        person_unit=g.person_unit,
        version=delta.version,
        period=g.period,
    )
    return _Change(graph, sorted(at), relinked, sorted(set(flipped)), reweighed)


def _edges_of(g: CompactGraph, c: int) -> tuple[int, int]:
    """Where child c's SUPPORTS links lie in e_* (sorted by child)."""
    key = np.int32(c)  # of the array's own type: a Python int casts the whole array (0.2 ms)
    return int(np.searchsorted(g.e_child, key, "left")), int(
        np.searchsorted(g.e_child, key, "right")
    )


def _index(g: CompactGraph, node_id: str) -> int | None:
    i = g.index.get(node_id)
    return i if i is not None and i < g.n and g.ids[i] == node_id else None


def _stored_ups(
    g: CompactGraph,
    c: int,
    lo: int,
    hi: int,
    resolved: list[LinkRow],
    exists: Any,
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
def _closure(ptr: memoryview, idx: memoryview, starts: Iterable[int], n: int) -> set[int]:
    """Every node reached from the starts (those below n) over one CSR, the starts included."""
    seen = {s for s in starts if s < n}
    stack = list(seen)
    while stack:
        v = stack.pop()
        for k in range(ptr[v], ptr[v + 1]):
            w = idx[k]
            if w not in seen:
                seen.add(w)
                stack.append(w)
    return seen


def _up_outside(
    ptr: memoryview, idx: memoryview, untraced: memoryview, region: set[int], n: int
) -> set[int]:
    """The untraced nodes outside the region above its untraced nodes (over live links up)."""
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


def _retrace(g: CompactGraph, region: set[int], depth0: np.ndarray) -> np.ndarray:
    """Depths (-1: untraced) with the region's recomputed: a BFS inside it, level by level,
    from what its live links up reach outside it (whose depths stand)."""
    depth = np.full(g.n, -1, dtype=np.int32)
    depth[: len(depth0)] = depth0
    inside = sorted(region)
    depth[inside] = -1
    d, ptr, idx = view(depth), view(g.up_ptr), view(g.up_idx)
    active, kind = view(g.active), view(g.kind)
    levels: dict[int, list[int]] = {}
    for v in inside:
        if not active[v]:
            continue
        best = 0 if kind[v] == VISION else -1
        if best < 0:
            for k in range(ptr[v], ptr[v + 1]):
                p = idx[k]
                if p not in region and d[p] >= 0 and (best < 0 or d[p] + 1 < best):
                    best = d[p] + 1
        if best >= 0:
            levels.setdefault(best, []).append(v)
    dptr, didx = view(g.down_ptr), view(g.down_idx)
    level = min(levels, default=0)
    while levels:
        for v in levels.pop(level, []):
            if d[v] >= 0:
                continue  # settled at a lower level
            d[v] = level
            for k in range(dptr[v], dptr[v + 1]):
                c = didx[k]
                if d[c] < 0 and c in region:
                    levels.setdefault(level + 1, []).append(c)
        level += 1
    return depth


def _source_components(
    nodes: list[int], ptr: memoryview, idx: memoryview, region: set[int]
) -> list[tuple[list[int], bool]]:
    """The strongly connected components of these untraced nodes (over live links up) that no
    link leaves, each as (members in id order, cyclic): the gaps among them. Iterative Tarjan;
    every live parent of an untraced node is untraced, so one in the region is in `nodes`."""
    number: dict[int, int] = {}
    low: dict[int, int] = {}
    comp_of: dict[int, int] = {}
    comps: list[list[int]] = []
    stack: list[int] = []
    on_stack: set[int] = set()
    for root in nodes:
        if root in number:
            continue
        number[root] = low[root] = len(number)
        stack.append(root)
        on_stack.add(root)
        work = [(root, int(ptr[root]))]
        while work:
            v, k = work[-1]
            if k < ptr[v + 1]:
                work[-1] = (v, k + 1)
                w = idx[k]
                if w not in region:
                    continue
                if w not in number:
                    number[w] = low[w] = len(number)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, int(ptr[w])))
                elif w in on_stack:
                    low[v] = min(low[v], number[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == number[v]:
                comp: list[int] = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp_of[x] = len(comps)
                    comp.append(x)
                    if x == v:
                        break
                comps.append(comp)
    out: list[tuple[list[int], bool]] = []
    for cid, comp in enumerate(comps):
        parents = [idx[k] for v in comp for k in range(ptr[v], ptr[v + 1])]
        if all(comp_of.get(p) == cid for p in parents):
            cyclic = len(comp) > 1 or any(
                idx[k] == v for v in comp for k in range(ptr[v], ptr[v + 1])
            )
            out.append((sorted(comp), cyclic))
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
            float(sum(g.work[members].tolist())),
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
        float(g.work[first]),
    )


def _strand(
    gap: Gap, ptr: memoryview, idx: memoryview, untraced: memoryview, own: memoryview
) -> Gap:
    """The gap with its stranded set walked (classify._strand, for one gap)."""
    seen = set(gap.members)
    stack = list(gap.members)
    found: list[int] = []
    while stack:
        v = stack.pop()
        for k in range(ptr[v], ptr[v + 1]):
            w = idx[k]
            if untraced[w] and w not in seen:
                seen.add(w)
                found.append(w)
                stack.append(w)
    found.sort()
    gap.stranded = found
    if found:
        gap.stranded_work += float(sum(own[w] for w in found))
    return gap


def _rank(gap: Gap) -> tuple[float, int, int]:
    return (-gap.stranded_work, -len(gap.stranded), gap.break_point)


def _reranked(gaps: list[Gap], removed: list[Gap], added: list[Gap]) -> list[Gap]:
    """The ranked gaps without `removed` and with `added`, each in its place by bisection."""
    out = list(gaps)
    if len(removed) > 64:  # one filtering pass beats many deletions from the middle
        doomed = {id(x) for x in removed}
        out = [x for x in out if id(x) not in doomed]
    else:
        for x in removed:
            at = bisect.bisect_left(out, _rank(x), key=_rank)
            if at < len(out) and out[at] is x:
                del out[at]
    for x in added:
        bisect.insort(out, x, key=_rank)
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


def _patch_analyses(base: Engine, ch: _Change) -> Engine:
    g0, g = base.graph, ch.graph
    n0, n = g0.n, g.n
    seeds = set(ch.relinked) | set(ch.flipped) | set(ch.reweighed)
    if ch.flipped:  # a gap's reason reads its parents' activity over every link, live or not
        mark = np.zeros(n, dtype=bool)
        mark[ch.flipped] = True
        seeds.update(g.e_child[mark[g.e_parent]].tolist())
    region = _closure(view(g0.down_ptr), view(g0.down_idx), seeds, n0) | _closure(
        view(g.down_ptr), view(g.down_idx), seeds, n
    )
    traced0 = base.traced
    depth = _retrace(g, region, base._reach.depth)
    traced = depth >= 0
    retraced = [v for v in region if v >= n0 or traced[v] != traced0[v]]
    starts = set(retraced) | seeds | set(ch.written)
    lifted = _closure(view(g0.up_ptr), view(g0.up_idx), starts, n0) | _closure(
        view(g.up_ptr), view(g.up_idx), starts, n
    )
    rt = _Retraced(g0, g, region, traced0, traced, depth, lifted, set(ch.written))
    gaps, gap_of, orphans = _patch_gaps(base, rt)
    executed = _patch_executed(base, rt)
    live_init = np.flatnonzero(g.active & (g.kind == INITIATIVE))
    overall = coverage.Score(  # in full: one vectorised sum, exactly a rebuild's
        float(g.work[live_init].sum()), float(g.work[live_init[traced[live_init]]].sum())
    )
    analyses: dict[str, Any] = {
        "_reach": Trace(traced, depth),
        "gaps": gaps,
        "orphans": orphans,
        "unowned": _patch_unowned(base, g, ch.written),
        "_executed": executed,
        "unsupported": coverage.unsupported(g, traced, executed).tolist(),
        "_scores": (overall, _patch_unit_scores(base, rt, set(ch.written) | set(retraced))),
        "by_goal": _patch_by_goal(base, rt),
        "_line_of_sight": LineOfSightIndex(g, traced, depth, gaps, gap_of=gap_of),
    }
    return Engine.derived(g, base, analyses)


def _patch_gaps(base: Engine, rt: _Retraced) -> tuple[list[Gap], dict[int, Gap], list[int]]:
    """Gaps inside the region found anew, those above it re-walked; ranked; and orphans."""
    g0, g, region = rt.g0, rt.g, rt.region
    untraced = view(g.active & ~rt.traced & (g.kind != VISION))
    untraced0 = view(g0.active & ~rt.traced0 & (g0.kind != VISION))
    up_ptr, up_idx = view(g.up_ptr), view(g.up_idx)
    gap_of0 = base._line_of_sight.gap_of
    dropped = {id(x): x for v in region if v < g0.n and (x := gap_of0.get(v)) is not None}
    above = _up_outside(view(g0.up_ptr), view(g0.up_idx), untraced0, region, g0.n)
    above |= _up_outside(up_ptr, up_idx, untraced, region, g.n)
    rewalked = {id(x): x for w in above if (x := gap_of0.get(w)) is not None}
    candidates = [v for v in sorted(region) if untraced[v]]
    own, dptr, didx = view(g.work), view(g.down_ptr), view(g.down_idx)
    added = [
        _strand(_gap(g, members, cyclic), dptr, didx, untraced, own)
        for members, cyclic in _source_components(candidates, up_ptr, up_idx, region)
    ]
    for x in rewalked.values():  # only its stranded set can have changed: walked from scratch
        work = _gap(g, x.members, x.reason is GapReason.CYCLE).stranded_work
        added.append(
            _strand(replace(x, stranded=[], stranded_work=work), dptr, didx, untraced, own)
        )
    removed = [*dropped.values(), *rewalked.values()]
    gaps = _reranked(base.gaps, removed, added)
    gap_of = dict(gap_of0)
    for x in removed:
        for m in x.members:
            gap_of.pop(m, None)
    for x in added:
        for m in x.members:
            gap_of[m] = x
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


def _patch_unowned(base: Engine, g: CompactGraph, written: list[int]) -> np.ndarray:
    mark = np.zeros(g.n, dtype=bool)
    mark[base.unowned] = True
    for i in written:
        mark[i] = bool(g.active[i]) and g.owner[i] is None
    return np.flatnonzero(mark)


def _patch_executed(base: Engine, rt: _Retraced) -> np.ndarray:
    """Whether a traced initiative lies at or below each node: decided again where the write
    can have changed it (`lifted`), from the children outside it, whose answer stands."""
    g, lifted = rt.g, rt.lifted
    executed = np.zeros(g.n, dtype=bool)
    executed[: rt.g0.n] = base._executed
    ex, tr, kind = view(executed), view(rt.traced), view(g.kind)
    dptr, didx, up_ptr, up_idx = view(g.down_ptr), view(g.down_idx), view(g.up_ptr), view(g.up_idx)
    for v in lifted:
        ex[v] = False
    queue = []
    for v in lifted:
        if (tr[v] and kind[v] == INITIATIVE) or any(
            ex[c] for k in range(dptr[v], dptr[v + 1]) if (c := didx[k]) not in lifted
        ):
            ex[v] = True
            queue.append(v)
    while queue:
        v = queue.pop()
        for k in range(up_ptr[v], up_ptr[v + 1]):
            p = up_idx[k]
            if p in lifted and not ex[p]:
                ex[p] = True
                queue.append(p)
    return executed


def _patch_unit_scores(base: Engine, rt: _Retraced, changed: set[int]) -> dict[str, coverage.Score]:
    """Each unit's figures moved by what its changed initiatives add and take, rolled up the
    unit tree. Summed by difference, so within rounding of a rebuild's (the overall score and
    by goal are summed in full, and equal a rebuild's exactly)."""
    moves: dict[str, list[float]] = {}
    for v in changed:
        for graph, traced, sign in ((rt.g0, rt.traced0, -1.0), (rt.g, rt.traced, 1.0)):
            if v < graph.n and graph.active[v] and graph.kind[v] == INITIATIVE:
                code = int(graph.unit_code[v])
                if code >= 0:
                    w = float(graph.work[v])
                    acc = moves.setdefault(graph.unit_ids[code], [0.0, 0.0])
                    acc[0] += sign * w
                    acc[1] += sign * w if traced[v] else 0.0
    by_unit = dict(base.by_unit)
    for u, (dw, dt) in moves.items():
        if dw == 0.0 and dt == 0.0:
            continue
        seen: set[str] = set()
        unit: str | None = u
        while unit is not None and unit not in seen:  # up the unit tree (a ring: once round)
            seen.add(unit)
            s = by_unit[unit]
            by_unit[unit] = coverage.Score(s.work + dw, s.traced_work + dt)
            unit = rt.g.unit_parent.get(unit)
    return by_unit


def _goals_above(
    g: CompactGraph, traced: np.ndarray, nodes: Iterable[int]
) -> dict[int, frozenset[int]] | None:
    """For each node, the traced goals at or above it over live links (only traced nodes lie
    below a traced goal), memoised up the graph: each ancestor is visited once. None where the
    walk meets a traced cycle, whose members' answers a memo cannot settle in one pass."""
    memo: dict[int, frozenset[int]] = {}
    ptr, idx, tr, kind = view(g.up_ptr), view(g.up_idx), view(traced), view(g.kind)
    open_: set[int] = set()  # expanded, not finished: the walk's current path
    none: frozenset[int] = frozenset()
    for start in nodes:
        stack = [(start, False)]
        while stack:
            v, done = stack.pop()
            if v in memo:
                continue
            if not done:
                if v in open_:
                    return None
                open_.add(v)
                stack.append((v, True))
                stack.extend((p, False) for k in range(ptr[v], ptr[v + 1]) if tr[p := idx[k]])
                continue
            found = {v} if kind[v] == GOAL else set()
            for k in range(ptr[v], ptr[v + 1]):
                p = idx[k]
                if tr[p]:
                    above = memo.get(p)
                    if above is None:
                        return None
                    found |= above
            memo[v] = frozenset(found) if found else none
            open_.discard(v)
    return memo


def _patch_by_goal(base: Engine, rt: _Retraced) -> list[tuple[int, float, float | None]]:
    """Each goal's traced work moved by what the changed initiatives add and take: those at or
    below a written node, the only ones whose goals, trace or work can have changed. Summed by
    difference (within rounding of a rebuild's); where a traced cycle stops the goal walk, each
    goal above a change is walked down again instead."""
    g0, g, traced = rt.g0, rt.g, rt.traced
    total = float(g.work[traced & (g.kind == INITIATIVE)].sum())
    before = {goal: w for goal, w, _ in base.by_goal}
    changed = sorted(rt.region | rt.written)
    was = [v for v in changed if v < g0.n and rt.traced0[v] and g0.kind[v] == INITIATIVE]
    now = [v for v in changed if traced[v] and g.kind[v] == INITIATIVE]
    old_goals, new_goals = _goals_above(g0, rt.traced0, was), _goals_above(g, traced, now)
    goals = np.flatnonzero(traced & (g.kind == GOAL)).tolist()
    if old_goals is None or new_goals is None:
        return _walked_by_goal(g, traced, goals, before, rt.lifted, total)
    moved: dict[int, float] = {}
    for graph, nodes, above, sign in ((g0, was, old_goals, -1.0), (g, now, new_goals, 1.0)):
        for v in nodes:
            w = sign * float(graph.work[v])
            for goal in above[v]:
                moved[goal] = moved.get(goal, 0.0) + w
    out: list[tuple[int, float, float | None]] = []
    for goal in goals:
        work = before.get(goal, 0.0) + moved.get(goal, 0.0)
        out.append((goal, work, (work / total) if total > 0 else None))
    return out


def _walked_by_goal(
    g: CompactGraph,
    traced: np.ndarray,
    goals: list[int],
    before: dict[int, float],
    lifted: set[int],
    total: float,
) -> list[tuple[int, float, float | None]]:
    """By goal with each goal above a change walked down again (coverage.goal_reach's walk)."""
    down: csr_matrix | None = None
    out: list[tuple[int, float, float | None]] = []
    for goal in goals:
        work = before.get(goal)
        if work is None or goal in lifted:
            if down is None:
                down = csr_matrix(
                    (np.ones(len(g.down_idx)), g.down_idx, g.down_ptr), shape=(g.n, g.n)
                )
                down.sum_duplicates()
            below = breadth_first_order(down, goal, directed=True, return_predecessors=False)
            hits = below[traced[below] & (g.kind[below] == INITIATIVE)]
            zeros = np.zeros(len(hits), dtype=np.intp)  # summed in walk order, as coverage does
            work = float(np.bincount(zeros, weights=g.work[hits], minlength=1)[0])
        out.append((goal, work, (work / total) if total > 0 else None))
    return out
