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
from itertools import pairwise

import numpy as np

from service.engine.arrays import stable_order, view
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


# BFS levels walked by NumPy a level at a time; past them (a careless chain thousands deep), a
# level is a few nodes and a NumPy call each would cost more than the nodes: Python walks them.
_LEVELS = 48


def _levels(reach: Reach) -> tuple[list[np.ndarray], list[int]]:
    """The traced nodes by BFS level: the first _LEVELS levels, shallow first, each a slice of
    the BFS order (which lists the virtual root, then the visions, then each level below); and
    the nodes of the levels past them, in that order."""
    order = reach.order[1:]  # the root first: it has no level
    at = reach.depth[order]
    count = int(at[-1]) + 1 if len(at) else 0  # levels, visions' (0) included
    bounds = np.searchsorted(at, np.arange(min(count, _LEVELS) + 1, dtype=at.dtype))
    shallow = [order[lo:hi] for lo, hi in pairwise(bounds.tolist())]
    return shallow, order[bounds[-1] :].tolist() if len(bounds) > _LEVELS else []


def load_bearing(g: CompactGraph, reach: Reach) -> LoadBearing:
    n = g.n
    traced = reach.traced
    num = np.full(n + 1, -1, dtype=np.int32)  # BFS numbers: the CHK ranks below
    num[reach.order] = np.arange(len(reach.order), dtype=np.int32)
    levels, deep = _levels(reach)
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
        # A BFS level at a time, shallow first: a node's tree parent is on the level above.
        unsettled = np.zeros(n + 1, dtype=bool)
        unsettled[multi] = True
        for level in levels:
            unsettled[level] |= unsettled[idom[level]]
        flag, up = view(unsettled), view(idom)
        for v in deep:
            if flag[up[v]]:
                flag[v] = True
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
    # Subtree sums of work over the dominator tree, deepest first and in id order within a depth
    # of that tree: the order, and so the rounding, they have always had. A node's dominator is
    # a proper ancestor in the BFS tree, so on a shallower BFS level: the levels, shallow first,
    # give each node its depth in the dominator tree after its dominator's.
    tree_depth = np.zeros(n + 1, dtype=np.int32)  # the virtual root at 0
    for level in levels:
        tree_depth[level] = tree_depth[idom[level]] + 1
    at_depth, dom = view(tree_depth), view(idom)
    for v in deep:
        at_depth[v] = at_depth[dom[v]] + 1
    nodes = np.flatnonzero(traced)  # every node the BFS reached but the root, in id order
    at = tree_depth[nodes]
    nodes = nodes[stable_order(int(at.max()) - at)] if len(nodes) else nodes
    at = tree_depth[nodes]  # nonincreasing
    # past _LEVELS depths, node by node in Python: the same additions in the same order
    cut = int(np.searchsorted(-at, -_LEVELS))  # the first node at depth _LEVELS or less
    own = np.append(np.where(traced & (g.kind == INITIATIVE), g.work, 0.0), 0.0)
    below = np.zeros(n + 1)  # work strictly below each node in the dominator tree
    total, mine = view(below), view(own)
    for v in nodes[:cut].tolist():
        total[dom[v]] += total[v] + mine[v]
    rest = nodes[cut:]
    for level in np.split(rest, np.flatnonzero(np.diff(at[cut:])) + 1) if len(rest) else []:
        np.add.at(below, idom[level], below[level] + own[level])
    found = np.flatnonzero(below[:n] > 0)
    found = found[np.argsort(-below[found], kind="stable")]  # most work first; ties in id order
    return LoadBearing(found, below[found])
