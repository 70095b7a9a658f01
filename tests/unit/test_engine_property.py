"""The engine agrees with a naive reference (tests/unit/brute_force.py) on random small graphs.

The reference itself is pinned first by a few hand-worked examples (DESIGN section 2's golden
examples among them), then hypothesis compares it with the engine on graphs full of cycles,
missing and inactive parents, invalid links and several visions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import Node, NodeKind, ParentRef, Status, is_valid_support
from service.engine import classify, dominators
from service.engine.engine import Engine
from service.engine.findings_json import analysis_json
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from tests.unit import brute_force as bf
else:
    try:
        from tests.unit import brute_force as bf
    except ImportError:  # run with tests/unit on sys.path (pytest's rootdir-less "prepend" import)
        import brute_force as bf

K = NodeKind
ACTIVE, DONE, ARCHIVED = Status.ACTIVE, Status.DONE, Status.ARCHIVED

LEVELS = dominators._LEVELS


@contextmanager
def numpy_levels(levels: int) -> Iterator[None]:
    """The BFS levels the engine walks with NumPy before it goes on in Python, set to `levels`."""
    saved = classify._LEVELS, dominators._LEVELS
    classify._LEVELS = dominators._LEVELS = levels
    try:
        yield
    finally:
        classify._LEVELS, dominators._LEVELS = saved


def node(
    id: str, kind: NodeKind, *parents: str, status: Status = ACTIVE, effort: float | None = None
) -> Node:
    return Node(
        id=id,
        kind=kind,
        title=f"title {id}",
        status=status,
        effort=effort,
        parents=tuple(ParentRef(id=p, weight=1.0) for p in parents),
    )


def gap_view(
    gs: list[bf.BruteGap],
) -> dict[str, tuple[str, tuple[str, ...], frozenset[str], float]]:
    return {g.break_point: (g.reason, g.members, g.stranded, g.stranded_work) for g in gs}


# --- the reference, checked by hand -------------------------------------------------------


def test_golden_cycle_under_archived_goal_is_a_cycle_gap() -> None:
    # O1 <-> O2, O2 also under an archived goal: archived is no exit.
    nodes = [
        node("V", K.VISION),
        node("G", K.GOAL, "V", status=ARCHIVED),
        node("O1", K.OBJECTIVE, "O2"),
        node("O2", K.OBJECTIVE, "O1", "G"),
        node("I", K.INITIATIVE, "O2", effort=2),
    ]
    assert bf.traced_ids(nodes) == {"V"}
    assert gap_view(bf.gaps(nodes)) == {
        "O1": ("CYCLE", ("O1", "O2"), frozenset({"I"}), 2.0),
    }
    assert bf.score(nodes) == 0.0
    assert bf.unsupported(nodes) == set()
    assert bf.load_bearing(nodes) == {}
    check_engine(nodes)


def test_golden_cycle_with_exit_is_stranded_and_self_loop_is_a_cycle() -> None:
    # O1 <-> O2 with O1 under O3, which is stranded under the unlinked O4: only O4 is a gap.
    # O5 -> O5 alone is a CYCLE gap; the invalid self-loop G6 -> G6 is a level inversion.
    nodes = [
        node("O4", K.OBJECTIVE),
        node("O3", K.OBJECTIVE, "O4"),
        node("O1", K.OBJECTIVE, "O2", "O3"),
        node("O2", K.OBJECTIVE, "O1"),
        node("I1", K.INITIATIVE, "O2"),
        node("I2", K.INITIATIVE, "O4", effort=0.5),
        node("O5", K.OBJECTIVE, "O5"),
        node("G6", K.GOAL, "G6"),
        node("I7", K.INITIATIVE),
    ]
    assert bf.traced_ids(nodes) == set()
    assert gap_view(bf.gaps(nodes)) == {
        "O4": ("UNLINKED", ("O4",), frozenset({"O3", "O1", "O2", "I1", "I2"}), 1.5),
        "O5": ("CYCLE", ("O5",), frozenset(), 0.0),
        "G6": ("LEVEL_INVERSION", ("G6",), frozenset(), 0.0),
        "I7": ("UNLINKED", ("I7",), frozenset(), 1.0),
    }
    assert bf.score(nodes) == 0.0
    check_engine(nodes)


def test_golden_traced_despite_missing_parent_and_load_bearing() -> None:
    # An initiative under one traced and one missing parent is traced.
    nodes = [
        node("V", K.VISION),
        node("G", K.GOAL, "V"),
        node("I", K.INITIATIVE, "G", "MISSING", effort=3),
    ]
    assert bf.traced_ids(nodes) == {"V", "G", "I"}
    assert bf.gaps(nodes) == []
    assert bf.unsupported(nodes) == set()
    assert bf.load_bearing(nodes) == {"V": 3.0, "G": 3.0}
    assert bf.score(nodes) == 1.0
    check_engine(nodes)


def test_reasons_in_order_and_level_inversion() -> None:
    nodes = [
        node("V", K.VISION),
        node("G", K.GOAL, "V"),
        node("I", K.INITIATIVE, "G"),
        node("KR", K.KEY_RESULT, "I"),  # a key result under an initiative
        node("Gx", K.GOAL, "V", status=DONE),
        node("O1", K.OBJECTIVE, "MISSING", "Gx"),  # dangling beats inactive
        node("O2", K.OBJECTIVE, "Gx"),
        node("I3", K.INITIATIVE, "O2", "KR"),  # under an inactive-parent gap and the KR gap
        node("O9", K.OBJECTIVE, "O9", status=ARCHIVED),  # archived: never reported
    ]
    assert bf.traced_ids(nodes) == {"V", "G", "I"}
    assert gap_view(bf.gaps(nodes)) == {
        "KR": ("LEVEL_INVERSION", ("KR",), frozenset({"I3"}), 1.0),
        "O1": ("DANGLING_PARENT", ("O1",), frozenset(), 0.0),
        "O2": ("INACTIVE_PARENT", ("O2",), frozenset({"I3"}), 1.0),
    }
    assert bf.score(nodes) == 0.5
    assert bf.unsupported(nodes) == set()
    assert bf.load_bearing(nodes) == {"V": 1.0, "G": 1.0}
    check_engine(nodes)


def test_objectives_under_key_results_and_key_result_trees() -> None:
    # GitLab's cascade: a leader's key result becomes the next level's objective.
    nodes = [
        node("V", K.VISION),
        node("G", K.GOAL, "V"),
        node("O1", K.OBJECTIVE, "G"),
        node("KR1", K.KEY_RESULT, "O1"),
        node("O2", K.OBJECTIVE, "KR1"),  # valid: traced through the key result
        node("KR2", K.KEY_RESULT, "O2"),
        node("KR3", K.KEY_RESULT, "KR2"),  # a metric tree
        node("I", K.INITIATIVE, "KR3", effort=2),
        node("Ox", K.OBJECTIVE, "KRx"),  # O -> KR -> O with no exit: one cycle gap
        node("KRx", K.KEY_RESULT, "Ox"),
        node("Ix", K.INITIATIVE, "KRx"),
        node("B", K.BEHAVIOUR, "O1"),
        node("KRb", K.KEY_RESULT, "B"),  # a key result under a behaviour: still an inversion
    ]
    assert bf.traced_ids(nodes) == {"V", "G", "O1", "KR1", "O2", "KR2", "KR3", "I", "B"}
    assert gap_view(bf.gaps(nodes)) == {
        "KRb": ("LEVEL_INVERSION", ("KRb",), frozenset(), 0.0),
        "KRx": ("CYCLE", ("KRx", "Ox"), frozenset({"Ix"}), 1.0),
    }
    assert bf.score(nodes) == 2 / 3
    check_engine(nodes)


def test_diamond_load_bearing_unsupported_and_no_work() -> None:
    nodes = [
        node("V", K.VISION),
        node("G1", K.GOAL, "V"),
        node("G2", K.GOAL, "V"),
        node("O", K.OBJECTIVE, "G1", "G2"),
        node("KR", K.KEY_RESULT, "G1"),  # nothing executes it
        node("I", K.INITIATIVE, "O", effort=4),
        node("Idone", K.INITIATIVE, "KR", status=DONE),  # done work does not count
    ]
    assert bf.traced_ids(nodes) == {"V", "G1", "G2", "O", "KR", "I"}
    assert bf.gaps(nodes) == []
    assert bf.unsupported(nodes) == {"KR"}
    # Removing G1 or G2 alone leaves the other path; V and O carry I.
    assert bf.load_bearing(nodes) == {"V": 4.0, "O": 4.0}
    assert bf.score(nodes) == 1.0
    assert bf.score([n for n in nodes if n.kind != K.INITIATIVE]) is None
    check_engine(nodes)
    check_engine([n for n in nodes if n.kind != K.INITIATIVE])


@pytest.mark.parametrize("levels", [0, 1, LEVELS])
def test_a_node_below_a_diamond_is_borne_by_what_bears_the_diamond(levels: int) -> None:
    # M has two ways up (A and B), so nothing between it and V bears it; Y hangs under X, below
    # M, and under Z, below A alone. The BFS tree runs V-A-M-X-Y, so the tree's meeting point of
    # Y's two parents is A; but B-M-X-Y avoids A: only V bears Y. Walked by NumPy levels and by
    # Python past `levels` levels.
    nodes = [
        node("V", K.VISION),
        node("A", K.GOAL, "V"),
        node("B", K.GOAL, "V"),
        node("M", K.OBJECTIVE, "A", "B"),
        node("X", K.KEY_RESULT, "M"),
        node("Z", K.OBJECTIVE, "A"),
        node("Y", K.INITIATIVE, "X", "Z", effort=2),
    ]
    assert bf.load_bearing(nodes) == {"V": 2.0}
    with numpy_levels(levels):
        check_engine(nodes)


@pytest.mark.parametrize("levels", [0, 1, LEVELS])
def test_load_bearing_sums_in_id_order_within_a_depth_of_the_dominator_tree(levels: int) -> None:
    # A, B and M are each dominated by V alone, at one depth of the dominator tree though M is
    # a BFS level deeper. Summed in id order, V bears 0.1 + 0.1 + 1.1 = 1.3; deepest BFS level
    # first it would be 1.1 + 0.1 + 0.1 = 1.3000000000000003, a figure a report prints.
    nodes = [
        node("V", K.VISION),
        node("A", K.GOAL, "V"),
        node("B", K.GOAL, "V"),
        node("M", K.OBJECTIVE, "A", "B"),
        node("IA", K.INITIATIVE, "A", effort=0.1),
        node("IB", K.INITIATIVE, "B", effort=0.1),
        node("IM", K.INITIATIVE, "M", effort=1.1),
    ]
    with numpy_levels(levels):
        engine, _ = run_engine(nodes)
        bears = {engine.graph.ids[i]: w for i, w in engine.load_bearing.items()}
    assert bears == {"V": 1.3, "M": 1.1, "A": 0.1, "B": 0.1}


def test_vision_with_parents_and_traced_cycles() -> None:
    # A vision is traced whatever its (always invalid) parents; a traced cycle O1 <-> O2 with
    # one way up: O1 carries everything, O2 only what hangs under it alone.
    nodes = [
        node("V", K.VISION, "O1"),
        node("G", K.GOAL, "V"),
        node("O1", K.OBJECTIVE, "O2", "G"),
        node("O2", K.OBJECTIVE, "O1"),
        node("I1", K.INITIATIVE, "O1", effort=2),
        node("I2", K.INITIATIVE, "O2", "I2"),
        node("I3", K.INITIATIVE, "O2", "O1", effort=0),
    ]
    assert bf.traced_ids(nodes) == {"V", "G", "O1", "O2", "I1", "I2", "I3"}
    assert bf.gaps(nodes) == []
    assert bf.unsupported(nodes) == set()
    assert bf.load_bearing(nodes) == {"V": 3.0, "G": 3.0, "O1": 3.0, "O2": 1.0}
    assert bf.score(nodes) == 1.0
    check_engine(nodes)


# --- the engine against the reference -----------------------------------------------------

KINDS = [
    K.VISION,
    K.GOAL,
    K.GOAL,
    K.OBJECTIVE,
    K.OBJECTIVE,
    K.OBJECTIVE,
    K.KEY_RESULT,
    K.BEHAVIOUR,
    K.INITIATIVE,
    K.INITIATIVE,
    K.INITIATIVE,
    K.INITIATIVE,
]
# objectives, key results and initiatives nest, and objectives hang under key results: this
# palette makes cycles (O <-> O, KR <-> KR, O -> KR -> O) common
NESTING_KINDS = [
    K.VISION,
    K.GOAL,
    K.OBJECTIVE,
    K.OBJECTIVE,
    K.OBJECTIVE,
    K.KEY_RESULT,
    K.KEY_RESULT,
    K.INITIATIVE,
    K.INITIATIVE,
    K.INITIATIVE,
]
STATUSES = [ACTIVE] * 6 + [DONE, ARCHIVED]
EFFORTS = st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]))
MISSING = ["MISSING1", "MISSING2"]


@st.composite
def graphs(draw: st.DrawFn) -> list[Node]:
    n = draw(st.integers(min_value=1, max_value=14))
    ids = [f"N{i}" for i in range(n)]  # "N10" < "N2": string order matters for break points
    palette = draw(st.sampled_from([KINDS, NESTING_KINDS]))  # the second makes cycles common
    kinds = [draw(st.sampled_from(palette)) for _ in ids]
    statuses = [draw(st.sampled_from(STATUSES)) for _ in ids]
    if draw(st.integers(0, 3)):  # most graphs have at least one active vision to trace to
        v = draw(st.integers(0, n - 1))
        kinds[v], statuses[v] = K.VISION, ACTIVE
    parents: dict[str, list[str]] = {}
    for nid, kind in zip(ids, kinds, strict=True):
        # Half the links are drawn among the level-valid parents so that traced chains, nested
        # cycles and load-bearing nodes are common; the rest anywhere (self, missing, invalid).
        fitting = [i for i, k in zip(ids, kinds, strict=True) if is_valid_support(kind, k)]
        mine = draw(st.lists(st.sampled_from(fitting), max_size=2, unique=True)) if fitting else []
        anywhere = draw(st.lists(st.sampled_from(ids + MISSING), max_size=2, unique=True))
        parents[nid] = mine + [p for p in anywhere if p not in mine]
    # A few two-way links between nodes of one kind, or an objective and a key result: cycles,
    # traced or not, with or without exits.
    for a, b in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=2)):
        ka, kb = kinds[ids.index(a)], kinds[ids.index(b)]
        if ka == kb or (is_valid_support(ka, kb) and is_valid_support(kb, ka)):
            for x, y in ((a, b), (b, a)):
                if y not in parents[x]:
                    parents[x].append(y)
    nodes = []
    for nid, status in zip(ids, statuses, strict=True):
        weights = draw(
            st.lists(
                st.sampled_from([0.0, 0.5, 1.0]),
                min_size=len(parents[nid]),
                max_size=len(parents[nid]),
            )
        )
        nodes.append(
            Node(
                id=nid,
                kind=kinds[ids.index(nid)],
                title=f"title {nid}",
                status=status,
                effort=draw(EFFORTS),
                parents=tuple(
                    ParentRef(id=p, weight=w) for p, w in zip(parents[nid], weights, strict=True)
                ),
            )
        )
    return nodes


def run_engine(nodes: list[Node]) -> tuple[Engine, dict[str, Any]]:
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes))
    engine = Engine(store.read_graph("t"))
    return engine, analysis_json(engine)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check_engine(nodes: list[Node]) -> None:
    """The engine's traced set, gaps, unsupported, load-bearing and score equal the reference's."""
    engine, data = run_engine(nodes)
    g = engine.graph

    traced = {g.ids[i] for i in range(g.n) if engine.traced[i]}
    assert traced == bf.traced_ids(nodes)

    expected = {gap.break_point: gap for gap in bf.gaps(nodes)}
    got = {d["breakPoint"]: d for d in data["gaps"]}
    assert len(got) == len(data["gaps"]), "two gaps share a break point"
    assert set(got) == set(expected)
    for bp, want in expected.items():
        have = got[bp]
        assert have["reason"] == want.reason, bp
        assert tuple(sorted(have["members"])) == want.members, bp
        assert frozenset(have["stranded"]) == want.stranded, bp
        assert len(have["stranded"]) == len(want.stranded), f"{bp}: stranded ids repeat"
        assert close(have["strandedWork"], want.stranded_work), bp

    assert {u["id"] for u in data["unsupported"]} == bf.unsupported(nodes)

    load = {d["id"]: d["work"] for d in data["loadBearing"]}
    assert len(load) == len(data["loadBearing"])
    want_load = bf.load_bearing(nodes)
    assert set(load) == set(want_load)
    for nid, w in want_load.items():
        assert close(load[nid], w), nid

    assert close(data["score"], bf.score(nodes))


@settings(
    max_examples=int(__import__("os").environ.get("STRATMAP_PROPERTY_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.data(), graphs())
def test_engine_agrees_with_brute_force(data: st.DataObject, nodes: list[Node]) -> None:
    # past this many BFS levels, the depths and load-bearing go on in Python: both ways drawn
    levels = data.draw(st.sampled_from([0, 1, LEVELS]), label="numpy levels")
    with numpy_levels(levels):
        check_engine(nodes)


def test_a_unit_whose_work_is_all_of_zero_effort_has_a_focus_not_nan() -> None:
    # 0 / 0 shares made the focus NaN: sorted anywhere, and not JSON
    nodes = [
        node("V", K.VISION),
        node("G1", K.GOAL, "V"),
        node("G2", K.GOAL, "V"),
        node("O1", K.OBJECTIVE, "G1"),
        node("O2", K.OBJECTIVE, "G2"),
        node("I1", K.INITIATIVE, "O1", effort=0.0).model_copy(update={"unit": "U"}),
        node("I2", K.INITIATIVE, "O2", effort=0.0).model_copy(update={"unit": "U"}),
        node("I3", K.INITIATIVE, "V", effort=2.0).model_copy(update={"unit": "U"}),
    ]
    engine, _ = run_engine(nodes)
    (focus,) = [f for f in engine.unit_focus if f.unit == "U"]
    assert focus.focus is not None and not math.isnan(focus.focus)
    assert all(not math.isnan(share) for _, share in focus.goals)
