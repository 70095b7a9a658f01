"""The engine agrees with a naive reference (tests/unit/brute_force.py) on random small graphs.

The reference itself is pinned first by a few hand-worked examples (DESIGN section 2's golden
examples among them), then hypothesis compares it with the engine on graphs full of cycles,
missing and inactive parents, invalid links and several visions.
"""
from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import Node, NodeKind, ParentRef, Status, is_valid_support
from service.engine.engine import Engine
from service.engine.report import analysis_json
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore

try:
    from tests.unit import brute_force as bf
except ImportError:  # run with tests/unit on sys.path (pytest's rootdir-less "prepend" import)
    import brute_force as bf  # type: ignore[no-redef]

K = NodeKind
ACTIVE, DONE, ARCHIVED = Status.ACTIVE, Status.DONE, Status.ARCHIVED


def node(id: str, kind: NodeKind, *parents: str, status: Status = ACTIVE, effort: float | None = None) -> Node:
    return Node(
        id=id,
        kind=kind,
        title=f"title {id}",
        status=status,
        effort=effort,
        parents=tuple(ParentRef(id=p, weight=1.0) for p in parents),
    )


def gap_view(gs: list[bf.BruteGap]) -> dict[str, tuple[str, tuple[str, ...], frozenset[str], float]]:
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


# --- the engine against the reference -----------------------------------------------------

KINDS = [K.VISION, K.GOAL, K.GOAL, K.OBJECTIVE, K.OBJECTIVE, K.OBJECTIVE, K.KEY_RESULT,
         K.BEHAVIOUR, K.INITIATIVE, K.INITIATIVE, K.INITIATIVE, K.INITIATIVE]
STATUSES = [ACTIVE] * 6 + [DONE, ARCHIVED]
EFFORTS = st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]))
MISSING = ["MISSING1", "MISSING2"]


@st.composite
def graphs(draw: st.DrawFn) -> list[Node]:
    n = draw(st.integers(min_value=1, max_value=14))
    ids = [f"N{i}" for i in range(n)]  # "N10" < "N2": string order matters for break points
    kinds = [draw(st.sampled_from(KINDS)) for _ in ids]
    if draw(st.booleans()):
        kinds[draw(st.integers(0, n - 1))] = K.VISION
    nodes = []
    for nid, kind in zip(ids, kinds):
        # Half the links are drawn among the level-valid parents so that traced chains, nested
        # cycles and load-bearing nodes are common; the rest anywhere (self, missing, invalid).
        fitting = [i for i, k in zip(ids, kinds) if is_valid_support(kind, k)]
        parents = draw(st.lists(st.sampled_from(fitting), max_size=2, unique=True)) if fitting else []
        anywhere = draw(st.lists(st.sampled_from(ids + MISSING), max_size=2, unique=True))
        parents += [p for p in anywhere if p not in parents]
        weights = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=len(parents), max_size=len(parents)))
        nodes.append(Node(
            id=nid,
            kind=kind,
            title=f"title {nid}",
            status=draw(st.sampled_from(STATUSES)),
            effort=draw(EFFORTS),
            parents=tuple(ParentRef(id=p, weight=w) for p, w in zip(parents, weights)),
        ))
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_engine_agrees_with_brute_force(nodes: list[Node]) -> None:
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


@pytest.mark.parametrize("example", [
    # A regression seed of shapes that matter: a vision under a node, nested self-loops.
    [node("V", K.VISION, "O"), node("O", K.OBJECTIVE, "O", "V"), node("I", K.INITIATIVE, "O", "I")],
])
def test_engine_agrees_on_examples(example: list[Node]) -> None:
    test_engine_agrees_with_brute_force.hypothesis.inner_test(example)  # type: ignore[attr-defined]
