"""Hand-built graphs with answers worked out by hand from DESIGN section 2."""

from __future__ import annotations

import math

import pytest

from graph_schema import Person, Unit
from graph_schema.titles import fingerprint
from service.engine import overlap
from service.engine.engine import Engine
from service.engine.findings_json import analysis_json
from tests.conftest import EngineFactory, node

SPINE = [node("V", "Vision"), node("G1", "Goal", "V")]


def traced_ids(e: Engine) -> set[str]:
    return {e.graph.ids[i] for i in range(e.graph.n) if e.traced[i]}


def gaps(e: Engine) -> dict[str, tuple[str, list[str]]]:
    return {g["breakPoint"]: (g["reason"], g["members"]) for g in analysis_json(e)["gaps"]}


def test_cycle_whose_only_other_parent_is_archived_is_a_cycle_gap(
    make_engine: EngineFactory,
) -> None:
    e = make_engine(
        [
            *SPINE,
            node("G2", "Goal", "V", status="archived"),
            node("O1", "Objective", "O2"),
            node("O2", "Objective", "O1", "G2"),
        ]
    )
    found = analysis_json(e)["gaps"]
    assert [(g["breakPoint"], g["reason"], g["members"], g["inactiveParents"]) for g in found] == [
        ("O1", "CYCLE", ["O1", "O2"], ["G2"])
    ]


def test_cycle_with_a_way_out_to_a_stranded_objective_is_stranded(
    make_engine: EngineFactory,
) -> None:
    # O3 dangles; O1 <-> O2 and O1 -> O3: the cycle's fate is decided by O3, the one gap.
    e = make_engine(
        [
            *SPINE,
            node("O3", "Objective", "GONE"),
            node("O1", "Objective", "O2", "O3"),
            node("O2", "Objective", "O1"),
        ]
    )
    assert gaps(e) == {"O3": ("DANGLING_PARENT", ["O3"])}
    assert analysis_json(e)["gaps"][0]["stranded"] == ["O1", "O2"]
    assert analysis_json(e)["counts"]["stranded"] == 2


def test_self_loop_alone_is_a_cycle_gap(make_engine: EngineFactory) -> None:
    e = make_engine([*SPINE, node("O1", "Objective", "O1")])
    assert gaps(e) == {"O1": ("CYCLE", ["O1"])}


def test_one_traced_and_one_missing_parent_is_traced(make_engine: EngineFactory) -> None:
    e = make_engine([*SPINE, node("I1", "Initiative", "G1", "MISSING")])
    assert "I1" in traced_ids(e)
    assert gaps(e) == {}


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ([node("I1", "Initiative")], "UNLINKED"),
        ([node("I1", "Initiative", "NOPE")], "DANGLING_PARENT"),
        (
            [node("G2", "Goal", "V", status="done"), node("I1", "Initiative", "G2")],
            "INACTIVE_PARENT",
        ),
        ([node("I0", "Initiative", "G1"), node("I1", "KeyResult", "I0")], "LEVEL_INVERSION"),
    ],
)
def test_each_singleton_reason(make_engine: EngineFactory, extra: list, reason: str) -> None:
    e = make_engine([*SPINE, *extra])
    assert gaps(e) == {"I1": (reason, ["I1"])}


def test_reason_order_prefers_dangling_over_inactive_over_inversion(
    make_engine: EngineFactory,
) -> None:
    e = make_engine(
        [
            *SPINE,
            node("G2", "Goal", "V", status="archived"),
            node("I0", "Initiative", "G1"),
            node("K1", "KeyResult", "I0", "G2", "MISSING"),
        ]
    )
    assert gaps(e) == {"K1": ("DANGLING_PARENT", ["K1"])}


def test_archived_and_done_nodes_take_no_part(make_engine: EngineFactory) -> None:
    e = make_engine(
        [
            *SPINE,
            node("I1", "Initiative", status="archived"),
            node("I2", "Initiative", "NOPE", status="done"),
        ]
    )
    data = analysis_json(e)
    assert data["gaps"] == [] and data["orphans"] == []
    assert "I1" not in traced_ids(e) and "I2" not in traced_ids(e)
    assert data["score"] is None  # no active work at all


