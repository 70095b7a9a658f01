"""An engine patched from a write's delta (service.engine.patch) equals the engine a rebuild
from the store makes: its graph field by field, and every analysis it patches or computes from
that graph; the ones it carries are flagged stale and are the previous version's.

Hypothesis draws random organisations (the engine property test's graphs, with units and
owners added) and a random sequence of writes: edits of kind, status, effort, owner, unit,
parents, and new nodes (some with ids that sort inside the existing ones, which must not be
patched). Each write patches the engine the previous one patched, as a server does within a
burst of writes, so errors that compound over writes show; a second test patches refreshed
and pickled engines again, as the server does after its background pass and a snapshot.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterator
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from graph_schema import Node, NodeKind, ParentRef, Status, Unit
from service.engine import classify, dominators
from service.engine import patch as patch_module
from service.engine.engine import CARRIED, Engine
from service.engine.findings_json import alignment_record
from service.engine.patch import BY_DIFFERENCE, PATCHED, patched, refreshed
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from tests.conftest import node

if TYPE_CHECKING:
    from tests.unit import test_engine_property as prop
else:
    try:
        from tests.unit import test_engine_property as prop
    except ImportError:  # tests/unit on sys.path (pytest's rootdir-less "prepend" import)
        import test_engine_property as prop

patch_module._GapsOf.LAYERS = 2  # flattened often here, so that both of its paths are run
BIG = patch_module._BIG
LEVELS = patch_module._LEVELS
UNITS = [Unit(id="U1", name="Top"), Unit(id="U2", name="Mid", parent="U1")]
UNIT_IDS = [None, "U1", "U2", "X9"]  # X9: a unit only nodes name (no row of its own)
OWNERS = [None, "P1", "P2"]
WEIGHTS = [0.5, 1.0]
K = NodeKind


@pytest.fixture(autouse=True)
def _thresholds_restored() -> Iterator[None]:
    """The thresholds the property tests draw, as they were for the tests after them."""
    saved = (patch_module._BIG, patch_module._LEVELS, classify._LEVELS, dominators._LEVELS)
    yield
    patch_module._BIG, patch_module._LEVELS, classify._LEVELS, dominators._LEVELS = saved


@st.composite
def organisations(draw: st.DrawFn) -> list[Node]:
    nodes = draw(prop.graphs())
    return [
        n.model_copy(
            update={"unit": draw(st.sampled_from(UNIT_IDS)), "owner": draw(st.sampled_from(OWNERS))}
        )
        for n in nodes
    ]


@st.composite
def writes(
    draw: st.DrawFn, ids: list[str], efforts: st.SearchStrategy[float | None] = prop.EFFORTS
) -> list[Node]:
    """One change set: some nodes edited (given whole, as the API's writes give them), some
    created. `ids` grows as nodes are created, so later writes link to them."""
    out: dict[str, Node] = {}
    pool = [*ids, "MISSING1", "Z9"]  # Z9: a parent named before it exists
    for _ in range(draw(st.integers(1, 3))):
        new = draw(st.booleans())
        if new:
            # "Z..." sorts after every "N..." (patchable); "N5a" inside them (a rebuild)
            node_id = draw(st.sampled_from(["Z1", "Z2", "Z9", "N5a"]))
        else:
            node_id = draw(st.sampled_from(ids))
        parents = draw(st.lists(st.sampled_from(pool), max_size=2, unique=True))
        kind = draw(st.sampled_from(prop.KINDS))
        out[node_id] = Node(
            id=node_id,
            kind=kind,
            title=draw(st.sampled_from(["title a", "title b", f"title {node_id}"])),
            status=draw(st.sampled_from(prop.STATUSES)),
            effort=draw(efforts),
            unit=draw(st.sampled_from(UNIT_IDS)),
            owner=draw(st.sampled_from(OWNERS)),
            co_owners=tuple(draw(st.lists(st.sampled_from(["P1", "P3"]), max_size=1))),
            parents=tuple(
                ParentRef(id=p, weight=draw(st.sampled_from([0.5, 1.0]))) for p in parents
            ),
            depends_on=tuple(draw(st.lists(st.sampled_from(pool), max_size=2, unique=True)))
            if kind is K.INITIATIVE
            else (),
            conflicts_with=tuple(draw(st.lists(st.sampled_from(pool), max_size=1)))
            if kind is K.KEY_RESULT
            else (),
        )
    return list(out.values())


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b))
    return bool(a == b)


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: list(v) if isinstance(v, list) else v for k, v in value.items()}
    if isinstance(value, list):
        return list(value)
    return list(value) if hasattr(value, "__iter__") and not isinstance(value, str) else value


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_graphs_equal(got: Engine, want: Engine) -> None:
    for f in fields(got.graph):
        if f.name == "index":  # shared between versions; checked through find_index below
            continue
        a, b = getattr(got.graph, f.name), getattr(want.graph, f.name)
        assert same(a, b), f"graph.{f.name}: {a!r} != {b!r}"
    for i, node_id in enumerate(want.graph.ids):
        assert got.find_index(node_id) == i
    assert got.find_index("MISSING1") is None


def assert_engines_agree(got: Engine, want: Engine) -> None:
    """Every analysis but the carried ones: exact, except the work by unit and by goal, which
    a patch sums by difference (so within rounding)."""
    assert_graphs_equal(got, want)
    assert same(got.traced, want.traced)
    assert same(got._reach.depth, want._reach.depth)
    assert got.gaps == want.gaps
    assert got.orphans == want.orphans
    assert same(got.unowned, want.unowned)
    assert same(got._executed, want._executed)
    assert got.unsupported == want.unsupported
    assert [b[0] for b in got.by_goal] == [b[0] for b in want.by_goal]
    for (goal, work, share), (_, w, sh) in zip(got.by_goal, want.by_goal, strict=True):
        assert close(work, w) and close(share, sh), goal
    assert got.overall == want.overall
    assert list(got.by_unit) == list(want.by_unit)
    for unit, score in want.by_unit.items():
        have = got.by_unit[unit]
        assert close(have.work, score.work) and close(have.traced_work, score.traced_work), unit
        assert (have.score is None) == (score.score is None), unit
    for i in range(want.graph.n):
        assert got.line_of_sight_at(i) == want.line_of_sight_at(i), want.graph.ids[i]
        assert got.node(i) == want.node(i), want.graph.ids[i]
    # computed from the patched graph on first use
    assert got.conflicts == want.conflicts
    assert got.risky_dependencies == want.risky_dependencies
    assert got.invalid_links == want.invalid_links
    for i in range(want.graph.n):
        assert got.parent_links(i) == want.parent_links(i)
        assert got.children_of(i) == want.children_of(i)
    assert got.graph.unit_ids == want.graph.unit_ids
    for unit in ("U1", "U2"):
        assert got.unit_initiatives(unit) == want.unit_initiatives(unit)
    assert got.find(search="title") == want.find(search="title")
    assert got.find(status=Status.ACTIVE) == want.find(status=Status.ACTIVE)
    carried = {"loadBearing", "ownershipOverlaps", "pulledUnits"}
    have_counts = {k: v for k, v in got.counts().items() if k not in carried}
    assert have_counts == {k: v for k, v in want.counts().items() if k not in carried}


def fresh(store: SQLiteStore) -> Engine:
    engine = Engine(store.read_graph("t"))
    engine.analyse_all()
    return engine


@settings(
    max_examples=int(__import__("os").environ.get("STRATMAP_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.data(), organisations())
def test_patched_engines_equal_rebuilt_ones(data: st.DataObject, nodes: list[Node]) -> None:
    # a large region takes other paths (scipy's components, the build's stranded-set walk,
    # flags from arrays): both are drawn
    patch_module._BIG = data.draw(st.sampled_from([0, BIG]), label="large-region threshold")
    # a walk or a fixed point past this many levels goes on in Python, in the patch and in the
    # build's walks it shares (classify, dominators): both ways are drawn
    levels = data.draw(st.sampled_from([0, 1, LEVELS]), label="numpy levels")
    patch_module._LEVELS = classify._LEVELS = dominators._LEVELS = levels
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes, units=UNITS))
    engine = rebuilt = fresh(store)
    ids = sorted(n.id for n in nodes)
    for _ in range(data.draw(st.integers(1, 4))):
        written = data.draw(writes(ids))
        result = store.apply("t", ChangeSet(nodes=written))
        if not result.changed:
            assert result.delta is None
            continue
        assert result.delta is not None
        rebuilt = fresh(store)
        held = {f.name: _copy(getattr(engine.graph, f.name)) for f in fields(engine.graph)}
        got = patched(engine, result.delta)
        for name, value in held.items():  # the previous version's readers see no change
            if name != "index":  # shared, append-only (see Engine.find_index)
                assert same(getattr(engine.graph, name), value), f"patching changed {name}"
        inside = any(n.id not in ids and n.id < ids[-1] for n in written)
        ids = sorted(set(ids) | {n.id for n in written})
        # a node created inside the id order, or a unit added to or gone from the unit codes
        # (a unit only nodes name), renumbers what a patch keeps: those are rebuilt
        if inside or engine.graph.unit_ids != rebuilt.graph.unit_ids:
            assert got is None, "a write that renumbers indices or units cannot be patched"
            engine = rebuilt
            continue
        assert got is not None
        event("patched")
        # each analysis a patch makes is named, so `refreshed` knows which to keep
        own = {"graph", "version", "period", "units", "people", "values", "stale"}
        made = set(got.__dict__) - own
        assert made - set(CARRIED) <= set(PATCHED) and set(BY_DIFFERENCE) <= made
        assert set(PATCHED) - {"_columns"} <= made  # _columns: only where the base had them
        assert got.version == rebuilt.version == result.version
        assert_engines_agree(got, rebuilt)
        # the whole-graph passes are the previous version's until a rebuild, and say so
        assert got.stale == frozenset(CARRIED) - {"_goal_reach"}
        assert got.load_bearing is engine.load_bearing
        assert got.overlaps is engine.overlaps
        # refreshed (what a history point is recorded from, and what the cache serves once its
        # background pass is done): every finding is the rebuilt engine's to the bit
        exact = refreshed(got)
        assert exact.stale == frozenset()
        assert_engines_agree(exact, rebuilt)
        assert same(exact.load_bearing.nodes, rebuilt.load_bearing.nodes)
        assert same(exact.load_bearing.work, rebuilt.load_bearing.work)
        assert exact.overlaps == rebuilt.overlaps
        assert exact.unit_focus == rebuilt.unit_focus
        assert exact.by_goal == rebuilt.by_goal
        assert alignment_record(exact) == alignment_record(rebuilt)
        engine = got
    assert rebuilt.stale == frozenset()


# efforts whose sums by difference are off in the last bit (0.1 + 0.2 - 0.1 != 0.2)
FRACTIONS = st.one_of(st.none(), st.sampled_from([0.1, 0.2, 0.3, 0.7, 1.1, 1e-3]))


@settings(
    max_examples=int(__import__("os").environ.get("STRATMAP_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.data(), organisations())
def test_refreshed_engines_patched_again_and_pickled_equal_rebuilt_ones(
    data: st.DataObject, nodes: list[Node]
) -> None:
    """What the engine cache and an import's history point do: patch, refresh, maybe save as a
    snapshot and load it, patch that again: every finding the rebuilt engine's, to the bit."""
    patch_module._BIG = data.draw(st.sampled_from([0, BIG]), label="large-region threshold")
    analyse = data.draw(st.booleans(), label="every analysis before the next patch")
    pickled = data.draw(st.booleans(), label="saved and loaded")
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes, units=UNITS))
    engine = fresh(store)
    ids = sorted(n.id for n in nodes)
    for _ in range(data.draw(st.integers(1, 5))):
        written = data.draw(writes(ids, FRACTIONS))
        result = store.apply("t", ChangeSet(nodes=written))
        ids = sorted(set(ids) | {n.id for n in written})
        if not result.changed:
            continue
        rebuilt = fresh(store)
        assert result.delta is not None
        got = patched(engine, result.delta)
        if got is None:
            engine = rebuilt
            continue
        exact = refreshed(got)
        if analyse:
            exact.analyse_all()
        if pickled:
            exact = pickle.loads(pickle.dumps(exact, protocol=pickle.HIGHEST_PROTOCOL))
        assert exact.stale == frozenset()
        assert alignment_record(exact) == alignment_record(rebuilt)
        assert exact.counts() == rebuilt.counts()
        assert_engines_agree(exact, rebuilt)
        engine = exact


