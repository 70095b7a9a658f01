"""Line of sight: the paths from a node up to a vision, shortest first, or where they break.

Paths are enumerated best-first with the exact distance to the nearest vision as heuristic
(the BFS depth computed once per version), so every expansion lies on a shortest completion
and the work is bounded by the answer, not by the graph.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping
from typing import TypeAlias

import numpy as np

from service.engine.arrays import view
from service.engine.graph import CompactGraph
from service.engine.results import Gap, GapChain, LineOfSight, Path

MAX_PATHS = 100
_EXPANSION_BUDGET = (
    4  # pops per step per requested path: guards against pathological simple-path searches
)

# A partial path: (node, previous entry, length, strength, monotone), linked backwards.
Entry: TypeAlias = tuple[int, "Entry | None", int, float, bool]


class LineOfSightIndex:
    def __init__(
        self,
        g: CompactGraph,
        traced: np.ndarray,
        depth: np.ndarray,
        gaps: list[Gap],
        gap_of: Mapping[int, Gap] | None = None,
    ) -> None:
        self.g = g
        # memoryviews: Python ints on access, no million-entry list built per version
        self.traced = view(np.ascontiguousarray(traced))
        self.depth = view(np.ascontiguousarray(depth))
        self.ptr = view(g.up_ptr)
        self.idx = view(g.up_idx)
        self.w = view(np.ascontiguousarray(g.up_w))
        self.active = view(g.active)
        # each gap member's gap (given by a patched engine, which updates the previous one's)
        self.gap_of: Mapping[int, Gap] = (
            {m: gap for gap in gaps for m in gap.members} if gap_of is None else gap_of
        )

    _VIEWS = ("traced", "depth", "ptr", "idx", "w", "active")

    def __getstate__(self) -> dict[str, object]:
        # a persisted engine (service.engine.snapshot) keeps the arrays under the views
        state = dict(self.__dict__)
        for name in self._VIEWS:
            state[name] = np.asarray(state[name])
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for name in self._VIEWS:
            state[name] = view(np.ascontiguousarray(state[name]))
        self.__dict__.update(state)

    def of(self, node: int, max_paths: int = MAX_PATHS) -> LineOfSight:
        if not self.active[node]:
            return LineOfSight(node, False, False, [], False, [])
        if self.traced[node]:
            paths, truncated = self._paths(node, max_paths)
            return LineOfSight(node, True, True, paths, truncated, [])
        return LineOfSight(node, False, True, [], False, self._breaks(node))

    def weight(self, child: int, parent: int) -> float | None:
        """The weight of the live SUPPORTS link child -> parent (None where there is none)."""
        for k in range(self.ptr[child], self.ptr[child + 1]):
            if self.idx[k] == parent:
                return float(self.w[k])
        return None

    def _paths(self, start: int, max_paths: int) -> tuple[list[Path], bool]:
        ptr, idx, w, depth, traced = self.ptr, self.idx, self.w, self.depth, self.traced
        # A partial path is a linked entry (node, previous entry, length, strength, monotone):
        # extending it costs O(1), not a copy. While every step so far went strictly closer to
        # a vision ("monotone"), no node can repeat, so the simple-path check is skipped.
        # Keyed (length so far + distance left, -length, arrival): depth is the exact distance
        # to a vision, so the key never drops along a path (A*), and among equal keys the
        # partial path furthest along goes first. Breadth-first among them, a 12-rung ladder
        # (each node under both of the rung above) spent the whole budget on 2^12 half-paths.
        heap: list[tuple[int, int, int, Entry]] = [
            (depth[start], -1, 0, (start, None, 1, 1.0, True))
        ]
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
                if not (monotone and closer) and self._on(entry, p):
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

    @staticmethod
    def _on(entry: Entry | None, node: int) -> bool:
        while entry is not None:
            if entry[0] == node:
                return True
            entry = entry[1]
        return False

    def _breaks(self, start: int) -> list[GapChain]:
        """The partial chains from an untraced node up to each gap it hangs below."""
        ptr, idx, traced, active = self.ptr, self.idx, self.traced, self.active
        came: dict[int, int] = {start: -1}
        queue = deque([start])
        found: list[GapChain] = []
        seen_gaps: set[int] = set()
        while queue:
            v = queue.popleft()
            gap = self.gap_of.get(v)
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