def test_node_below_two_gaps_counts_for_both(make_engine: EngineFactory) -> None:
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "X1"),
            node("O2", "Objective", "X2"),
            node("I1", "Initiative", "O1", "O2", effort=5),
        ]
    )
    by_bp = {g["breakPoint"]: g for g in analysis_json(e)["gaps"]}
    assert set(by_bp) == {"O1", "O2"}
    for g in by_bp.values():
        assert g["stranded"] == ["I1"] and g["strandedWork"] == 5


def test_level_inversions_are_not_followed_and_are_reported(make_engine: EngineFactory) -> None:
    # G2 "supports" an objective: invalid, so G2 does not trace through it.
    e = make_engine([*SPINE, node("O1", "Objective", "G1"), node("G2", "Goal", "O1")])
    assert "G2" not in traced_ids(e)
    data = analysis_json(e)
    assert gaps(e) == {"G2": ("LEVEL_INVERSION", ["G2"])}
    assert data["invalidLinks"] == [
        {"child": "G2", "parent": "O1", "childKind": "Goal", "parentKind": "Objective"}
    ]


def test_objectives_cascade_under_key_results_and_key_results_nest(
    make_engine: EngineFactory,
) -> None:
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "G1"),
            node("KR1", "KeyResult", "O1"),
            node("O2", "Objective", "KR1"),
            node("KR2", "KeyResult", "O2"),
            node("KR3", "KeyResult", "KR2"),
            node("I1", "Initiative", "KR3"),
        ]
    )
    assert {"O2", "KR2", "KR3", "I1"} <= traced_ids(e)
    data = analysis_json(e)
    assert data["gaps"] == [] and data["invalidLinks"] == []


def test_objective_under_a_done_key_result_is_an_inactive_parent_gap(
    make_engine: EngineFactory,
) -> None:
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "G1"),
            node("KR1", "KeyResult", "O1", status="done"),
            node("O2", "Objective", "KR1"),
            node("I1", "Initiative", "O2", effort=4),
        ]
    )
    assert gaps(e) == {"O2": ("INACTIVE_PARENT", ["O2"])}
    assert analysis_json(e)["gaps"][0]["stranded"] == ["I1"]


def test_objective_and_key_result_in_a_loop_with_no_way_up_are_a_cycle(
    make_engine: EngineFactory,
) -> None:
    e = make_engine([*SPINE, node("O1", "Objective", "KR1"), node("KR1", "KeyResult", "O1")])
    assert gaps(e) == {"KR1": ("CYCLE", ["KR1", "O1"])}


def test_gaps_ranked_by_stranded_work_and_middle_management_flag(
    make_engine: EngineFactory,
) -> None:
    units = [
        Unit(id="co", name="Co"),
        Unit(id="eng", name="Eng", parent="co"),
        Unit(id="web", name="Web", parent="eng"),
    ]
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "GONE", unit="eng"),  # department objective: middle management
            node("I1", "Initiative", "O1", effort=2),
            node("I2", "Initiative", "O1", effort=3),
            node("O2", "Objective", "GONE2", unit="co"),  # company scope: not middle management
            node("I3", "Initiative", "O2", effort=1),
            node(
                "O3", "Objective", unit="web", scope="company"
            ),  # declared scope wins over the unit tree
            node("I4", "Initiative", effort=10),
        ],
        units=units,
    )
    data = analysis_json(e)
    assert [(g["breakPoint"], g["strandedWork"], g["middleManagement"]) for g in data["gaps"]] == [
        ("I4", 10, False),
        ("O1", 5, True),
        ("O2", 1, False),
        ("O3", 0, False),
    ]
    assert data["counts"]["middleManagementGaps"] == 1