def test_a_write_that_changes_the_org_gives_no_delta() -> None:
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=[Node(id="V", kind=K.VISION, title="v")], units=UNITS))
    result = store.apply(
        "t",
        ChangeSet(
            nodes=[Node(id="G", kind=K.GOAL, title="g", parents=(ParentRef(id="V"),))],
            units=[Unit(id="U3", name="New")],
        ),
    )
    assert result.changed and result.delta is None


def test_a_stale_base_or_a_new_unit_is_not_patched() -> None:
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=[Node(id="V", kind=K.VISION, title="v")], units=UNITS))
    engine = fresh(store)
    first = store.apply("t", ChangeSet(nodes=[Node(id="W", kind=K.GOAL, title="w")]))
    second = store.apply("t", ChangeSet(nodes=[Node(id="X", kind=K.GOAL, title="x", unit="U9")]))
    assert first.delta is not None and second.delta is not None
    assert patched(engine, second.delta) is None  # made on version 2, the engine has 1
    after = patched(engine, first.delta)
    assert after is not None and after.find_index("W") == 1
    assert patched(after, second.delta) is None  # U9: a unit no node named before


def test_sums_patched_by_difference_settle_at_zero() -> None:
    """0.1 + 0.2 - 0.1 - 0.2 is 2.8e-17: a unit whose work all went scores None, as rebuilt."""
    store = SQLiteStore(":memory:")
    org = [
        node("V", "Vision"),
        node("W1", "Initiative", "V", effort=0.1, unit="U1"),
        node("W2", "Initiative", "V", effort=0.2, unit="U1"),
    ]
    store.apply("t", ChangeSet(nodes=org, units=UNITS))
    engine = fresh(store)
    for done in org[1:]:
        result = store.apply(
            "t", ChangeSet(nodes=[done.model_copy(update={"status": Status.DONE})])
        )
        assert result.delta is not None
        got = patched(engine, result.delta)
        assert got is not None
        engine = got
    assert engine.by_unit["U1"].work == 0.0 and engine.by_unit["U1"].score is None
    assert engine.overall.score is None and fresh(store).overall.score is None


