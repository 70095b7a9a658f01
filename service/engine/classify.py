"""Traced, and the classification of every untraced node into gaps and stranded nodes.

One reachability pass from the visions downward, then strongly connected components of the
untraced part: never a path search per node (DESIGN section 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from service.engine.arrays import unique, view
from service.engine.graph import (
    INITIATIVE,
    OBJECTIVE,
    VISION,
    CompactGraph,
)
from service.engine.results import Gap, GapReason
from service.engine.units import is_middle_management_scope


@dataclass
class Trace:
    traced: np.ndarray  # bool
    depth: np.ndarray  # int32: hops up to the nearest active vision; -1 when untraced


@dataclass
class Reach(Trace):
    """A trace with the BFS tree it came from (what load-bearing needs; a patched engine's
    trace, service.engine.patch, has none)."""

    order: np.ndarray  # BFS order from the virtual root (index n) over live edges, root first
    parent: (
        np.ndarray
    )  # int64, n + 1 entries: BFS-tree parent; the root for the root and the unreached


# BFS levels whose depth is found by one search each; past them (a careless chain thousands
# deep), a level is a few nodes and the rest of the depths are walked in Python.
_LEVELS = 48


def with_root(ptr: np.ndarray, idx: np.ndarray, starts: np.ndarray) -> csr_matrix:
    """The CSR (ptr, idx) over n nodes as a matrix over n + 1, node n a virtual root whose
    links go to `starts`: its row is appended to the graph's own CSR, which scipy walks as it
    is (building it from the edges as COO meant a conversion and a sort, 13 ms at 1M)."""
    n = len(ptr) - 1
    ptr = np.append(ptr, ptr.dtype.type(ptr[-1] + len(starts)))
    idx = np.concatenate([idx, starts.astype(idx.dtype)])
    return csr_matrix((np.ones(len(idx)), idx, ptr), shape=(n + 1, n + 1))


def trace(g: CompactGraph) -> Reach:
    n = g.n
    root = n
    visions = np.flatnonzero(g.active & (g.kind == VISION))
    m = with_root(g.down_ptr, g.down_idx, visions)  # the live links by parent
    order, pred = breadth_first_order(m, root, directed=True, return_predecessors=True)
    traced = np.zeros(n + 1, dtype=bool)
    traced[order] = True
    traced = traced[:n]
    parent = np.where(pred >= 0, pred, n).astype(np.int64)
    return Reach(traced=traced, depth=_depths(order, pred, n), order=order, parent=parent)


def _depths(order: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Hops from each node up to the nearest active vision (-1 when untraced), from a BFS from
    the virtual root: its order lists the nodes level by level, and each node's BFS parent
    (`parent`, scipy's predecessors) comes before it, so where the level of the nodes found
    from level k ends is one search among the parents' positions."""
    position = np.empty(n + 1, dtype=np.int32)
    position[order] = np.arange(len(order), dtype=np.int32)
    from_at = position[parent[order[1:]]]  # nondecreasing: a FIFO queue
    ends = [1]  # the root alone, at depth -1
    at = from_at.dtype.type  # a Python int would make every search convert the whole array
    while ends[-1] < len(order) and len(ends) <= _LEVELS:
        ends.append(int(np.searchsorted(from_at, at(ends[-1]))) + 1)
    depth = np.full(n + 1, -1, dtype=np.int32)
    sizes = np.diff(ends)
    depth[order[1 : ends[-1]]] = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    if ends[-1] < len(order):
        hops, up = view(depth), view(parent)
        for v in order[ends[-1] :].tolist():
            hops[v] = hops[up[v]] + 1
    return depth[:n]