def test_unsupported_strategy(make_engine: EngineFactory) -> None:
    e = make_engine(
        [
            *SPINE,
            node("G2", "Goal", "V"),
            node("O1", "Objective", "G1"),
            node("K1", "KeyResult", "O1"),
            node("O2", "Objective", "G2"),
            node("I1", "Initiative", "K1"),
            node("I2", "Initiative", "O2", status="done"),
        ]
    )
    # G2 and O2: only done work below. G1, O1, K1 carry I1.
    assert [n["id"] for n in analysis_json(e)["unsupported"]] == ["G2", "O2"]


def test_line_of_sight_several_paths_shortest_first_with_strength(
    make_engine: EngineFactory,
) -> None:
    e = make_engine(
        [
            *SPINE,
            node("G2", "Goal", "V"),
            node("O1", "Objective", "G1"),
            node("O2", "Objective", "O1"),
            node("I1", "Initiative", ("O2", 0.5), ("G2", 0.25), "MISSING"),
        ]
    )
    los = e.line_of_sight("I1")
    ids = e.graph.ids
    assert [[ids[s] for s in p.steps] for p in los.paths] == [
        ["I1", "G2", "V"],
        ["I1", "O2", "O1", "G1", "V"],
    ]
    assert [p.strength for p in los.paths] == [0.25, 0.5]
    assert los.traced and not los.truncated
    cut = e.line_of_sight("I1", max_paths=1)
    assert len(cut.paths) == 1 and cut.truncated


def test_line_of_sight_of_untraced_node_ends_at_its_gaps(make_engine: EngineFactory) -> None:
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "GONE"),
            node("O2", "Objective", "O1"),
            node("I1", "Initiative", "O2", "I9"),
            node("I9", "Initiative"),
        ]
    )
    los = e.line_of_sight("I1")
    ids = e.graph.ids
    assert not los.traced and los.paths == []
    assert sorted((ids[c.gap.break_point], [ids[s] for s in c.chain]) for c in los.gaps) == [
        ("I9", ["I1", "I9"]),
        ("O1", ["I1", "O2", "O1"]),
    ]


def test_score_with_and_without_effort(make_engine: EngineFactory) -> None:
    e = make_engine([*SPINE, node("I1", "Initiative", "G1"), node("I2", "Initiative")])
    assert e.score == pytest.approx(0.5)  # no effort given: each counts 1
    e = make_engine(
        [*SPINE, node("I1", "Initiative", "G1", effort=3), node("I2", "Initiative", effort=1)]
    )
    assert e.score == pytest.approx(0.75)


def test_score_by_unit_rolls_up_and_by_goal_shares(make_engine: EngineFactory) -> None:
    units = [
        Unit(id="co", name="Co"),
        Unit(id="a", name="A", parent="co"),
        Unit(id="b", name="B", parent="co"),
    ]
    e = make_engine(
        [
            *SPINE,
            node("G2", "Goal", "V"),
            node("I1", "Initiative", "G1", unit="a", effort=2),
            node("I2", "Initiative", unit="a", effort=2),
            node("I3", "Initiative", "G1", "G2", unit="b", effort=4),
        ],
        units=units,
    )
    by_unit = {u["unit"]: (u["score"], u["work"]) for u in analysis_json(e)["byUnit"]}
    assert by_unit == {"a": (0.5, 4), "b": (1.0, 4), "co": (0.75, 8)}
    by_goal = {g["goal"]: (g["tracedWork"], g["share"]) for g in analysis_json(e)["byGoal"]}
    assert by_goal == {"G1": (6, 1.0), "G2": (4, pytest.approx(4 / 6))}


