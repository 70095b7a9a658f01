"""Line of sight from part of an organisation: some nodes and everything above them, in plain
Python.

A node's trace, its distance below a vision, the gaps it hangs below and their causes depend
only on the nodes above it along SUPPORTS links and on the unit tree. So the upward closure of
a few nodes (`GraphStore.read_ancestry`) answers their line of sight as the whole
organisation's engine would, at a cost that follows the answer instead of the organisation:
what `stratmap line-of-sight NODE` reads.

The engine (service.engine.engine) decides the trace and the gaps in numpy passes over a
million nodes; an ancestry holds tens, and a command that answers for it must not first pay for
importing numpy, scipy and pydantic (half a second, against a 10 ms query). So here the same
rules (classify.trace and classify.classify) are applied node by node, and the engine's own
walks find the gaps' components (service.engine.components) and the paths and breaks
(service.engine.walks). tests/unit/test_ancestry.py holds the answers to the engine's, node
by node, on random organisations.

The one thing an ancestry cannot know is which existing ids a missing parent may be a typo of:
those come from every id of the tenant (`every_id`), read only when a chain breaks at a missing
parent. Nor does it know what hangs below a gap: its gaps name no stranded nodes (no line of
sight shows them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from graph_schema import (
    AncestryNode,
    AncestryRows,
    NodeKind,
    gap_cause,
    is_active,
    is_valid_support,
)
from service.engine import walks
from service.engine.components import source_components
from service.engine.results import Gap, GapReason
from service.engine.units import depths, is_middle_management_scope, objective_scope

if TYPE_CHECKING:
    from service.engine.suggest import IdIndex

__all__ = ["Ancestry"]

_VALID = frozenset((c.value, p.value) for c in NodeKind for p in NodeKind if is_valid_support(c, p))
_VISION, _OBJECTIVE, _INITIATIVE = (
    NodeKind.VISION.value,
    NodeKind.OBJECTIVE.value,
    NodeKind.INITIATIVE.value,
)
_OF_A_UNIT = frozenset(k.value for k in walks.LINE_OF_SIGHT_KINDS)


class Ancestry:
    """Line of sight over an ancestry, for one period; nodes are indexed in id order, as the
    engine indexes them."""

    def __init__(
        self, rows: AncestryRows, period: str | None, every_id: Callable[[], Sequence[str]]
    ) -> None:
        nodes, supports, unit_parent = rows
        self.rows = sorted(nodes, key=lambda r: r.id)
        self.ids = [r.id for r in self.rows]
        self.index = {node_id: i for i, node_id in enumerate(self.ids)}
        self._every_id = every_id
        self._id_index: IdIndex | None = None  # built on the first missing parent
        n, kinds = len(self.rows), [r.kind for r in self.rows]
        active = [is_active(r, period) for r in self.rows]
        # every link to an existing parent, valid or not, by child in parent id order (as the
        # stores read them, and so as the engine holds them); the missing parents apart
        parents: list[list[tuple[int, float, bool]]] = [[] for _ in range(n)]
        dangling: dict[int, list[str]] = {}
        for src, dst, weight in sorted(supports, key=lambda link: (link[0], link[1])):
            c = self.index[src]
            p = self.index.get(dst)
            if p is None:
                dangling.setdefault(c, []).append(dst)
            else:
                parents[c].append((p, weight, (kinds[c], kinds[p]) in _VALID))
        # the live links (valid, both ends active), by child (CSR, as the walks read) and by
        # parent
        ptr, idx, w = [0], [], []
        below: list[list[int]] = [[] for _ in range(n)]
        for c in range(n):
            if active[c]:
                for p, weight, valid in parents[c]:
                    if valid and active[p]:
                        idx.append(p)
                        w.append(weight)
                        below[p].append(c)
            ptr.append(len(idx))
        # the trace: breadth first down from every active vision (classify.trace)
        depth = [-1] * n
        queue = deque(v for v in range(n) if active[v] and kinds[v] == _VISION)
        for v in queue:
            depth[v] = 0
        while queue:
            v = queue.popleft()
            for c in below[v]:
                if depth[c] < 0:
                    depth[c] = depth[v] + 1
                    queue.append(c)
        traced = [d >= 0 for d in depth]
        self.kinds, self.active, self.traced = kinds, active, traced
        self._parents, self._ptr, self._idx, self._w, self._depth = parents, ptr, idx, w, depth
        self._scope_depths = depths(unit_parent)
        self.gap_of = self._gaps(dangling)

    def _gaps(self, dangling: dict[int, list[str]]) -> dict[int, Gap]:
        """Each gap member's gap (classify.classify): a strongly connected part of the untraced
        nodes with no live link out of it is a gap; of one node, for the first reason that
        holds (linked to nothing, a missing parent, an inactive parent, the level rules), else
        a cycle, broken at its smallest id."""
        active, traced = self.active, self.traced
        untraced = [v for v in range(len(active)) if active[v] and not traced[v]]
        gap_of: dict[int, Gap] = {}
        for members, cyclic in source_components(untraced, self._ptr, self._idx, set(untraced)):
            inactive = sorted({p for m in members for p, _, _ in self._parents[m] if not active[p]})
            missing = sorted({d for m in members for d in dangling.get(m, ())})
            first = members[0]
            if cyclic:
                reason = GapReason.CYCLE
            elif not self._parents[first] and first not in dangling:
                reason = GapReason.UNLINKED
            elif first in dangling:
                reason = GapReason.DANGLING_PARENT
            elif inactive:
                reason = GapReason.INACTIVE_PARENT
            else:
                reason = GapReason.LEVEL_INVERSION
            row = self.rows[first]
            gap = Gap(
                first,
                reason,
                members,
                missing,
                inactive,
                row.kind == _OBJECTIVE
                and is_middle_management_scope(objective_scope(row, self._scope_depths)),
                [],
                float(sum(_work(self.rows[m]) for m in members)),
            )
            for m in members:
                gap_of[m] = gap
        return gap_of

    def unit_work(self, units: set[str]) -> list[str]:
        """The ids of the active objectives, key results, behaviours and initiatives owned
        inside these units (Engine.unit_work), in id order."""
        return [
            r.id
            for r, a in zip(self.rows, self.active, strict=True)
            if a and r.unit in units and r.kind in _OF_A_UNIT
        ]

    def line_of_sight_json(self, node_id: str) -> dict[str, Any]:
        """The node's line of sight, as findings_json.line_of_sight_json gives the engine's."""
        found = walks.line_of_sight(
            self.index[node_id],
            self._ptr,
            self._idx,
            self._w,
            self._depth,
            self.traced,
            self.active,
            self.gap_of,
        )
        return walks.line_of_sight_json(
            found, self._ref, self.ids.__getitem__, self._cause, self._suggested
        )

    def _ref(self, i: int) -> dict[str, Any]:
        r = self.rows[i]
        return {"id": r.id, "kind": r.kind, "title": r.title, "owner": r.owner, "unit": r.unit}

    def _cause(self, gap: Gap) -> str:
        ids, bp = self.ids, gap.break_point
        return gap_cause(
            gap.reason.value,
            dangling=gap.dangling_refs,
            inactive=[ids[p] for p in gap.inactive_parents],
            invalid=[ids[p] for p, _, valid in self._parents[bp] if not valid],
            members=[ids[m] for m in gap.members],
            node=ids[bp],
        )

    def _suggested(self, gap: Gap) -> list[str]:
        if not gap.dangling_refs:
            return []
        if self._id_index is None:
            from service.engine.suggest import IdIndex  # numpy: only for a missing parent
            from service.gcpause import gc_paused

            with gc_paused():
                self._id_index = IdIndex(self._every_id())
        members = {self.ids[m] for m in gap.members}
        found: list[str] = self._id_index.suggest_ids(gap.dangling_refs, members, 3)
        return found


def _work(r: AncestryNode) -> float:
    """The work a gap's own members carry (an initiative's effort, 1 where not given)."""
    if r.kind != _INITIATIVE:
        return 0.0
    return float(r.effort) if r.effort is not None else 1.0