def classify(g: CompactGraph, traced: np.ndarray) -> list[Gap]:
    n = g.n
    untraced = g.active & ~traced & (g.kind != VISION)
    c, p = g.live_child, g.live_parent
    inner = untraced[c] & untraced[p]
    ic, ip = c[inner], p[inner]
    _, label = connected_components(
        csr_matrix((np.ones(len(ic), dtype=np.int8), (ic, ip)), shape=(n, n)),
        directed=True,
        connection="strong",
    )
    ncomp = int(label.max()) + 1 if n else 0
    size = np.bincount(label[untraced], minlength=ncomp)
    self_loop = np.zeros(ncomp, dtype=bool)
    self_loop[label[ic[ic == ip]]] = True
    has_exit = np.zeros(ncomp, dtype=bool)
    crossing = label[ic] != label[ip]
    has_exit[label[ic[crossing]]] = True

    inactive_parent: dict[int, list[int]] = {}
    dead = g.active[g.e_child] & ~g.active[g.e_parent]
    for child, parent in zip(g.e_child[dead].tolist(), g.e_parent[dead].tolist(), strict=True):
        inactive_parent.setdefault(child, []).append(parent)
    objective = (g.kind == OBJECTIVE).tolist() if n < 64 else view(g.kind == OBJECTIVE)

    def middle(i: int) -> bool:
        return bool(objective[i]) and is_middle_management_scope(g.scope[i])

    gap_comp = (size > 0) & ~has_exit
    cyclic = gap_comp & ((size > 1) | self_loop)
    gaps: list[Gap] = []

    # Single-node gaps are the bulk (orphans above all): their reasons are decided in bulk.
    single = np.flatnonzero(untraced & (gap_comp & ~cyclic)[label])
    has_dangling = np.zeros(n, dtype=bool)
    has_dangling[np.fromiter(g.dangling, dtype=np.int64, count=len(g.dangling))] = True
    has_inactive = np.zeros(n, dtype=bool)
    has_inactive[g.e_child[dead]] = True
    reason = np.select([g.support_links == 0, has_dangling, has_inactive], [0, 1, 2], 3)
    reasons = (
        GapReason.UNLINKED,
        GapReason.DANGLING_PARENT,
        GapReason.INACTIVE_PARENT,
        GapReason.LEVEL_INVERSION,
    )
    no_ids: list[str] = []
    no_nodes: list[int] = []
    own = np.where(g.kind == INITIATIVE, g.work, 0.0)  # the work a gap's own members carry
    # built column by column and made by map(): a Python loop a gap was a quarter of the time
    at = single.tolist()
    dangling_of: list[list[str]] = [no_ids] * len(at)
    for k in np.flatnonzero(has_dangling[single]).tolist():
        dangling_of[k] = sorted(g.dangling[at[k]])
    inactive_of: list[list[int]] = [no_nodes] * len(at)
    for k in np.flatnonzero(has_inactive[single]).tolist():
        inactive_of[k] = sorted(inactive_parent[at[k]])
    mids = [False] * len(at)
    for k in np.flatnonzero(g.kind[single] == OBJECTIVE).tolist():
        mids[k] = is_middle_management_scope(g.scope[at[k]])
    gaps.extend(
        map(
            Gap,
            at,
            [reasons[r] for r in reason[single].tolist()],
            [[i] for i in at],
            dangling_of,
            inactive_of,
            mids,
            [[] for _ in at],
            own[single].tolist(),
        )
    )

    # Cycles without a way out: one gap naming all members, the smallest id as break point.
    members_of = np.flatnonzero(untraced & cyclic[label])
    members_of = members_of[np.argsort(label[members_of], kind="stable")]
    bounds = np.flatnonzero(np.diff(label[members_of])) + 1
    for group in np.split(members_of, bounds) if len(members_of) else []:
        members = sorted(group.tolist())
        dangling = sorted({d for m in members for d in g.dangling.get(m, ())})
        inactive = sorted({q for m in members for q in inactive_parent.get(m, ())})
        gaps.append(
            Gap(
                members[0],
                GapReason.CYCLE,
                members,
                dangling,
                inactive,
                middle(members[0]),
                [],
                float(sum(own[members].tolist())),
            )
        )
    # each member as (its gap's index in `gaps`, the node): the singles, then each cycle's
    sizes = np.diff(np.r_[0, bounds, len(members_of)]) if len(members_of) else np.zeros(0, int)
    member_gap = np.concatenate(
        [np.arange(len(single)), len(single) + np.repeat(np.arange(len(sizes)), sizes)]
    )
    strand(g, untraced, gaps, member_gap, np.concatenate([single, members_of]))
    rank = np.lexsort(
        (
            np.fromiter((x.break_point for x in gaps), np.int64, len(gaps)),
            -np.fromiter((len(x.stranded) for x in gaps), np.int64, len(gaps)),
            -np.fromiter((x.stranded_work for x in gaps), np.float64, len(gaps)),
        )
    )
    return [gaps[k] for k in rank.tolist()]  # most stranded work first, then most nodes, then id