def test_unit_focus_entropy(make_engine: EngineFactory) -> None:
    e = make_engine(
        [
            *SPINE,
            node("G2", "Goal", "V"),
            node("G3", "Goal", "V"),
            node("G4", "Goal", "V"),
            node("I1", "Initiative", "G1", unit="u", effort=1),
            node("I2", "Initiative", "G2", "G3", unit="u", effort=2),  # counts 1 for G2, 1 for G3
            node("I3", "Initiative", "G4", unit="f", effort=5),
        ]
    )
    focus = {f["unit"]: f for f in analysis_json(e)["unitFocus"]}
    h = -3 * (1 / 3) * math.log(1 / 3)
    assert focus["u"]["focus"] == pytest.approx(1 - h / math.log(4))
    assert focus["u"]["pulled"] and {g["goal"] for g in focus["u"]["goals"]} == {"G1", "G2", "G3"}
    assert focus["f"]["focus"] == pytest.approx(1.0) and not focus["f"]["pulled"]


def test_load_bearing_is_dominator_count(make_engine: EngineFactory) -> None:
    # O1 alone carries I1 and I2; I3 also hangs on O2 so neither O1 nor O2 alone bears it.
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "G1"),
            node("O2", "Objective", "G1"),
            node("I1", "Initiative", "O1", effort=2),
            node("I2", "Initiative", "I1", effort=3),
            node("I3", "Initiative", "O1", "O2", effort=7),
        ]
    )
    lb = {x["id"]: x["work"] for x in analysis_json(e)["loadBearing"]}
    assert lb == {"V": 12, "G1": 12, "O1": 5, "I1": 3}


def test_ownership_overlaps(make_engine: EngineFactory) -> None:
    people = [Person(id="p1", name="P1", unit="a"), Person(id="p2", name="P2", unit="b")]
    units = [Unit(id="a", name="A"), Unit(id="b", name="B")]
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "G1", unit="a", owner="p1", co_owners=("p2",)),
            node("I1", "Initiative", "O1", unit="a", title="Launch the self-service portal!"),
            node("I2", "Initiative", "O1", unit="b", title="launch self-service portal"),
            node(
                "I3", "Initiative", "O1", unit="a", title="Launch self-service portal"
            ),  # same unit as I1
            node("I4", "Initiative", "O1", unit="b", title="Retire the legacy portal"),
        ],
        units=units,
        people=people,
    )
    found = [(o["type"], o["nodes"]) for o in analysis_json(e)["ownershipOverlaps"]]
    assert found == [
        ("CO_OWNERS", ["O1"]),
        ("DUPLICATE_TITLE", ["I1", "I2"]),
        ("DUPLICATE_TITLE", ["I2", "I3"]),
    ]


def test_conflicts_risky_dependencies_unowned(make_engine: EngineFactory) -> None:
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "G1", owner="p"),
            node("K1", "KeyResult", "O1", unit="a", conflicts_with=("K2",), owner="p"),
            node("K2", "KeyResult", "O1", unit="b", owner="p"),
            node("K3", "KeyResult", "O1", unit="a", conflicts_with=("K4",), owner="p"),
            node("K4", "KeyResult", "O1", unit="a", owner="p"),  # same unit: no declared tension
            node("I1", "Initiative", "K1", depends_on=("I2", "I3"), owner="p"),
            node("I2", "Initiative", owner="p"),
            node("I3", "Initiative", "K2", owner="p"),
        ]
    )
    data = analysis_json(e)
    assert [(c["a"], c["b"]) for c in data["conflicts"]] == [("K1", "K2")]
    assert data["riskyDependencies"] == [{"node": "I1", "dependsOn": "I2"}]
    assert [n["id"] for n in data["unowned"]] == ["G1", "V"]


def test_period_filter(make_engine: EngineFactory) -> None:
    e = make_engine(
        [
            *SPINE,
            node("I1", "Initiative", "G1", period="2026-Q3"),
            node("I2", "Initiative", period="2026-Q4"),
            node("I3", "Initiative", "G1"),
        ],
        period="2026-Q3",
    )
    data = analysis_json(e)
    assert data["counts"]["byKind"]["Initiative"]["active"] == 2  # I1 and I3 (no period)
    assert data["gaps"] == [] and data["score"] == 1.0


