"""A node's line of sight from its ancestry alone (GraphStore.read_ancestry, AncestryEngine)
equals the whole organisation's engine's, for every node of random organisations: traced
paths, breaks, causes, missing parents and their suggestions, inactive parents, cycles, and
periods. This is what lets `stratmap line-of-sight NODE` read the answer instead of the
organisation."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import Node, ParentRef, Unit
from service.engine.ancestry import AncestryEngine
from service.engine.engine import Engine
from service.engine.findings_json import line_of_sight_json
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from service.usecases import UseCaseError, ancestry_line_of_sight
from tests.conftest import node

if TYPE_CHECKING:
    from tests.unit import test_engine_property as prop
else:
    try:
        from tests.unit import test_engine_property as prop
    except ImportError:  # tests/unit on sys.path (pytest's rootdir-less "prepend" import)
        import test_engine_property as prop

PERIODS = [None, "Q1", "Q2"]
UNITS = [
    Unit(id="U1", name="Top"),
    Unit(id="U2", name="Mid", parent="U1"),
    Unit(id="U3", name="Stray", parent="X8"),  # X8: named as a parent only, so no unit
]
UNIT_IDS = [None, "U1", "U2", "U3", "X9"]  # X9: a unit only nodes name (no row of its own)


@st.composite
def organisations(draw: st.DrawFn) -> list[Node]:
    """The engine property test's graphs, with periods, and some parents misspelt: an id one
    edit away from an existing one, so that suggestions are asked for and found."""
    drawn = draw(prop.graphs())
    ids = [n.id for n in drawn]
    out = []
    for n in drawn:
        parents = n.parents
        if draw(st.integers(0, 3)) == 0:  # most often a node that is not above this one
            parents = (*parents, ParentRef(id=draw(st.sampled_from(ids)) + "x"))
        update = {
            "parents": parents,
            "period": draw(st.sampled_from(PERIODS)),
            "unit": draw(st.sampled_from(UNIT_IDS)),
        }
        out.append(n.model_copy(update=update))
    return out


def assert_same_line_of_sight(store: SQLiteStore, period: str | None) -> None:
    whole = Engine(store.read_graph("t"), period)
    for i, node_id in enumerate(whole.graph.ids):
        part = AncestryEngine(
            store.read_ancestry("t", [node_id]),
            period,
            lambda: store.node_ids("t"),
        )
        assert node_id in part.graph.ids
        assert line_of_sight_json(part, part.line_of_sight_at(part.index_of(node_id))) == (
            line_of_sight_json(whole, whole.line_of_sight_at(i))
        ), node_id


@settings(
    max_examples=int(os.environ.get("STRATMAP_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(organisations(), st.sampled_from(PERIODS))
def test_a_nodes_ancestry_answers_its_line_of_sight_as_the_whole_engine(
    nodes: list[Node], period: str | None
) -> None:
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes, units=UNITS))
    assert_same_line_of_sight(store, period)
    whole = Engine(store.read_graph("t"), period)
    for unit in ("U1", "U2", "U3", "X8", "X9", "NOWHERE"):
        if not whole.has_unit(unit):
            try:
                ancestry_line_of_sight(store, "t", period, unit=unit)
            except UseCaseError as exc:
                assert exc.field == "unit"
            else:
                raise AssertionError(f"{unit} is no unit")
            continue
        found = ancestry_line_of_sight(store, "t", period, unit=unit)
        want = [line_of_sight_json(whole, whole.line_of_sight_at(i)) for i in whole.unit_work(unit)]
        if found is None:  # no node of the answer names the period: the whole engine answers
            assert period is not None
            continue
        part, targets = found
        got = [line_of_sight_json(part, part.line_of_sight_at(i)) for i in targets]
        assert got == want, unit


def test_the_ancestry_is_the_node_and_what_is_above_it_only() -> None:
    store = SQLiteStore(":memory:")
    nodes = [
        node("V", "Vision"),
        node("G1", "Goal", "V"),
        node("G2", "Goal", "V"),
        node("O1", "Objective", "G1"),
        node("O2", "Objective", "G2"),
        node("I1", "Initiative", "O1", "MISSING"),
        node("I2", "Initiative", "O2"),
        node("C1", "Objective", "C2"),  # a cycle above nothing
        node("C2", "Objective", "C1"),
        node("I3", "Initiative", "C1"),
    ]
    store.apply("t", ChangeSet(nodes=nodes))
    assert [r.id for r in store.read_ancestry("t", ["I1"]).nodes] == ["G1", "I1", "O1", "V"]
    assert [r.id for r in store.read_ancestry("t", ["I3"]).nodes] == ["C1", "C2", "I3"]
    assert [r.id for r in store.read_ancestry("t", ["V", "NOBODY"]).nodes] == ["V"]
    rows = store.read_ancestry("t", ["I1"])
    assert {(link.src, link.dst) for link in rows.links} == {
        ("G1", "V"),
        ("O1", "G1"),
        ("I1", "O1"),
        ("I1", "MISSING"),
    }
    assert store.read_ancestry("other", ["I1"]).nodes == []


@settings(
    max_examples=int(os.environ.get("STRATMAP_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(organisations(), st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_suggestions_kept_per_gap_are_what_a_fresh_engine_gives_for_any_limit(
    nodes: list[Node], limits: list[int]
) -> None:
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes))
    rows = store.read_graph("t")
    asked = Engine(rows)  # asked again and again, in the drawn order of limits
    for gap in asked.gaps:
        for limit in limits:
            fresh = Engine(rows)
            want = fresh.suggested_parent_ids(fresh.gaps[asked.gaps.index(gap)], limit)
            assert asked.suggested_parent_ids(gap, limit) == want


def test_a_shorter_list_of_suggestions_asked_first_does_not_shorten_a_longer_one() -> None:
    store = SQLiteStore(":memory:")
    goals = [node(f"N1{i}", "Goal", "V") for i in range(3)]
    store.apply("t", ChangeSet(nodes=[node("V", "Vision"), *goals, node("O", "Objective", "N1x")]))
    engine = Engine(store.read_graph("t"))
    (gap,) = [g for g in engine.gaps if g.dangling_refs]
    assert engine.suggested_parent_ids(gap, 1) == ["N10"]
    assert engine.suggested_parent_ids(gap, 3) == ["N10", "N11", "N12"]
    assert engine.suggested_parent_ids(gap, 2) == ["N10", "N11"]
    assert engine.fixer(gap) is None  # the goals have no owner, nor does O


def test_kept_suggestions_are_not_pickled_with_the_engine() -> None:
    # requests keep adding to them while a server writes a snapshot: a dict that grows while
    # it is pickled fails the save
    import pickle

    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=[node("VISION", "Vision"), node("O", "Objective", "VISIONX")]))
    engine = Engine(store.read_graph("t"))
    (gap,) = [g for g in engine.gaps if g.dangling_refs]
    assert engine.suggested_parent_ids(gap) == ["VISION"]
    assert "_suggested" in engine.__dict__
    loaded = pickle.loads(pickle.dumps(engine))
    assert "_suggested" not in loaded.__dict__
    assert loaded.suggested_parent_ids(loaded.gaps[0]) == ["VISION"]
