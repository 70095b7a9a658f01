"""Traced, and the classification of every untraced node into gaps and stranded nodes.

One reachability pass from the visions downward, then strongly connected components of the
untraced part: never a path search per node (DESIGN section 2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from service.engine.graph import INITIATIVE, OBJECTIVE, VISION, CompactGraph, is_middle_management_scope
from service.engine.results import Gap, GapReason


@dataclass
class Reach:
    traced: np.ndarray  # bool
    depth: np.ndarray  # int32: hops up to the nearest active vision; -1 when untraced


def trace(g: CompactGraph) -> Reach:
    n = g.n
    root = n
    visions = np.flatnonzero(g.active & (g.kind == VISION))
    src = np.concatenate([g.live_parent, np.full(len(visions), root, dtype=np.int32)])
    dst = np.concatenate([g.live_child, visions.astype(np.int32)])
    m = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n + 1, n + 1))
    order, pred = breadth_first_order(m, root, directed=True, return_predecessors=True)
    traced = np.zeros(n + 1, dtype=bool)
    traced[order] = True
    traced = traced[:n]
    # BFS-tree depth by pointer doubling: log(depth) vectorised rounds, no recursion, no loop per node.
    hop = np.where(traced, 1, 0).astype(np.int32)
    up = np.where(traced, pred[:n], n).astype(np.int64)
    up = np.append(up, n)
    hop = np.append(hop, 0)
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        hop = hop + hop[up]
        up = nxt
    depth = np.where(traced, hop[:n] - 1, -1).astype(np.int32)
    return Reach(traced=traced, depth=depth)


def classify(g: CompactGraph, traced: np.ndarray) -> list[Gap]:
    n = g.n
    untraced = g.active & ~traced & (g.kind != VISION)
    c, p = g.live_child, g.live_parent
    inner = untraced[c] & untraced[p]
    ic, ip = c[inner], p[inner]
    _, label = connected_components(
        csr_matrix((np.ones(len(ic), dtype=np.int8), (ic, ip)), shape=(n, n)), directed=True, connection="strong"
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
    for child, parent in zip(g.e_child[dead].tolist(), g.e_parent[dead].tolist()):
        inactive_parent.setdefault(child, []).append(parent)

    gap_comp = (size > 0) & ~has_exit
    members_of = np.flatnonzero(untraced & gap_comp[label])
    members_of = members_of[np.argsort(label[members_of], kind="stable")]
    ids = g.ids
    gaps: list[Gap] = []
    bounds = np.flatnonzero(np.diff(label[members_of])) + 1
    for group in np.split(members_of, bounds) if len(members_of) else []:
        members = sorted(group.tolist(), key=ids.__getitem__)
        comp = label[members[0]]
        dangling = sorted({d for m in members for d in g.dangling.get(m, ())})
        inactive = sorted({q for m in members for q in inactive_parent.get(m, ())}, key=ids.__getitem__)
        if len(members) > 1 or self_loop[comp]:
            reason = GapReason.CYCLE
        else:
            m = members[0]
            if g.support_links[m] == 0:
                reason = GapReason.UNLINKED
            elif dangling:
                reason = GapReason.DANGLING_PARENT
            elif inactive:
                reason = GapReason.INACTIVE_PARENT
            else:
                reason = GapReason.LEVEL_INVERSION
        bp = members[0]
        mm = bool(g.kind[bp] == OBJECTIVE and is_middle_management_scope(g.scope[bp]))
        gaps.append(Gap(bp, reason, members, dangling, inactive, mm))
    _strand(g, untraced, gaps)
    gaps.sort(key=lambda gap: (-gap.stranded_work, -len(gap.stranded), ids[gap.break_point]))
    return gaps


def _strand(g: CompactGraph, untraced: np.ndarray, gaps: list[Gap]) -> None:
    """Stranded set of each gap: untraced nodes below its members, members excluded.

    A node below two gaps counts for both, so this is one bounded walk per gap that has any
    untraced child at all: the total is the size of what is reported.
    """
    work = g.work
    initiative = g.kind == INITIATIVE
    degree = np.diff(g.down_ptr)
    ptr = idx = unt = None
    for gap in gaps:
        gap.stranded_work = float(sum(work[m] for m in gap.members if initiative[m]))
        if not any(degree[m] for m in gap.members):
            continue
        if ptr is None:  # lists are several times faster than numpy scalars in this loop
            ptr, idx, unt = g.down_ptr.tolist(), g.down_idx.tolist(), untraced.tolist()
        seen = set(gap.members)
        stack = list(gap.members)
        found: list[int] = []
        while stack:
            v = stack.pop()
            for k in range(ptr[v], ptr[v + 1]):
                w = idx[k]
                if unt[w] and w not in seen:
                    seen.add(w)
                    found.append(w)
                    stack.append(w)
        found.sort(key=g.ids.__getitem__)
        gap.stranded = found
        gap.stranded_work += float(work[found][initiative[found]].sum()) if found else 0.0
