"""The analysis engine: every analysis of DESIGN section 2, computed once per version.

An `Engine` is immutable: built from one snapshot of the store (one version, one period), it
computes each analysis the first time it is asked and keeps it. Readers never touch the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, wraps
from itertools import pairwise, repeat
from operator import is_not
from typing import Any, TypeVar

import numpy as np

from graph_schema import NodeKind, Scope, Status, Value, gap_cause
from graph_schema.rows import GraphRows
from service.engine import classify, coverage, dominators, overlap, units
from service.engine.arrays import stable_order
from service.engine.column import Column
from service.engine.graph import (
    INITIATIVE,
    KEY_RESULT,
    KINDS,
    CompactGraph,
    build_graph,
    in_period,
)
from service.engine.line_of_sight import LineOfSightIndex
from service.engine.results import Gap, GapReason, LineOfSight, Overlap, UnitFocus
from service.engine.suggest import IdIndex
from service.engine.units import is_middle_management_scope
from service.engine.views import NodeView, ParentLinkView
from service.engine.walks import LINE_OF_SIGHT_KINDS, MAX_PATHS
from service.errors import UnknownNode
from service.gcpause import gc_paused

T = TypeVar("T")


def _breadth_first(
    starts: list[int],
    neighbours: Callable[[int], list[int]],
    keep: Callable[[int], bool],
    limit: int,
) -> list[int]:
    """The nodes reached from `starts` (themselves excluded) through `neighbours`, visiting only
    those `keep` accepts, nearest first, at most `limit`: costs what it returns and their
    links."""
    seen = set(starts)
    found: list[int] = []
    frontier = starts
    while frontier and len(found) < limit:
        nxt: list[int] = []
        for v in frontier:
            for w in neighbours(v):
                if w not in seen and keep(w) and len(found) < limit:
                    seen.add(w)
                    found.append(w)
                    nxt.append(w)
        frontier = nxt
    return found


def analysis(fn: Callable[[Engine], T]) -> cached_property[T]:
    """Memoise an analysis on the engine; the GC is paused while it allocates in bulk."""

    @wraps(fn)
    def run(self: Engine) -> T:
        with gc_paused():
            return fn(self)

    return cached_property(run)


@dataclass(frozen=True)
class Links:
    """Every SUPPORTS link both ways (valid or not, to existing parents) as CSR over the edge
    arrays, and the other relations by node: built in O(V + E) with the engine, so browsing a
    node's parents or children costs its own links, not a pass over the graph."""

    up_ptr: np.ndarray  # int32, n + 1: node i's links are up_edge[up_ptr[i]:up_ptr[i + 1]]
    up_edge: np.ndarray  # int32 edge indices (into CompactGraph.e_*), grouped by child
    down_ptr: np.ndarray  # int32, n + 1
    down_child: np.ndarray  # int32 children, grouped by parent, in id order
    depends_on: dict[int, list[int]]
    conflicts_with: dict[int, list[int]]


# Every memoised analysis that does not read titles, in an order that reuses earlier results.
ANALYSES = (
    "gaps",
    "orphans",
    "unsupported",
    "load_bearing",
    "unit_focus",
    "by_goal",
    "_scores",
    "unowned",
    "conflicts",
    "risky_dependencies",
    "invalid_links",
    "_line_of_sight",
)
# The indexes browsing reads (parents and children, nodes by unit, status, period and title),
# built with the analyses so that no request pays for one.
INDEXES = ("links", "_by_unit", "_status_code", "_period_code", "_titles_lower")
STRUCTURAL = ANALYSES + INDEXES


_STATUS = {s.value: s for s in Status}
_SCOPE = {s.value: s for s in Scope}


