"""Line of sight over an engine's arrays: the walks of service.engine.walks over memoryviews of
the live links, the trace and the depths of one version."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from service.engine import walks
from service.engine.arrays import view
from service.engine.graph import CompactGraph
from service.engine.results import Gap, LineOfSight
from service.engine.walks import MAX_PATHS


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
        return walks.line_of_sight(
            node,
            self.ptr,
            self.idx,
            self.w,
            self.depth,
            self.traced,
            self.active,
            self.gap_of,
            max_paths,
        )

    def weight(self, child: int, parent: int) -> float | None:
        """The weight of the live SUPPORTS link child -> parent (None where there is none)."""
        for k in range(self.ptr[child], self.ptr[child + 1]):
            if self.idx[k] == parent:
                return float(self.w[k])
        return None