def test_deep_chain_does_not_overflow(make_engine: EngineFactory) -> None:
    depth = 100_000
    chain = [node("I0", "Initiative", "G1")] + [
        node(f"I{i}", "Initiative", f"I{i - 1}") for i in range(1, depth)
    ]
    e = make_engine(
        [*SPINE, *chain, node("X0", "Initiative", "MISSING")]
        + [node(f"X{i}", "Initiative", f"X{i - 1}") for i in range(1, 1000)]
    )
    assert int(e.traced.sum()) == depth + 2
    data = analysis_json(e)
    assert data["gaps"][0]["breakPoint"] == "X0" and data["gaps"][0]["strandedNodes"] == 999
    assert len(e.line_of_sight(f"I{depth - 1}").paths[0].steps) == depth + 2


def test_words_with_the_same_crc32_do_not_hide_a_near_duplicate(make_engine: EngineFactory) -> None:
    # crc32("jbrgfbwjk") == crc32("hvqrfc") and crc32("dgxpflsd") == crc32("ldklqun")
    assert fingerprint("jbrgfbwjk") == fingerprint("hvqrfc") and fingerprint(
        "dgxpflsd"
    ) == fingerprint("ldklqun")
    e = make_engine(
        [
            *SPINE,
            node("O1", "Objective", "G1"),
            node(
                "I1", "Initiative", "O1", unit="u0", title="jbrgfbwjk hvqrfc dgxpflsd ldklqun extra"
            ),
            node("I2", "Initiative", "O1", unit="u1", title="jbrgfbwjk hvqrfc dgxpflsd ldklqun"),
        ]
    )  # J = 4/5
    assert [(o["type"], o["nodes"]) for o in analysis_json(e)["ownershipOverlaps"]] == [
        ("DUPLICATE_TITLE", ["I1", "I2"])
    ]


@pytest.mark.parametrize("chunk", [overlap.CHUNK, 2])
@pytest.mark.parametrize("others", range(4))
def test_a_pair_under_two_shared_parents_is_reported_once_under_the_first(
    make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch, chunk: int, others: int
) -> None:
    monkeypatch.setattr(
        overlap, "CHUNK", chunk
    )  # 2: the search runs in slices, as on a large graph
    e = make_engine(
        [
            node("V", "Vision"),
            node("P", "Goal", "V"),
            node("Q", "Goal", "V"),
            node("A", "Initiative", "P", "Q", title="launch the new portal", unit="u1"),
            node("B", "Initiative", "P", "Q", title="launch new portal", unit="u2"),
            *(node(f"X{k}", "Initiative", "P", title=f"x{k}", unit="u3") for k in range(others)),
        ]
    )
    found = [(o["type"], o["nodes"], o["parent"]) for o in analysis_json(e)["ownershipOverlaps"]]
    assert found == [("DUPLICATE_TITLE", ["A", "B"], "P")]


def test_a_ladder_still_yields_its_shortest_paths(make_engine: EngineFactory) -> None:
    """Reliability issue, part 4: on a 12-rung ladder (each initiative under both initiatives
    of the rung above) the search spent its budget breadth-first on 2^12 half-paths and
    returned no path for a traced node. Every traced node gets its shortest paths first."""
    rungs = 12
    ladder = [node("L0a", "Initiative", "G1"), node("L0b", "Initiative", "G1")]
    for r in range(1, rungs):
        above = (f"L{r - 1}a", f"L{r - 1}b")
        ladder += [node(f"L{r}a", "Initiative", *above), node(f"L{r}b", "Initiative", *above)]
    e = make_engine([*SPINE, *ladder])
    los = e.line_of_sight(f"L{rungs - 1}a")
    assert los.traced and len(los.paths) == 100 and los.truncated  # 2^11 paths exist
    ids = e.graph.ids
    for path in los.paths:
        steps = [ids[s] for s in path.steps]
        assert len(steps) == rungs + 2 and steps[-2:] == ["G1", "V"]  # all of them shortest
    assert len({tuple(p.steps) for p in los.paths}) == 100  # and no path twice