def test_a_refreshed_engine_sums_afresh_where_a_patch_sums_by_difference() -> None:
    """0.1 + 0.2 + 0.3 - 0.2 is 0.4000000000000001, and 0.1 + 0.3 is 0.4: a history point,
    kept for good, is the rebuilt engine's to the bit."""
    store = SQLiteStore(":memory:")
    efforts = (0.1, 0.2, 0.3)
    work = [node(f"W{k}", "Initiative", "V", effort=e, unit="U1") for k, e in enumerate(efforts)]
    store.apply("t", ChangeSet(nodes=[node("V", "Vision"), *work], units=UNITS))
    engine = fresh(store)
    result = store.apply("t", ChangeSet(nodes=[work[1].model_copy(update={"status": Status.DONE})]))
    assert result.delta is not None
    summed = patched(engine, result.delta)
    assert summed is not None
    exact = refreshed(summed)
    want = alignment_record(fresh(store))
    assert alignment_record(summed) != want  # by difference: off in the last bit
    assert alignment_record(exact) == want
    assert exact.stale == frozenset() and summed.stale


def test_history_is_recorded_from_the_store_when_the_engine_carries_stale_counts() -> None:
    from service import usecases

    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=[node("V", "Vision"), node("G", "Goal", "V")], units=UNITS))
    engine = fresh(store)
    result = store.apply("t", ChangeSet(nodes=[node("Z1", "Initiative", "G")]))
    assert result.delta is not None
    got = patched(engine, result.delta)
    assert got is not None and got.stale
    carried, current = engine.counts()["loadBearing"], fresh(store).counts()["loadBearing"]
    assert got.counts()["loadBearing"] == carried != current  # no work bore on G before Z1
    row = usecases.record_history(store, "t", got, "after Z1")
    assert row["counts"]["loadBearing"] == current


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.integers(0, 40), st.integers()),
    st.lists(
        st.dictionaries(st.integers(0, 40), st.none() | st.integers(), max_size=8),
        min_size=1,
        max_size=3 * patch_module._GapsOf.LAYERS,
    ),
)
def test_each_members_gap_laid_over_many_writes_is_the_last_one_written(
    base: dict[int, int], writes: list[dict[int, int | None]]
) -> None:
    """The members' gaps a patch lays over the previous version's, and the flattening every
    few layers: after any sequence of writes (None: the member left its gap), the mapping is
    the one applying them in order gives (ints stand in for gaps)."""
    want = dict(base)
    gap_of: Any = base
    for layer in writes:
        gap_of = patch_module._GapsOf.over(gap_of, layer)  # type: ignore[arg-type]
        for member, gap in layer.items():
            if gap is None:
                want.pop(member, None)
            else:
                want[member] = gap
        assert dict(gap_of.items()) == want
        assert all(gap_of[m] == g for m, g in want.items())
        assert len(gap_of) == len(want)
