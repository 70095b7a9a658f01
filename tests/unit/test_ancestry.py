"""A node's line of sight from its ancestry alone (service.engine.closure, read by
GraphStore.read_ancestry or by service.store.sqlite_ancestry) equals the whole organisation's
engine's, for every node of random organisations: traced paths, breaks, causes, missing parents
and their suggestions, inactive parents, cycles, and periods. This is what lets
`stratmap line-of-sight NODE` read the answer instead of the organisation, without numpy."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import Node, ParentRef, Unit
from service.ancestry_sight import AncestryReads, StoreReads, ancestry_line_of_sight
from service.engine.closure import Ancestry
from service.engine.engine import Engine
from service.engine.findings_json import line_of_sight_json
from service.errors import UnknownNode, UseCaseError
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from service.store.sqlite_ancestry import SQLiteAncestry
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


@contextmanager
def stored(
    nodes: list[Node], units: list[Unit]
) -> Iterator[tuple[SQLiteStore, list[AncestryReads]]]:
    """The organisation in a SQLite file, and both ways of reading an ancestry from it: the
    store's own read, and the lean one the command makes."""
    with tempfile.TemporaryDirectory(prefix="stratmap-ancestry-") as folder:
        path = Path(folder) / "org.db"
        store = SQLiteStore(path)
        store.apply("t", ChangeSet(nodes=nodes, units=units))
        lean = SQLiteAncestry.open(path)
        assert lean is not None
        try:
            yield store, [StoreReads(store), lean]
        finally:
            lean.close()
            store.close()


def assert_same_line_of_sight(
    store: SQLiteStore, readers: list[AncestryReads], period: str | None
) -> None:
    whole = Engine(store.read_graph("t"), period)
    for i, node_id in enumerate(whole.graph.ids):
        want = line_of_sight_json(whole, whole.line_of_sight_at(i))
        for reads in readers:
            part = Ancestry(reads.ancestry("t", [node_id]), period, partial(reads.node_ids, "t"))
            assert part.line_of_sight_json(node_id) == want, node_id
            found = ancestry_line_of_sight(reads, "t", period, node_id=node_id)
            if found is None:  # no node of the answer names the period
                assert period is not None
                assert all(r.period != period for r in reads.ancestry("t", [node_id]).nodes)
            else:
                assert found == [want], node_id


@settings(
    max_examples=int(os.environ.get("STRATMAP_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(organisations(), st.sampled_from(PERIODS))
def test_a_nodes_ancestry_answers_its_line_of_sight_as_the_whole_engine(
    nodes: list[Node], period: str | None
) -> None:
    with stored(nodes, UNITS) as (store, readers):
        assert_same_line_of_sight(store, readers, period)
        whole = Engine(store.read_graph("t"), period)
        for reads in readers:
            for unit in ("U1", "U2", "U3", "X8", "X9", "NOWHERE"):
                if not whole.has_unit(unit):
                    try:
                        ancestry_line_of_sight(reads, "t", period, unit=unit)
                    except UseCaseError as exc:
                        assert exc.field == "unit"
                    else:
                        raise AssertionError(f"{unit} is no unit")
                    continue
                found = ancestry_line_of_sight(reads, "t", period, unit=unit)
                if found is None:  # no node of the answer names the period: the engine answers
                    assert period is not None
                    continue
                want = [
                    line_of_sight_json(whole, whole.line_of_sight_at(i))
                    for i in whole.unit_work(unit)
                ]
                assert found == want, unit
            try:
                ancestry_line_of_sight(reads, "t", period, node_id="NOBODY")
            except UnknownNode:
                pass
            else:
                raise AssertionError("NOBODY is no node")


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


def test_the_lean_read_leaves_a_store_of_another_schema_and_a_non_database_to_the_store(
    tmp_path: Path,
) -> None:
    import sqlite3

    import pytest

    from service.store.base import StoreError

    path = tmp_path / "org.db"
    SQLiteStore(path).close()
    lean = SQLiteAncestry.open(path)
    assert lean is not None and lean.tenants() == []
    lean.close()
    older = sqlite3.connect(path)
    older.execute("PRAGMA user_version = 1")  # a store an older stratmap wrote: to migrate
    older.close()
    assert SQLiteAncestry.open(path) is None
    note = tmp_path / "note.db"
    note.write_text("not a database " * 100)
    with pytest.raises(sqlite3.DatabaseError):
        SQLiteAncestry.open(note)
    with pytest.raises(StoreError, match="file is not a database"):
        SQLiteStore(note)
