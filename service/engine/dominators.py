"""Load-bearing nodes: the traced work each node alone keeps connected to the vision.

x bears w when every path from a vision down to w passes through x, i.e. x dominates w in the
flow graph (virtual root -> active visions -> ... downward over live edges). Nearly every node
of a real org has one traced parent, and its immediate dominator is that parent; only nodes with
several traced parents need the Cooper-Harvey-Kennedy fixpoint, run here in BFS order. A
dominator is an ancestor in any spanning tree from the root, so it always has the smaller BFS
number, which is all the two-finger intersection needs.
"""
from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from service.engine.graph import INITIATIVE, VISION, CompactGraph


def load_bearing(g: CompactGraph, traced: np.ndarray) -> list[tuple[int, float]]:
    n = g.n
    root = n
    visions = np.flatnonzero(g.active & (g.kind == VISION)).astype(np.int32)
    src = np.concatenate([g.live_parent, np.full(len(visions), root, dtype=np.int32)])
    dst = np.concatenate([g.live_child, visions])
    m = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n + 1, n + 1))
    order, bfs_pred = breadth_first_order(m, root, directed=True, return_predecessors=True)
    num = np.full(n + 1, -1, dtype=np.int64)
    num[order] = np.arange(len(order))
    idom = bfs_pred.astype(np.int64)
    idom[root] = root
    # predecessors of traced nodes (traced parents only; the root for visions)
    keep = traced[g.live_child] & traced[g.live_parent] & (g.live_child != g.live_parent)
    pc, pp = g.live_child[keep], g.live_parent[keep]
    pcount = np.bincount(pc, minlength=n + 1)
    multi = np.flatnonzero(pcount >= 2)
    if len(multi):
        sel = np.isin(pc, multi)
        preds: dict[int, list[int]] = {}
        for c, p in zip(pc[sel].tolist(), pp[sel].tolist()):
            preds.setdefault(c, []).append(p)
        todo = sorted(preds, key=lambda v: num[v])
        dom = idom.tolist()
        rank = num.tolist()
        changed = True
        while changed:
            changed = False
            for v in todo:
                ps = preds[v]
                new = ps[0]
                for p in ps[1:]:
                    a, b = p, new
                    while a != b:
                        while rank[a] > rank[b]:
                            a = dom[a]
                        while rank[b] > rank[a]:
                            b = dom[b]
                    new = a
                if dom[v] != new:
                    dom[v] = new
                    changed = True
        idom = np.array(dom, dtype=np.int64)
    # subtree sums of work over the dominator tree, deepest level first (no recursion)
    own = np.zeros(n + 1)
    ti = traced & (g.kind == INITIATIVE)
    own[:n][ti] = g.work[ti]
    depth = np.zeros(n + 1, dtype=np.int64)
    reached = num >= 0
    up = np.where(reached, idom, root)
    hop = np.where(reached, 1, 0).astype(np.int64)
    hop[root] = 0
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        hop = hop + hop[up]
        up = nxt
    depth = hop
    below = np.zeros(n + 1)  # work strictly below each node in the dominator tree
    nodes = np.flatnonzero(reached & (np.arange(n + 1) != root))
    nodes = nodes[np.argsort(-depth[nodes], kind="stable")]
    levels = np.split(nodes, np.flatnonzero(np.diff(depth[nodes])) + 1) if len(nodes) else []
    for level in levels:
        np.add.at(below, idom[level], below[level] + own[level])
    found = np.flatnonzero(below[:n] > 0)
    return sorted(((int(i), float(below[i])) for i in found), key=lambda t: (-t[1], g.ids[t[0]]))
