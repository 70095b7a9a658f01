"""The strategy map's layout: layered by kind, and folded beyond 300 nodes without hiding breaks."""

from __future__ import annotations

from clients.models import MapNode
from clients.report.strategy_map import MAX_NODES, layout
from graph_schema import LEVEL, NodeKind


def mk(i: str, kind: str, parent: str | None, traced: bool = True) -> MapNode:
    parents = [{"id": parent, "weight": 1.0, "valid": True, "dangling": False}] if parent else []
    return MapNode.model_validate(
        {
            "id": i,
            "kind": kind,
            "title": f"{kind} {i}",
            "status": "ACTIVE",
            "traced": traced,
            "level": LEVEL[NodeKind[kind]],  # as the API sends it
            "parents": parents,
        }
    )


def test_layers_follow_the_levels() -> None:
    m = layout(
        [
            mk("V", "VISION", None),
            mk("G", "GOAL", "V"),
            mk("O", "OBJECTIVE", "G"),
            mk("K", "KEY_RESULT", "O"),
            mk("I", "INITIATIVE", "K"),
        ],
        breaks=set(),
    )
    y = {b.id: b.y for b in m.boxes}
    assert y["V"] < y["G"] < y["O"] < y["K"] < y["I"] and m.folded == 0
    assert {(c.id, p.id) for c, p, _ in m.edges} == {("G", "V"), ("O", "G"), ("K", "O"), ("I", "K")}


def test_beyond_the_limit_traced_work_folds_and_breaks_stay() -> None:
    nodes = [mk("V", "VISION", None), mk("G", "GOAL", "V")]
    nodes += [mk(f"K{k}", "KEY_RESULT", "G") for k in range(20)]
    nodes += [
        mk(f"I{k}-{i}", "INITIATIVE", f"K{k}") for k in range(20) for i in range(20)
    ]  # 400 traced
    nodes += [
        mk("BROKEN", "OBJECTIVE", None, traced=False),
        mk("STRANDED", "INITIATIVE", "BROKEN", traced=False),
    ]
    m = layout(nodes, breaks={"BROKEN"})
    ids = {b.id: b for b in m.boxes}
    assert len(nodes) > MAX_NODES >= len(m.boxes)
    assert (
        m.folded == 400
        and ids["K0::Initiative"].count == 20
        and ids["K0::Initiative"].state == "folded"
    )
    assert ids["BROKEN"].state == "break" and ids["STRANDED"].state == "disconnected"
    assert any(c.id == "STRANDED" and p.id == "BROKEN" and broken for c, p, broken in m.edges)