def _codes(values: list[str | None]) -> tuple[dict[str | None, int], np.ndarray]:
    """Each distinct value's code, and every value as its code, in the narrowest integer type
    that holds them (a status has five values: one byte a node, not four)."""
    # first-seen order, as numbering them one by one would give, at C speed (no generator)
    known = {v: code for code, v in enumerate(dict.fromkeys(values))}
    if len(known) <= 1:  # one value (no node names a period, say): every code is 0
        return known, np.zeros(len(values), dtype=np.int8)
    codes = np.fromiter(map(known.__getitem__, values), np.int32, len(values))
    return known, codes.astype(np.min_scalar_type(-max(len(known), 1)))


# The analyses a patched engine (service.engine.patch) takes from the engine it was patched
# from, as they were, until they are computed again (patch.refreshed) or a rebuild replaces
# it: each is a pass over the whole graph.
CARRIED = ("load_bearing", "overlaps", "unit_focus", "_goal_reach")


_SUGGESTIONS = 3  # suggested parents kept per gap


class Engine:
    # analyses whose values are a previous version's (a patched engine's CARRIED ones)
    stale: frozenset[str] = frozenset()

    def __init__(self, rows: GraphRows, period: str | None = None) -> None:
        with gc_paused():
            self.graph: CompactGraph = build_graph(rows, period)
        self.version = rows.version
        self.period = period
        self.units = {u.id: u for u in rows.units}
        self.people = {p.id: p for p in rows.people}
        self.values = {v.id: v for v in rows.values}

    @classmethod
    def derived(
        cls, graph: CompactGraph, base: Engine, analyses: dict[str, Any], *, carry: bool
    ) -> Engine:
        """The engine of `graph`, a later version of `base`'s with the same organisation,
        holding these analyses already (service.engine.patch): every other one is computed
        on first use, except, with `carry`, those carried from `base` (CARRIED), which stay
        stale."""
        engine = cls.__new__(cls)
        engine.graph = graph
        engine.version, engine.period = graph.version, base.period
        engine.units, engine.people, engine.values = base.units, base.people, base.values
        carried = {k: base.__dict__[k] for k in CARRIED if carry and k in base.__dict__}
        engine.__dict__.update(carried)
        engine.__dict__.update(analyses)
        engine.stale = frozenset(carried) - {"_goal_reach"}
        return engine

    @classmethod
    def in_period(cls, base: Engine, period: str | None) -> Engine:
        """The engine of `base`'s version for another period, sharing base's organisation
        (graph.in_period): every analysis is computed for the period, on first use."""
        engine = cls.__new__(cls)
        engine.graph = in_period(base.graph, period)
        engine.version, engine.period = base.version, period
        engine.units, engine.people, engine.values = base.units, base.people, base.values
        if "_id_index" in base.__dict__:  # the same ids
            engine.__dict__["_id_index"] = base.__dict__["_id_index"]
        return engine

    def __getstate__(self) -> dict[str, Any]:
        # a copy: requests keep memoising analyses into __dict__ while a snapshot is written
        # (service.engine.snapshot), and pickling a dict that grows fails half way; the kept
        # suggestions, a dict requests grow too, are left out (they are cheap to find again)
        state = dict(self.__dict__)
        state.pop("_suggested", None)
        return state

    # -- the analyses, each memoised --------------------------------------------------
    @analysis
    def _reach(self) -> classify.Trace:
        return classify.trace(self.graph)

    @property
    def traced(self) -> np.ndarray:
        return self._reach.traced

    @analysis
    def gaps(self) -> list[Gap]:
        return classify.classify(self.graph, self.traced)

    @cached_property
    def _id_index(self) -> IdIndex:
        # built on the first question only: many organisations never dangle a parent
        with gc_paused():
            return IdIndex(self.graph.ids)

    def suggested_parent_ids(self, gap: Gap, limit: int = 3) -> list[str]:
        """For each parent id the gap's members name but no node has: the closest existing ids
        (likely typos, service.engine.suggest), in the order the references come, never a
        member itself."""
        if not gap.dangling_refs:
            return []
        # kept per gap: a gap's row asks for three, and who can fix it for the first of them
        # (the same one: a longer list only extends a shorter), a few ms of index work each
        memo: dict[int, list[str]] = self.__dict__.setdefault("_suggested", {})
        if limit <= _SUGGESTIONS and (kept := memo.get(gap.break_point)) is not None:
            return kept[:limit]
        members = {self.graph.ids[m] for m in gap.members}
        out = self._id_index.suggest_ids(gap.dangling_refs, members, max(limit, _SUGGESTIONS))
        memo[gap.break_point] = out
        return out[:limit]

    def suggested_parents(self, gap: Gap, limit: int = 3) -> list[int]:
        """suggested_parent_ids, as nodes of this engine."""
        return [self.graph.index[i] for i in self.suggested_parent_ids(gap, limit)]

    @analysis
    def orphans(self) -> list[int]:
        return sorted(g.break_point for g in self.gaps if g.reason is GapReason.UNLINKED)

    @analysis
    def _executed(self) -> np.ndarray:
        return coverage.executed(self.graph, self.traced)

    @analysis
    def unsupported(self) -> list[int]:
        found: list[int] = coverage.unsupported(self.graph, self.traced, self._executed).tolist()
        return found

    @analysis
    def load_bearing(self) -> dominators.LoadBearing:
        reach = self._reach
        if not isinstance(reach, classify.Reach):  # a patched trace keeps no BFS tree
            reach = classify.trace(self.graph)
        return dominators.load_bearing(self.graph, reach)

    @analysis
    def overlaps(self) -> list[Overlap]:
        return overlap.overlaps(self.graph)

    @analysis
    def _goal_reach(self) -> coverage.GoalReach:
        return coverage.goal_reach(self.graph, self.traced)

    @analysis
    def unit_focus(self) -> list[UnitFocus]:
        return coverage.unit_focus(self.graph, self._goal_reach, self.traced)

    @analysis
    def by_goal(self) -> list[tuple[int, float, float | None]]:
        return coverage.by_goal(self.graph, self._goal_reach, self.traced)

    @analysis
    def _scores(self) -> tuple[coverage.Score, dict[str, coverage.Score]]:
        return coverage.scores(self.graph, self.traced)

    @property
    def overall(self) -> coverage.Score:
        """Work and traced work over the whole organisation."""
        return self._scores[0]

    @property
    def score(self) -> float | None:
        return self._scores[0].score

    @property
    def by_unit(self) -> dict[str, coverage.Score]:
        return self._scores[1]

    @analysis
    def unowned(self) -> np.ndarray:
        g = self.graph
        owned = np.fromiter(
            map(is_not, g.owner, repeat(None)), dtype=bool, count=g.n
        )  # C calls, no generator frame
        return np.flatnonzero(g.active & ~owned).astype(np.int32)  # most nodes: 4 bytes each

    @analysis
    def conflicts(self) -> list[tuple[int, int]]:
        """Declared tensions between traced key results owned by different units."""
        g, t = self.graph, self.traced
        pairs: set[tuple[int, int]] = set()
        for a, b in g.conflicts_with:
            if a == b or not (t[a] and t[b]) or g.kind[a] != KEY_RESULT or g.kind[b] != KEY_RESULT:
                continue
            if g.unit[a] is not None and g.unit[b] is not None and g.unit[a] != g.unit[b]:
                pairs.add(tuple(sorted((a, b))))  # type: ignore[arg-type]
        return sorted(
            pairs,
        )

    @analysis
    def risky_dependencies(self) -> list[tuple[int, int]]:
        """Traced work that depends on active work which does not trace to the vision."""
        g, t = self.graph, self.traced
        found = [
            (a, b)
            for a, b in g.depends_on
            if t[a] and g.kind[a] == INITIATIVE and g.active[b] and not t[b]
        ]
        return sorted(
            found,
        )

    @analysis
    def invalid_links(self) -> list[tuple[int, int]]:
        """SUPPORTS links that break the level rules: reported, never followed."""
        g = self.graph
        bad = ~g.e_valid & g.active[g.e_child]
        pairs = list(zip(g.e_child[bad].tolist(), g.e_parent[bad].tolist(), strict=True))
        return sorted(
            pairs,
        )

    @analysis
    def _line_of_sight(self) -> LineOfSightIndex:
        return LineOfSightIndex(self.graph, self.traced, self._reach.depth, self.gaps)

    def analyse_all(self) -> None:
        """Compute every memoised analysis now (used before serving, and by the benchmark).

        The title pass and the browsing indexes need nothing the analyses compute, and the
        title pass is mostly NumPy work that releases the GIL, so they run on a second core
        meanwhile: at 1M nodes 0.81-0.83 s in all against 0.86-0.94 s with the indexes on the
        first (alternating runs), and against 1.4 s one after another.
        """

        def titles_and_indexes() -> None:
            _ = self.overlaps
            for name in INDEXES:
                getattr(self, name)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stratmap-titles") as pool:
            side = pool.submit(titles_and_indexes)
            for name in ANALYSES:
                getattr(self, name)
            side.result()
        _ = self._counts  # counts everything, overlaps included: only once both sides are done

    @analysis
    def links(self) -> Links:
        """Every SUPPORTS link both ways (valid or not, parents existing), for browsing."""
        g = self.graph
        up_ptr = np.zeros(g.n + 1, dtype=np.int32)
        np.cumsum(np.bincount(g.e_child, minlength=g.n), out=up_ptr[1:])
        down_ptr = np.zeros(g.n + 1, dtype=np.int32)
        np.cumsum(np.bincount(g.e_parent, minlength=g.n), out=down_ptr[1:])
        # children by parent, then in id order: one value sort of parent * n + child, whose
        # remainders are the children (a SIMD sort; a two-key lexsort took 86 ms at 1M, this 8)
        by_parent = np.sort(g.e_parent.astype(np.int64) * max(g.n, 1) + g.e_child)
        depends: dict[int, list[int]] = {}
        for a, b in g.depends_on:
            depends.setdefault(a, []).append(b)
        conflicts: dict[int, list[int]] = {}
        for a, b in g.conflicts_with:
            conflicts.setdefault(a, []).append(b)
        return Links(
            up_ptr,
            np.argsort(g.e_child, kind="stable").astype(np.int32),
            down_ptr,
            (by_parent % max(g.n, 1)).astype(np.int32),
            depends,
            conflicts,
        )

    # -- lookups ------------------------------------------------------------------------
    @cached_property
    def _columns(self) -> tuple[Column[NodeKind], Column[bool], Column[float]]:
        # per-node Python values, decoded once per version so that a view costs no NumPy call
        # (Columns: a patched version updates the entries it changed, service.engine.patch)
        g = self.graph
        return (
            Column([KINDS[c] for c in g.kind.tolist()]),
            Column(self.traced.tolist()),
            Column(g.work.tolist()),
        )

    def node(self, i: int) -> NodeView:
        """Node `i` as a frozen view (the one way to read a node outside the engine)."""
        g = self.graph
        row = g.rows[i]
        kinds, traced, work = self._columns
        scope = g.scope[i]
        return NodeView(
            i,
            row.id,
            kinds[i],
            row.title,
            _STATUS[row.status],
            row.period,
            row.description,
            row.source,
            row.owner,
            row.unit,
            traced[i],
            _SCOPE[scope] if scope else None,
            is_middle_management_scope(scope),
            row.start,
            row.target,
            row.current,
            row.measure_unit,
            row.effort,
            work[i],
        )

    # -- indexes for browsing, built once per version (O(V)); each query costs its answer ----
    @analysis
    def _by_unit(self) -> tuple[np.ndarray, np.ndarray]:
        """Nodes grouped by unit (CSR over unit code + 1, code 0 being "no unit"), in id order."""
        g = self.graph
        codes = g.unit_code.astype(np.int64) + 1
        ptr = np.zeros(len(g.unit_ids) + 2, dtype=np.int64)
        np.cumsum(np.bincount(codes, minlength=len(g.unit_ids) + 1), out=ptr[1:])
        return ptr, stable_order(codes).astype(np.int32)

    @analysis
    def _status_code(self) -> tuple[dict[str | None, int], np.ndarray]:
        return _codes([r.status for r in self.graph.rows])

    @analysis
    def _period_code(self) -> tuple[dict[str | None, int], np.ndarray]:
        return _codes([r.period for r in self.graph.rows])

    def periods(self) -> list[str]:
        """The periods the nodes name, sorted (a node without one is in every period)."""
        return sorted(p for p in self._period_code[0] if p is not None)

    @analysis
    def _titles_lower(self) -> tuple[str, np.ndarray]:
        """Every title lowered, joined by NUL, and where each starts: a substring search is one
        C-level scan of one string instead of a million Python comparisons."""
        titles = list(self.graph.titles)
        raw = "\0".join(titles)
        # ASCII lowered whole keeps every length, at C speed; anything else one title at a time:
        # CPython lowers a non-ASCII string through a buffer of 12 bytes a character (a million
        # titles: 400 MB), and a letter may lower into two ('İ')
        if raw.isascii():
            joined = raw.lower()
        else:
            titles = [t.lower() for t in titles]
            joined = "\0".join(titles)
        starts = np.zeros(len(titles) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, titles), np.int64, len(titles)) + 1, out=starts[1:])
        return joined, starts.astype(np.min_scalar_type(int(starts[-1])))

    def in_units(self, units: set[str]) -> np.ndarray:
        """The nodes owned inside these units, in id order; costs the answer, not the graph."""
        g = self.graph
        ptr, order = self._by_unit
        where = {u: c + 1 for c, u in enumerate(g.unit_ids)}
        parts = [order[ptr[c] : ptr[c + 1]] for u in units if (c := where.get(u)) is not None]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int32)

    def _matching(self, needle: str) -> np.ndarray:
        """The nodes whose lowered title contains `needle`, in id order."""
        text, starts = self._titles_lower
        if not needle or "\0" in needle:
            return np.zeros(0, dtype=np.int64)
        hits: list[int] = []
        at, find, step = text.find(needle), text.find, len(needle)
        while at != -1:
            hits.append(at)
            at = find(needle, at + step)
        nodes = np.searchsorted(starts, np.array(hits, dtype=np.int64), side="right") - 1
        return np.unique(nodes)

    def find(
        self,
        *,
        kind: NodeKind | None = None,
        units: set[str] | None = None,
        status: Status | None = None,
        period: str | None = None,
        search: str | None = None,
    ) -> list[int]:
        """Nodes in id order matching every filter given (title search ignores case), found
        through the engine's indexes: the narrowest of unit and title first, then masks."""
        g = self.graph
        chosen: np.ndarray | None = None  # None: every node (never materialised unless needed)
        if units is not None:
            chosen = self.in_units(units).astype(np.int64)
        if search:
            hits = self._matching(search.lower())
            chosen = hits if chosen is None else np.intersect1d(chosen, hits, assume_unique=True)
        picked = np.arange(g.n, dtype=np.int64) if chosen is None else chosen
        if kind is not None:
            picked = picked[g.kind[picked] == KINDS.index(kind)]
        if status is not None:
            known, codes = self._status_code
            picked = picked[codes[picked] == known.get(status.value, -1)]
        if period is not None:
            known, codes = self._period_code
            picked = picked[codes[picked] == known.get(period, -1)]
        found: list[int] = picked.tolist()
        return found

    def keep(
        self,
        indices: Sequence[int] | np.ndarray,
        *,
        kind: NodeKind | None = None,
        units: set[str] | None = None,
    ) -> list[int]:
        """The nodes of `indices` (in their order) of this kind and owned inside these units."""
        g = self.graph
        picked = np.asarray(indices, dtype=np.int64)
        if kind is not None:
            picked = picked[g.kind[picked] == KINDS.index(kind)]
        out: list[int] = picked.tolist()
        return out if units is None else [i for i in out if g.unit[i] in units]

    def find_index(self, node_id: str) -> int | None:
        """The index of the node with this id, None where no node has it."""
        g = self.graph
        # the id index may be shared with later, patched versions, which add to it
        i = g.index.get(node_id)
        return i if i is not None and i < g.n and g.ids[i] == node_id else None

    def has_unit(self, unit_id: str) -> bool:
        """A unit of the unit tree, or one a node names."""
        return unit_id in self.graph.unit_ids

    def parent_links(self, i: int) -> list[ParentLinkView]:
        """Every SUPPORTS link of node `i`: to existing nodes (valid or not), then dangling."""
        g, links = self.graph, self.links
        edges = links.up_edge[links.up_ptr[i] : links.up_ptr[i + 1]]
        found = [
            ParentLinkView(g.ids[p], p, w, v, False)
            for p, w, v in zip(
                g.e_parent[edges].tolist(),
                g.e_weight[edges].tolist(),
                g.e_valid[edges].tolist(),
                strict=True,
            )
        ]
        found += [ParentLinkView(d, None, 1.0, False, True) for d in self.graph.dangling.get(i, [])]
        return found

    def above(self, i: int, limit: int) -> list[int]:
        """What node `i` hangs from: its parents, theirs and so on, through every link to an
        existing node (valid or not, active or not), nearest first, at most `limit`. A gap's
        chain above its break point; costs the nodes it returns and their links."""
        g, links = self.graph, self.links

        def parents(c: int) -> list[int]:
            found: list[int] = g.e_parent[
                links.up_edge[links.up_ptr[c] : links.up_ptr[c + 1]]
            ].tolist()
            return found

        return _breadth_first([i], parents, lambda _: True, limit)

    def stranded_nearest(self, gap: Gap) -> list[int]:
        """The gap's stranded nodes nearest first (breadth first down from its members), so
        that any first few of them hang from the break point or from one another: a drawing
        of the first forty is connected, where the first forty by id float apart."""
        ptr, idx = self.graph.down_ptr, self.graph.down_idx

        def children(v: int) -> list[int]:
            found: list[int] = idx[ptr[v] : ptr[v + 1]].tolist()
            return found

        inside = set(gap.stranded)
        return _breadth_first(list(gap.members), children, inside.__contains__, len(inside))

    def children_of(self, i: int) -> list[int]:
        """Nodes with a SUPPORTS link to `i` (valid or not), in id order."""
        links = self.links
        found: list[int] = links.down_child[links.down_ptr[i] : links.down_ptr[i + 1]].tolist()
        return found

    def conflicts_of(self, i: int) -> list[int]:
        return self.links.conflicts_with.get(i, [])

    def depends_of(self, i: int) -> list[int]:
        return self.links.depends_on.get(i, [])

    def values_of(self, i: int) -> list[Value]:
        """The values a behaviour expresses (those the organisation defines)."""
        found = (self.values.get(v) for v in self.graph.expresses.get(i, []))
        return [v for v in found if v is not None]

    def kind_at(self, i: int) -> NodeKind:
        return self._columns[0][i]

    def index_of(self, node_id: str) -> int:
        i = self.find_index(node_id)
        if i is None:
            raise UnknownNode(node_id)
        return i

    def line_of_sight(self, node_id: str, max_paths: int = MAX_PATHS) -> LineOfSight:
        return self.line_of_sight_at(self.index_of(node_id), max_paths)

    def line_of_sight_at(self, index: int, max_paths: int = MAX_PATHS) -> LineOfSight:
        return self._line_of_sight.of(index, max_paths)

    def step_weights(self, steps: Sequence[int]) -> list[float | None]:
        """For each step of a path, the weight of its link up to the next step (None last)."""
        los = self._line_of_sight
        return [los.weight(a, b) for a, b in pairwise(steps)] + [None] if steps else []

    def units_below(self, unit_id: str) -> set[str]:
        """The unit and every unit below it in the unit tree."""
        return units.below(self.graph.unit_parent, unit_id)

    def unit_work(self, unit_id: str) -> list[int]:
        """Active objectives, key results, behaviours and initiatives owned by the unit or by a
        unit below it, in id order: what a manager's line of sight covers (OKR-only data has
        no initiatives at all)."""
        g = self.graph
        picked = self.in_units(self.units_below(unit_id))
        wanted = np.isin(g.kind[picked], [KINDS.index(k) for k in LINE_OF_SIGHT_KINDS])
        found: list[int] = picked[g.active[picked] & wanted].tolist()
        return found

    def leader_of(self, unit_id: str | None) -> str | None:
        """Who leads the unit, else the nearest unit above it that has a leader."""
        leaders = self._leaders
        seen: set[str] = set()
        while unit_id is not None and unit_id not in seen:
            if unit_id in leaders:
                return leaders[unit_id]
            seen.add(unit_id)
            unit_id = self.graph.unit_parent.get(unit_id)
        return None

    @cached_property
    def _leaders(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for p in sorted(self.people.values(), key=lambda p: p.id):
            for u in p.leads:
                found.setdefault(u, p.id)
        return found

    def cause(self, gap: Gap) -> str:
        """Why the gap's chain breaks, in words that name the other nodes involved."""
        ids, bp = self.graph.ids, gap.break_point
        return gap_cause(
            gap.reason.value,
            dangling=gap.dangling_refs,
            inactive=[ids[p] for p in gap.inactive_parents],
            invalid=[p.id for p in self.parent_links(bp) if not p.valid and not p.dangling],
            members=[ids[m] for m in gap.members],
            node=ids[bp],
        )

    def fixer(self, gap: Gap) -> str | None:
        """Who can mend the gap: the owner of the parent it most likely meant (a missing id),
        of the parent that is no longer active, or of the parent linked against the level
        rules; for a node linked to nothing or a cycle, the leader of the break point's unit.
        Where that names nobody: the break point's unit's leader, then its owner."""
        g, bp = self.graph, gap.break_point
        parent: int | None = None
        if gap.reason is GapReason.DANGLING_PARENT:
            parent = next(iter(self.suggested_parents(gap, 1)), None)
        elif gap.reason is GapReason.INACTIVE_PARENT:
            parent = next(iter(gap.inactive_parents), None)
        elif gap.reason is GapReason.LEVEL_INVERSION:
            bad = [p.index for p in self.parent_links(bp) if not p.valid and not p.dangling]
            parent = next((p for p in bad if p is not None), None)
        owner = g.owner[parent] if parent is not None else None
        return owner or self.leader_of(g.unit[bp]) or g.owner[bp]

    def unsupported_subtrees(self) -> list[tuple[int, int]]:
        """Unsupported strategy as its topmost nodes: (node, how many unsupported nodes hang
        below it), for each unsupported node no live parent of which is unsupported; largest
        first. One walk per top, over unsupported nodes only."""
        g = self.graph
        bad = np.zeros(g.n, dtype=bool)
        bad[np.asarray(self.unsupported, dtype=np.int64)] = True
        has_bad_parent = np.zeros(g.n, dtype=bool)
        live = bad[g.live_child] & bad[g.live_parent]
        has_bad_parent[g.live_child[live]] = True
        tops = np.flatnonzero(bad & ~has_bad_parent).tolist()
        ptr, idx = g.down_ptr, g.down_idx
        out = []
        for top in tops:
            seen, stack = {top}, [top]
            while stack:
                v = stack.pop()
                for w in idx[ptr[v] : ptr[v + 1]].tolist():
                    if bad[w] and w not in seen:
                        seen.add(w)
                        stack.append(w)
            out.append((top, len(seen) - 1))
        out.sort(key=lambda t: (-t[1], t[0]))
        return out

    def unit_initiatives(self, unit_id: str) -> list[int]:
        """Active initiatives owned by the unit or by any unit below it."""
        g = self.graph
        picked = self.in_units(self.units_below(unit_id))
        found: list[int] = picked[g.active[picked] & (g.kind[picked] == INITIATIVE)].tolist()
        return found

    @analysis
    def _counts(self) -> dict[str, Any]:
        return self._compute_counts()

    def counts(self, units: set[str] | None = None) -> dict[str, Any]:
        """Counts of nodes and findings: the organisation's, or those of the nodes owned inside
        `units` (a unit and those below it: a finding counts where its nodes are)."""
        return dict(self._counts) if units is None else self._scoped_counts(units)

    def _scoped_counts(self, units: set[str]) -> dict[str, Any]:
        g, t = self.graph, self.traced
        inside = np.zeros(g.n, dtype=bool)
        inside[self.in_units(units)] = True
        active, traced = g.active & inside, t & inside
        gaps = [gap for gap in self.gaps if inside[gap.break_point]]
        untraced = int((active & ~t).sum())
        in_gaps = sum(int(inside[gap.members].sum()) for gap in gaps)
        orphans = [i for i in self.orphans if inside[i]]
        lb = self.load_bearing
        return {
            "nodes": int(inside.sum()),
            "active": int(active.sum()),
            "traced": int(traced.sum()),
            "untraced": untraced,
            "stranded": untraced - in_gaps,
            "byKind": {
                k.value: {
                    "active": int((active & (g.kind == code)).sum()),
                    "traced": int((traced & (g.kind == code)).sum()),
                }
                for code, k in enumerate(KINDS)
            },
            "gaps": len(gaps),
            "middleManagementGaps": sum(1 for gap in gaps if gap.middle_management),
            "orphans": len(orphans),
            "orphanedInitiatives": sum(1 for i in orphans if g.kind[i] == INITIATIVE),
            "unsupported": sum(1 for i in self.unsupported if inside[i]),
            "loadBearing": int(inside[lb.nodes].sum()) if len(lb) else 0,
            "ownershipOverlaps": sum(1 for o in self.overlaps if units.intersection(o.units)),
            "pulledUnits": sum(1 for f in self.unit_focus if f.pulled and f.unit in units),
            "unowned": int(inside[self.unowned].sum()) if len(self.unowned) else 0,
            "conflicts": sum(1 for a, b in self.conflicts if inside[a] or inside[b]),
            "riskyDependencies": sum(1 for a, _ in self.risky_dependencies if inside[a]),
            "invalidLinks": sum(1 for c, _ in self.invalid_links if inside[c]),
        }

    def _compute_counts(self) -> dict[str, Any]:
        g, t = self.graph, self.traced
        by_kind = {
            k.value: {
                "active": int((g.active & (g.kind == code)).sum()),
                "traced": int((t & (g.kind == code)).sum()),
            }
            for code, k in enumerate(KINDS)
        }
        untraced = int((g.active & ~t).sum())
        in_gaps = sum(len(gap.members) for gap in self.gaps)
        return {
            "nodes": g.n,
            "active": int(g.active.sum()),
            "traced": int(t.sum()),
            "untraced": untraced,
            "stranded": untraced - in_gaps,
            "byKind": by_kind,
            "gaps": len(self.gaps),
            "middleManagementGaps": sum(1 for gap in self.gaps if gap.middle_management),
            "orphans": len(self.orphans),
            "orphanedInitiatives": sum(1 for i in self.orphans if g.kind[i] == INITIATIVE),
            "unsupported": len(self.unsupported),
            "loadBearing": len(self.load_bearing),
            "ownershipOverlaps": len(self.overlaps),
            "pulledUnits": sum(1 for f in self.unit_focus if f.pulled),
            "unowned": len(self.unowned),
            "conflicts": len(self.conflicts),
            "riskyDependencies": len(self.risky_dependencies),
            "invalidLinks": len(self.invalid_links),
        }
