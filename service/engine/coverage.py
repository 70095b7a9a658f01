"""Which strategy nothing executes, which goals each unit's work serves, and the scores."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from service.engine import units
from service.engine.arrays import group_sums
from service.engine.classify import with_root
from service.engine.graph import GOAL, INITIATIVE, KEY_RESULT, OBJECTIVE, CompactGraph
from service.engine.results import UnitFocus


def unsupported(g: CompactGraph, traced: np.ndarray, executed: np.ndarray) -> np.ndarray:
    """Traced goals, objectives and key results with no traced initiative below them."""
    strategy = np.isin(g.kind, [GOAL, OBJECTIVE, KEY_RESULT])
    return np.flatnonzero(traced & strategy & ~executed)


def executed(g: CompactGraph, traced: np.ndarray) -> np.ndarray:
    """Per node: whether a traced initiative lies at or below it (over live links)."""
    n = g.n
    seeds = np.flatnonzero(traced & (g.kind == INITIATIVE))
    m = with_root(g.up_ptr, g.up_idx, seeds)  # the live links by child
    executed = np.zeros(n + 1, dtype=bool)
    executed[breadth_first_order(m, n, directed=True, return_predecessors=False)] = True
    return executed[:n]


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
    # float64 data and canonical form up front: scipy's traversals convert and check the matrix
    # on every call otherwise, once per goal
    down = csr_matrix((np.ones(len(g.live_parent)), g.down_idx, g.down_ptr), shape=(n, n))
    down.sum_duplicates()
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
    counts = np.bincount(initiative, minlength=n).astype(np.int32)  # 4 bytes a node, not 8
    return GoalReach(goals, goal_of, initiative, counts)


def by_goal(
    g: CompactGraph, reach: GoalReach, traced: np.ndarray
) -> list[tuple[int, float, float | None]]:
    """(goal, traced work reaching it, its share of all traced work)."""
    total = float(g.work[traced & (g.kind == INITIATIVE)].sum())
    per = np.bincount(reach.goal_of, weights=g.work[reach.initiative], minlength=len(reach.goals))
    return [
        (int(goal), float(w), (float(w) / total) if total > 0 else None)
        for goal, w in zip(reach.goals, per, strict=True)
    ]


def unit_focus(g: CompactGraph, reach: GoalReach, traced: np.ndarray) -> list[UnitFocus]:
    """Per unit: the shares of its traced work over the goals it reaches, and 1 - H/log(G)."""
    active_goals = int((g.active & (g.kind == GOAL)).sum())
    n_units, n_goals = len(g.unit_ids), max(len(reach.goals), 1)
    traced_init = np.flatnonzero(traced & (g.kind == INITIATIVE) & (g.unit_code >= 0))
    unit_work = np.bincount(
        g.unit_code[traced_init], weights=g.work[traced_init], minlength=n_units
    )
    has_unit = g.unit_code[reach.initiative] >= 0
    init = reach.initiative[has_unit]
    # a work item reaching k goals counts 1/k for each of them
    share = g.work[init] / reach.goal_count[init]
    key = g.unit_code[init].astype(np.int64) * n_goals + reach.goal_of[has_unit]
    keys, mass = group_sums(key, share, n_units * n_goals)
    k_unit, k_goal = keys // n_goals, keys % n_goals
    total = np.bincount(k_unit, weights=mass, minlength=n_units)
    # a unit whose work reaching goals is all of zero effort has no shares to weigh: 0, not
    # the NaN of 0 / 0 (which sorted nowhere and is not JSON)
    p = np.divide(mass, total[k_unit], out=np.zeros(len(mass)), where=total[k_unit] > 0)
    entropy = np.bincount(
        k_unit, weights=np.where(p > 0, -p * np.log(np.where(p > 0, p, 1)), 0), minlength=n_units
    )
    starts = np.searchsorted(k_unit, np.arange(n_units + 1)).tolist()
    goal_id = reach.goals[k_goal]
    # per unit: largest share first, ties by goal. The keys come sorted by unit, then goal, and
    # goals are numbered in id order, so a stable sort on (unit, -share) leaves ties by goal.
    order = np.lexsort((-p, k_unit))
    goal_list, share_list = goal_id[order].tolist(), p[order].tolist()
    out: list[UnitFocus] = []
    for u in np.flatnonzero(unit_work > 0).tolist():
        focus = (
            1.0 if active_goals < 2 else max(0.0, 1.0 - float(entropy[u]) / math.log(active_goals))
        )
        lo, hi = starts[u], starts[u + 1]
        out.append(
            UnitFocus(
                g.unit_ids[u],
                focus,
                float(unit_work[u]),
                list(zip(goal_list[lo:hi], share_list[lo:hi], strict=True)),
            )
        )
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
    overall = Score(
        float(g.work[live_init].sum()), float(g.work[live_init[traced[live_init]]].sum())
    )
    coded = live_init[g.unit_code[live_init] >= 0]
    codes = g.unit_code[coded]
    work = np.bincount(codes, weights=g.work[coded], minlength=len(g.unit_ids))
    done = np.bincount(
        codes, weights=np.where(traced[coded], g.work[coded], 0.0), minlength=len(g.unit_ids)
    )
    direct = {
        u: Score(float(w), float(t))
        for u, w, t in zip(g.unit_ids, work.tolist(), done.tolist(), strict=True)
    }
    sums = units.rolled_up(g.unit_parent, {u: (s.work, s.traced_work) for u, s in direct.items()})
    return overall, {u: Score(w, t) for u, (w, t) in sorted(sums.items())}
