"""A deliberately naive reference for the analyses of DESIGN section 2.

Every function here follows the written definition as literally as possible, with no care for
speed (fixpoint iteration, per-node searches, remove-and-recompute): it exists only so that the
property test can check the real engine against something obviously correct. It shares nothing
with `service.engine` except the domain model; even the level rule is written out again here,
from DESIGN section 1's words, so a mistake in `graph_schema`'s table shows up as a mismatch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graph_schema import Node, NodeKind, Status

__all__ = [
    "BruteGap",
    "gaps",
    "load_bearing",
    "score",
    "traced_ids",
    "unsupported",
    "work",
]

GAP_REASONS = ("UNLINKED", "DANGLING_PARENT", "INACTIVE_PARENT", "LEVEL_INVERSION", "CYCLE")
STRATEGY = (NodeKind.GOAL, NodeKind.OBJECTIVE, NodeKind.KEY_RESULT)
_LEVEL = {"Vision": 0, "Goal": 1, "Objective": 2, "KeyResult": 3, "Behaviour": 3, "Initiative": 4}
_ALSO_ALLOWED = {
    ("Objective", "Objective"),
    ("KeyResult", "KeyResult"),
    ("Initiative", "Initiative"),
    ("Objective", "KeyResult"),
}


def valid_kinds(child: NodeKind, parent: NodeKind) -> bool:
    """DESIGN section 1: child level > parent level, plus the four pairs it names."""
    c, p = child.value, parent.value
    return _LEVEL[c] > _LEVEL[p] or (c, p) in _ALSO_ALLOWED


@dataclass(frozen=True)
class BruteGap:
    break_point: str
    reason: str
    members: tuple[str, ...]  # sorted
    stranded: frozenset[str]
    stranded_work: float


# --- small helpers ------------------------------------------------------------------------


def _by_id(nodes: Iterable[Node]) -> dict[str, Node]:
    return {n.id: n for n in nodes}


def _active(n: Node) -> bool:
    return n.status == Status.ACTIVE


def work(n: Node) -> float:
    """An initiative's effort, 1 where not given."""
    return 1.0 if n.effort is None else float(n.effort)


def _valid_active_edge(by_id: dict[str, Node], child: Node, parent_id: str) -> bool:
    """A SUPPORTS edge child -> parent that is followed: both exist, both active, levels valid."""
    parent = by_id.get(parent_id)
    return (
        parent is not None
        and _active(child)
        and _active(parent)
        and valid_kinds(child.kind, parent.kind)
    )


# --- traced -------------------------------------------------------------------------------


def traced_ids(nodes: Sequence[Node], removed: str | None = None) -> set[str]:
    """Fixpoint: active Visions, then any active node with a valid edge to a traced node.

    `removed`: treat this node as absent (for the load-bearing count).
    """
    by_id = {n.id: n for n in nodes if n.id != removed}
    traced = {n.id for n in by_id.values() if _active(n) and n.kind == NodeKind.VISION}
    changed = True
    while changed:
        changed = False
        for n in by_id.values():
            if n.id in traced or not _active(n):
                continue
            if any(p.id in traced and _valid_active_edge(by_id, n, p.id) for p in n.parents):
                traced.add(n.id)
                changed = True
    return traced


# --- gaps and stranded --------------------------------------------------------------------


def _reach_up(by_id: dict[str, Node], start: str, within: set[str]) -> set[str]:
    """Nodes of `within` reachable from `start` by following valid edges upward (start included)."""
    seen = {start}
    stack = [start]
    while stack:
        cur = by_id[stack.pop()]
        for p in cur.parents:
            if p.id in within and p.id not in seen and _valid_active_edge(by_id, cur, p.id):
                seen.add(p.id)
                stack.append(p.id)
    return seen


def _below(by_id: dict[str, Node], members: set[str]) -> set[str]:
    """Active nodes reachable downward from `members` over valid edges (members not included
    unless reached again from below through a cycle)."""
    seen: set[str] = set()
    frontier = set(members)
    while frontier:
        nxt: set[str] = set()
        for c in by_id.values():
            if c.id in seen:
                continue
            if any(p.id in frontier and _valid_active_edge(by_id, c, p.id) for p in c.parents):
                seen.add(c.id)
                nxt.add(c.id)
        frontier = nxt
    return seen


