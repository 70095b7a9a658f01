"""Which strategy nothing executes, which goals each unit's work serves, and the scores."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from service.engine.graph import GOAL, INITIATIVE, KEY_RESULT, OBJECTIVE, CompactGraph
from service.engine.results import UnitFocus


def unsupported(g: CompactGraph, traced: np.ndarray) -> np.ndarray:
    """Traced goals, objectives and key results with no traced initiative below them."""
    n = g.n
    seeds = np.flatnonzero(traced & (g.kind == INITIATIVE)).astype(np.int32)
    src = np.concatenate([g.live_child, np.full(len(seeds), n, dtype=np.int32)])
    dst = np.concatenate([g.live_parent, seeds])
    m = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n + 1, n + 1))
    executed = np.zeros(n + 1, dtype=bool)
    executed[breadth_first_order(m, n, directed=True, return_predecessors=False)] = True
    strategy = np.isin(g.kind, [GOAL, OBJECTIVE, KEY_RESULT])
    found = np.flatnonzero(traced & strategy & ~executed[:n])
    return found[np.argsort(np.array([g.ids[i] for i in found], dtype=object), kind="stable")] if len(found) else found


@dataclass
class GoalReach:
    goals: np.ndarray  # indices of the active traced goals, by id
    goal_of: np.ndarray  # pairs (goal position, traced initiative) ...
    initiative: np.ndarray  # ... as two parallel arrays
    goal_count: np.ndarray  # per node: how many goals its work reaches


def goal_reach(g: CompactGraph, traced: np.ndarray) -> GoalReach:
    """For every active goal, the traced initiatives below it: one bounded walk per goal."""
    n = g.n
    goals = np.flatnonzero(traced & (g.kind == GOAL))
    goals = goals[np.argsort(np.array([g.ids[i] for i in goals], dtype=object), kind="stable")] if len(goals) else goals
    down = csr_matrix((np.ones(len(g.live_parent), dtype=np.int8), (g.live_parent, g.live_child)), shape=(n, n))
    is_init = traced & (g.kind == INITIATIVE)
    pos_parts: list[np.ndarray] = []
    init_parts: list[np.ndarray] = []
    for pos, goal in enumerate(goals.tolist()):
        below = breadth_first_order(down, goal, directed=True, return_predecessors=False)
        hits = below[is_init[below]]
        pos_parts.append(np.full(len(hits), pos, dtype=np.int32))
        init_parts.append(hits.astype(np.int32))
    goal_of = np.concatenate(pos_parts) if pos_parts else np.zeros(0, dtype=np.int32)
    initiative = np.concatenate(init_parts) if init_parts else np.zeros(0, dtype=np.int32)
    return GoalReach(goals, goal_of, initiative, np.bincount(initiative, minlength=n))


def by_goal(g: CompactGraph, reach: GoalReach, traced: np.ndarray) -> list[tuple[int, float, float | None]]:
    """(goal, traced work reaching it, its share of all traced work)."""
    total = float(g.work[traced & (g.kind == INITIATIVE)].sum())
    per = np.bincount(reach.goal_of, weights=g.work[reach.initiative], minlength=len(reach.goals))
    return [(int(goal), float(w), (float(w) / total) if total > 0 else None) for goal, w in zip(reach.goals, per)]


def unit_focus(g: CompactGraph, reach: GoalReach, traced: np.ndarray) -> list[UnitFocus]:
    active_goals = int((g.active & (g.kind == GOAL)).sum())
    traced_init = np.flatnonzero(traced & (g.kind == INITIATIVE))
    unit_work: dict[str, float] = {}
    for i in traced_init.tolist():
        if (u := g.unit[i]) is not None:
            unit_work[u] = unit_work.get(u, 0.0) + float(g.work[i])
    shares: dict[str, dict[int, float]] = {}
    counts = reach.goal_count
    for pos, i in zip(reach.goal_of.tolist(), reach.initiative.tolist()):
        if (u := g.unit[i]) is not None:
            per = shares.setdefault(u, {})
            per[pos] = per.get(pos, 0.0) + float(g.work[i]) / counts[i]
    out: list[UnitFocus] = []
    for u in sorted(unit_work):
        per = shares.get(u, {})
        total = sum(per.values())
        ps = {pos: (w / total) for pos, w in per.items()} if total > 0 else {}
        entropy = -sum(p * math.log(p) for p in ps.values() if p > 0)
        focus = 1.0 if active_goals < 2 else max(0.0, 1.0 - entropy / math.log(active_goals))
        goals = sorted(((int(reach.goals[pos]), p) for pos, p in ps.items()), key=lambda t: (-t[1], g.ids[t[0]]))
        out.append(UnitFocus(u, focus, unit_work[u], goals))
    out.sort(key=lambda f: (f.focus if f.focus is not None else 2.0, f.unit))
    return out


@dataclass
class Score:
    work: float
    traced_work: float

    @property
    def score(self) -> float | None:
        return self.traced_work / self.work if self.work > 0 else None


def scores(g: CompactGraph, traced: np.ndarray) -> tuple[Score, dict[str, Score]]:
    """Overall and per unit, each unit's figure rolled up from the units below it."""
    live_init = np.flatnonzero(g.active & (g.kind == INITIATIVE))
    overall = Score(float(g.work[live_init].sum()), float(g.work[live_init[traced[live_init]]].sum()))
    direct: dict[str, Score] = {u: Score(0.0, 0.0) for u in g.unit_parent}
    for i in live_init.tolist():
        if (u := g.unit[i]) is None:
            continue
        s = direct.setdefault(u, Score(0.0, 0.0))
        s.work += float(g.work[i])
        if traced[i]:
            s.traced_work += float(g.work[i])
    rolled = {u: Score(s.work, s.traced_work) for u, s in direct.items()}
    for u, s in direct.items():
        seen = {u}
        parent = g.unit_parent.get(u)
        while parent is not None and parent not in seen:  # a unit cycle in bad data must not hang us
            seen.add(parent)
            target = rolled.setdefault(parent, Score(0.0, 0.0))
            target.work += s.work
            target.traced_work += s.traced_work
            parent = g.unit_parent.get(parent)
    return overall, dict(sorted(rolled.items()))
