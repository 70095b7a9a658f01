"""Line of sight's two walks up from one node, in plain Python over any adjacency: the paths
to a vision, shortest first, or the partial chains up to where they break; and the answer as
JSON. The engine walks its arrays' memoryviews (service.engine.line_of_sight); a node's
ancestry walks lists (service.engine.closure), for a command that must not pay numpy's import
before it reads anything. One walk for both, so both answer alike.

Paths are enumerated best-first with the exact distance to the nearest vision as heuristic
(the BFS depth computed once per version), so every expansion lies on a shortest completion
and the work is bounded by the answer, not by the graph.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from graph_schema import NodeKind
from service.engine.results import Gap, GapChain, LineOfSight, Path

__all__ = [
    "LINE_OF_SIGHT_KINDS",
    "MAX_PATHS",
    "breaks",
    "line_of_sight",
    "line_of_sight_json",
]

MAX_PATHS = 100
_EXPANSION_BUDGET = (
    4  # pops per step per requested path: guards against pathological simple-path searches
)

# what a unit's line of sight lists: its work and the objectives and results above it
LINE_OF_SIGHT_KINDS = (
    NodeKind.OBJECTIVE,
    NodeKind.KEY_RESULT,
    NodeKind.BEHAVIOUR,
    NodeKind.INITIATIVE,
)

# A partial path: (node, previous entry, length, strength, monotone), linked backwards.
Entry: TypeAlias = tuple[int, "Entry | None", int, float, bool]
# what the walks index by node (a memoryview of an array, or a list): live SUPPORTS links by
# child (`ptr`/`idx`/`w`, CSR), traced, hops up to the nearest vision, active
Ints: TypeAlias = Sequence[int]


def line_of_sight(
    node: int,
    ptr: Ints,
    idx: Ints,
    w: Sequence[float],
    depth: Ints,
    traced: Sequence[bool] | Ints,
    active: Sequence[bool] | Ints,
    gap_of: Mapping[int, Gap],
    max_paths: int = MAX_PATHS,
) -> LineOfSight:
    if not active[node]:
        return LineOfSight(node, False, False, [], False, [])
    if traced[node]:
        found, truncated = _paths(node, ptr, idx, w, depth, traced, max_paths)
        return LineOfSight(node, True, True, found, truncated, [])
    return LineOfSight(node, False, True, [], False, breaks(node, ptr, idx, traced, active, gap_of))


def _paths(
    start: int,
    ptr: Ints,
    idx: Ints,
    w: Sequence[float],
    depth: Ints,
    traced: Sequence[bool] | Ints,
    max_paths: int,
) -> tuple[list[Path], bool]:
    # A partial path is a linked entry (node, previous entry, length, strength, monotone):
    # extending it costs O(1), not a copy. While every step so far went strictly closer to
    # a vision ("monotone"), no node can repeat, so the simple-path check is skipped.
    # Keyed (length so far + distance left, -length, arrival): depth is the exact distance
    # to a vision, so the key never drops along a path (A*), and among equal keys the
    # partial path furthest along goes first. Breadth-first among them, a 12-rung ladder
    # (each node under both of the rung above) spent the whole budget on 2^12 half-paths.
    heap: list[tuple[int, int, int, Entry]] = [(depth[start], -1, 0, (start, None, 1, 1.0, True))]
    out: list[Path] = []
    tie = 0
    budget = (depth[start] + 1) * max_paths * _EXPANSION_BUDGET
    while heap and budget > 0:
        _, _, _, entry = heapq.heappop(heap)
        budget -= 1
        last, _, length, strength, monotone = entry
        if depth[last] == 0:
            steps: list[int] = []
            e: Entry | None = entry
            while e is not None:
                steps.append(e[0])
                e = e[1]
            out.append(Path(steps[::-1], strength))
            if len(out) == max_paths:
                return out, bool(heap)
            continue
        for k in range(ptr[last], ptr[last + 1]):
            p = idx[k]
            if not traced[p]:
                continue
            closer = depth[p] < depth[last]
            if not (monotone and closer) and _on(entry, p):
                continue
            tie += 1
            heapq.heappush(
                heap,
                (
                    length + depth[p],
                    -length - 1,
                    tie,
                    (p, entry, length + 1, strength * w[k], monotone and closer),
                ),
            )
    return out, bool(heap)


def _on(entry: Entry | None, node: int) -> bool:
    while entry is not None:
        if entry[0] == node:
            return True
        entry = entry[1]
    return False


def breaks(
    start: int,
    ptr: Ints,
    idx: Ints,
    traced: Sequence[bool] | Ints,
    active: Sequence[bool] | Ints,
    gap_of: Mapping[int, Gap],
) -> list[GapChain]:
    """The partial chains from an untraced node up to each gap it hangs below."""
    came: dict[int, int] = {start: -1}
    queue = deque([start])
    found: list[GapChain] = []
    seen_gaps: set[int] = set()
    while queue:
        v = queue.popleft()
        gap = gap_of.get(v)
        if gap is not None and gap.break_point not in seen_gaps:
            seen_gaps.add(gap.break_point)
            chain = [v]
            while came[chain[-1]] != -1:
                chain.append(came[chain[-1]])
            found.append(GapChain(gap, chain[::-1]))
        for k in range(ptr[v], ptr[v + 1]):
            p = idx[k]
            if active[p] and not traced[p] and p not in came:
                came[p] = v
                queue.append(p)
    return found


def line_of_sight_json(
    los: LineOfSight,
    ref: Callable[[int], dict[str, Any]],
    id_of: Callable[[int], str],
    cause: Callable[[Gap], str],
    suggested: Callable[[Gap], list[str]],
) -> dict[str, Any]:
    """A line of sight as `stratmap line-of-sight --json` prints it: `ref` names a node (id,
    kind, title, owner, unit), `cause` and `suggested` say why a gap breaks and which ids its
    missing parents may mean."""
    return {
        "node": ref(los.node),
        "active": los.active,
        "traced": los.traced,
        "truncated": los.truncated,
        "paths": [{"strength": p.strength, "steps": [ref(s) for s in p.steps]} for p in los.paths],
        "breaks": [
            {
                "gap": id_of(c.gap.break_point),
                "reason": c.gap.reason.value,
                "cause": cause(c.gap),
                "danglingRefs": list(c.gap.dangling_refs),
                "suggestedParents": suggested(c.gap),
                "inactiveParents": [id_of(p) for p in c.gap.inactive_parents],
                "chain": [ref(s) for s in c.chain],
            }
            for c in los.gaps
        ],
    }