def _single_reason(by_id: dict[str, Node], n: Node) -> str:
    """The first reason that fits a lone untraced node without an exit."""
    if not n.parents:
        return "UNLINKED"
    if any(p.id not in by_id for p in n.parents):
        return "DANGLING_PARENT"
    if any(not _active(by_id[p.id]) for p in n.parents):
        return "INACTIVE_PARENT"
    # Every parent exists and is active; none of those edges leads to an exit or a traced
    # node, so they must all be invalid.
    assert all(not valid_kinds(n.kind, by_id[p.id].kind) for p in n.parents), n
    return "LEVEL_INVERSION"


def gaps(nodes: Sequence[Node]) -> list[BruteGap]:
    by_id = _by_id(nodes)
    traced = traced_ids(nodes)
    untraced = {
        n.id for n in nodes if _active(n) and n.kind != NodeKind.VISION and n.id not in traced
    }
    reach = {u: _reach_up(by_id, u, untraced) for u in untraced}

    # SCCs by mutual reachability.
    sccs: list[frozenset[str]] = []
    assigned: set[str] = set()
    for u in sorted(untraced):
        if u in assigned:
            continue
        comp = frozenset(v for v in untraced if v in reach[u] and u in reach[v])
        assigned |= comp
        sccs.append(comp)

    result: list[BruteGap] = []
    for comp in sccs:
        has_exit = any(
            p.id not in comp and _valid_active_edge(by_id, by_id[m], p.id)
            for m in comp
            for p in by_id[m].parents
        )
        if has_exit:
            continue  # stranded: its fate is decided above it
        members = tuple(sorted(comp))
        only = by_id[members[0]]
        self_loop = len(comp) == 1 and any(
            p.id == only.id and _valid_active_edge(by_id, only, p.id) for p in only.parents
        )
        reason = "CYCLE" if len(comp) >= 2 or self_loop else _single_reason(by_id, only)
        stranded = frozenset(
            s for s in _below(by_id, set(comp)) if s not in traced and s not in comp
        )
        sw = sum(work(by_id[s]) for s in stranded if by_id[s].kind == NodeKind.INITIATIVE)
        sw += sum(work(by_id[m]) for m in members if by_id[m].kind == NodeKind.INITIATIVE)
        result.append(BruteGap(members[0], reason, members, stranded, sw))
    return result


# --- unsupported strategy, load-bearing, score --------------------------------------------


def unsupported(nodes: Sequence[Node]) -> set[str]:
    """Traced Goals, Objectives and KeyResults with no traced Initiative anywhere below."""
    by_id = _by_id(nodes)
    traced = traced_ids(nodes)
    out: set[str] = set()
    for n in nodes:
        if n.id not in traced or n.kind not in STRATEGY:
            continue
        below = _below(by_id, {n.id})
        if not any(b in traced and by_id[b].kind == NodeKind.INITIATIVE for b in below):
            out.add(n.id)
    return out


def load_bearing(nodes: Sequence[Node]) -> dict[str, float]:
    """For each traced x: the work of the traced initiatives (x excluded) that lose their trace
    when x is removed. Only x with a positive load are reported."""
    by_id = _by_id(nodes)
    traced = traced_ids(nodes)
    out: dict[str, float] = {}
    for x in sorted(traced):
        still = traced_ids(nodes, removed=x)
        lost = traced - still - {x}
        load = sum(work(by_id[i]) for i in lost if by_id[i].kind == NodeKind.INITIATIVE)
        if load > 0:
            out[x] = load
    return out


def score(nodes: Sequence[Node]) -> float | None:
    """Traced initiative work / all active initiative work; None when there is no work."""
    traced = traced_ids(nodes)
    inits = [n for n in nodes if _active(n) and n.kind == NodeKind.INITIATIVE]
    total = sum(work(n) for n in inits)
    if not inits or total == 0:
        return None
    return sum(work(n) for n in inits if n.id in traced) / total