def stranded_below(
    members: list[int], ptr: memoryview, idx: memoryview, untraced: Any
) -> list[int]:
    """The untraced nodes below the members over live links (`ptr`/`idx` by parent), members
    excluded, in id order: one walk, which stops at traced nodes. `untraced[v]` is any lookup
    (an array's memoryview, or a patch's node-by-node one)."""
    seen = set(members)
    stack = list(members)
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
    return found


def strand(
    g: CompactGraph,
    untraced: np.ndarray,
    gaps: list[Gap],
    member_gap: np.ndarray | None = None,
    member: np.ndarray | None = None,
) -> None:
    """Stranded set of each gap: untraced nodes below its members, members excluded, in id
    order, its work added to the gap's stranded work (a gap's members listed as (its index in
    `gaps`, node) pairs, when the caller has them, else read from the gaps). A gap with nothing
    below keeps its stranded set and work as they are: callers pass gaps with an empty set and
    their own members' work.

    A node below two gaps counts for both, so the walk carries (gap, node) pairs down a level at
    a time, all gaps at once, each pair once: a level costs its new pairs and their merge into
    the sorted pairs seen: the walk costs the size of what is reported times its depth. Most
    gaps (orphaned leaves) have no untraced child and find no pair. Past _LEVELS levels (a
    careless chain thousands deep), the gaps still walking are walked again one by one in
    Python, so that a level of a few pairs costs no NumPy calls.
    """
    if member_gap is None or member is None:
        sizes = np.fromiter(map(len, (x.members for x in gaps)), np.int64, len(gaps))
        member_gap = np.repeat(np.arange(len(gaps)), sizes)
        member = np.fromiter((m for x in gaps for m in x.members), np.int64, int(sizes.sum()))
    n = max(g.n, 1)
    # a pair is gap * n + node: sorted, pairs are grouped by gap and in id order within one
    seen = np.sort(member_gap * n + member)
    at_gap, at = member_gap, member
    found: list[np.ndarray] = []
    ptr, idx = g.down_ptr, g.down_idx
    for _ in range(_LEVELS):
        if not len(at):
            break
        lo = ptr[at].astype(np.int64)
        count = ptr[at + 1] - lo
        start = np.repeat(np.cumsum(count) - count, count)
        child = idx[np.repeat(lo, count) + np.arange(len(start)) - start]
        pair = np.repeat(at_gap, count) * n + child
        pair = unique(pair[untraced[child]])
        where = np.searchsorted(seen, pair)
        if len(seen):
            fresh = seen[np.minimum(where, len(seen) - 1)] != pair
            pair, where = pair[fresh], where[fresh]
        seen = np.insert(seen, where, pair)  # both sorted: a merge, no sort
        found.append(pair)
        at_gap, at = pair // n, pair % n
    late = unique(at_gap).tolist()  # still walking past _LEVELS: walked again below
    pairs = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    nodes = pairs % n
    bounds = np.searchsorted(pairs // n, np.arange(len(gaps) + 1))
    stranded, work = nodes.tolist(), g.work[nodes].tolist()
    edges = bounds.tolist()
    for k in np.setdiff1d(np.flatnonzero(np.diff(bounds)), late).tolist():
        gap = gaps[k]
        gap.stranded = stranded[edges[k] : edges[k + 1]]
        gap.stranded_work += float(sum(work[edges[k] : edges[k + 1]]))
    if late:
        own, ptr_mv, idx_mv, unt = view(g.work), view(ptr), view(idx), view(untraced)
        for k in late:
            gap = gaps[k]
            gap.stranded = stranded_below(gap.members, ptr_mv, idx_mv, unt)
            gap.stranded_work += float(sum(own[w] for w in gap.stranded))
