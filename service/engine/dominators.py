"""Load-bearing nodes: the traced work each node alone keeps connected to the vision.

x bears w when every path from a vision down to w passes through x, i.e. x dominates w in the
flow graph (virtual root -> active visions -> ... downward over live edges). Nearly every node
of a real org has one traced parent, and its immediate dominator is that parent; only nodes with
several traced parents need the Cooper-Harvey-Kennedy fixpoint, run here in BFS order. A
dominator is an ancestor in any spanning tree from the root, so it always has the smaller BFS
number, which is all the two-finger intersection needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.engine.arrays import view
from service.engine.classify import Reach
from service.engine.graph import INITIATIVE, CompactGraph


@dataclass(frozen=True)
class LoadBearing:
    nodes: np.ndarray  # node indices, most borne work first
    work: np.ndarray  # the traced work each one alone keeps connected

    def __len__(self) -> int:
        return len(self.nodes)

    def items(self, start: int = 0, stop: int | None = None) -> list[tuple[int, float]]:
        return list(
            zip(self.nodes[start:stop].tolist(), self.work[start:stop].tolist(), strict=True)
        )


def _lca(a: np.ndarray, b: np.ndarray, depth: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Lowest common ancestors of the pairs (a[i], b[i]) in a tree, all pairs climbing at once."""
    a, b = a.copy(), b.copy()
    live = np.flatnonzero(a != b)
    while len(live):
        x, y = a[live], b[live]
        dx, dy = depth[x], depth[y]
        x = np.where(dx >= dy, parent[x], x)
        y = np.where(dy >= dx, parent[y], y)
        a[live], b[live] = x, y
        live = live[x != y]
    return a


def load_bearing(g: CompactGraph, reach: Reach) -> LoadBearing:
    n = g.n
    root = n
    traced = reach.traced
    num = np.full(n + 1, -1, dtype=np.int64)
    num[reach.order] = np.arange(len(reach.order))
    idom = reach.parent.copy()  # exact for every node with one predecessor; a start for the others
    depth = np.append(reach.depth.astype(np.int64) + 1, 0)  # the virtual root at depth 0
    # predecessors of traced nodes (traced parents only; the root for visions)
    keep = traced[g.live_child] & traced[g.live_parent] & (g.live_child != g.live_parent)
    pc, pp = g.live_child[keep], g.live_parent[keep]
    pcount = np.bincount(pc, minlength=n + 1)
    multi = np.flatnonzero(pcount >= 2)
    if len(multi):
        sel = np.flatnonzero(pcount[pc] >= 2)
        sel = sel[np.argsort(pc[sel], kind="stable")]
        mc, mp = pc[sel], pp[sel].astype(np.int64)
        first = np.flatnonzero(np.r_[True, mc[1:] != mc[:-1]])
        bounds = np.r_[first, len(mc)]
        heads = mc[first]
        # Which nodes have a multi-parent node on or above them in the BFS tree? Their
        # dominator chains are not known yet; every other chain is the BFS-tree path itself.
        unsettled = np.zeros(n + 1, dtype=bool)
        unsettled[multi] = True
        up = idom.copy()
        while True:
            grown = unsettled | unsettled[up]
            nxt = up[up]
            if np.array_equal(nxt, up) and np.array_equal(grown, unsettled):
                break
            unsettled, up = grown, nxt
        # Where every predecessor's chain is settled, idom is their LCA: done in bulk.
        blocked = np.zeros(len(heads), dtype=bool)
        np.logical_or.at(blocked, np.repeat(np.arange(len(heads)), np.diff(bounds)), unsettled[mp])
        easy = np.flatnonzero(~blocked)
        acc = mp[bounds[:-1][easy]]
        counts = np.diff(bounds)[easy]
        for k in range(1, int(counts.max()) if len(easy) else 1):
            more = counts > k
            acc[more] = _lca(acc[more], mp[bounds[:-1][easy][more] + k], depth, idom)
        idom[heads[easy]] = acc
        # The rest (multi-parent nodes below other multi-parent nodes): Cooper-Harvey-Kennedy.
        hard = np.flatnonzero(blocked)
        hard = hard[np.argsort(num[heads[hard]], kind="stable")]
        todo = list(
            zip(
                heads[hard].tolist(),
                bounds[:-1][hard].tolist(),
                bounds[1:][hard].tolist(),
                strict=True,
            )
        )
        preds = view(np.ascontiguousarray(mp))
        dom = view(idom)  # writable view: Python-int speed, no copy
        rank = view(num)
        changed = bool(todo)
        while changed:
            changed = False
            for v, lo, hi in todo:
                new = preds[lo]
                for k in range(lo + 1, hi):
                    a, b = preds[k], new
                    while a != b:
                        while rank[a] > rank[b]:
                            a = dom[a]
                        while rank[b] > rank[a]:
                            b = dom[b]
                    new = a
                if dom[v] != new:
                    dom[v] = new
                    changed = True
    # subtree sums of work over the dominator tree, deepest level first (no recursion)
    own = np.zeros(n + 1)
    ti = traced & (g.kind == INITIATIVE)
    own[:n][ti] = g.work[ti]
    reached = num >= 0
    up = np.where(reached, idom, root)
    up[root] = root
    hop = reached.astype(np.int64)
    hop[root] = 0
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        hop = hop + hop[up]
        up = nxt
    below = np.zeros(n + 1)  # work strictly below each node in the dominator tree
    nodes = np.flatnonzero(reached)
    nodes = nodes[nodes != root]
    depth = hop[nodes]
    # depths are small integers: a 16-bit key lets numpy use its linear-time radix sort
    key = (depth.max() - depth).astype(np.uint16) if len(nodes) and depth.max() < 65536 else -depth
    nodes = nodes[np.argsort(key, kind="stable")]
    levels = np.split(nodes, np.flatnonzero(np.diff(hop[nodes])) + 1) if len(nodes) else []
    for level in levels:
        np.add.at(below, idom[level], below[level] + own[level])
    found = np.flatnonzero(below[:n] > 0)
    found = found[np.lexsort((found, -below[found]))]  # most work first; ties in id order
    return LoadBearing(found, below[found])
