"""The strategy map: which boxes it draws, how it folds beyond 300, what a focused map holds, and
what Graphviz makes of it (positions read back from the SVG it lays out)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from clients.errors import MapUnavailable
from clients.models import Gap, MapNode
from clients.report.strategy_map import MAX_NODES, focused, svg, whole
from graph_schema import LEVEL, NodeKind, gap_cause

SVG = "{http://www.w3.org/2000/svg}"


def mk(
    i: str,
    kind: str,
    *parents: str,
    traced: bool = True,
    status: str = "ACTIVE",
    dangling: tuple[str, ...] = (),
    invalid: tuple[str, ...] = (),
    title: str | None = None,
) -> MapNode:
    links: list[dict[str, Any]] = [
        {"id": p, "weight": 1.0, "valid": p not in invalid, "dangling": False} for p in parents
    ]
    links += [{"id": d, "weight": 1.0, "valid": False, "dangling": True} for d in dangling]
    return MapNode.model_validate(
        {
            "id": i,
            "kind": kind,
            "title": title or f"{kind} {i}",
            "status": status,
            "traced": traced,
            "level": LEVEL[NodeKind[kind]],  # as the API sends it
            "parents": links,
        }
    )


def gap(break_point: MapNode, reason: str, **fields: Any) -> Gap:
    """A gap as the API answers it, its cause worded as the server words it."""
    stranded: list[MapNode] = fields.pop("stranded", [])
    dangling = fields.pop("dangling_refs", [])
    members = fields.pop("members", [break_point.id])
    inactive = fields.pop("inactive", [])
    cause = gap_cause(
        reason,
        dangling=dangling,
        inactive=inactive,
        invalid=[p.id for p in break_point.parents if not p.valid and not p.dangling],
        members=members,
        node=break_point.id,
    )
    return Gap.model_validate(
        {
            "reason": reason,
            "cause": cause,
            "danglingRefs": dangling,
            "strandedNodes": fields.pop("stranded_nodes", len(stranded)),
            "strandedWork": 1.0,
            "middleManagement": False,
            "breakPoint": break_point.model_dump(by_alias=True),
            "members": [{"id": m} for m in members],
            "inactiveParents": [{"id": p} for p in inactive],
            "stranded": [s.model_dump(by_alias=True) for s in stranded],
            "above": [a.model_dump(by_alias=True) for a in fields.pop("above", [])],
        }
    )


def positions(markup: str) -> dict[str, tuple[float, float, float, float]]:
    """Each drawn box's (left, top, right, bottom) in the SVG's units, by its id."""
    root = ET.fromstring(markup)
    found = {}
    for g in root.iter(f"{SVG}g"):
        if "node" not in (g.get("class") or "").split():
            continue
        title = g.find(f"{SVG}title")
        shape = g.find(f"{SVG}path")
        if shape is None:
            shape = g.find(f"{SVG}polygon")
        assert title is not None and shape is not None
        raw = shape.get("d") or shape.get("points") or ""
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", raw)]
        xs, ys = numbers[0::2], numbers[1::2]
        found[title.text or ""] = (min(xs), min(ys), max(xs), max(ys))
    return found


def test_a_node_sits_below_all_of_its_parents_whatever_its_kind() -> None:
    # an objective under a key result (DESIGN section 1), and a node with two parents
    nodes = [
        mk("V", "VISION"),
        mk("G", "GOAL", "V"),
        mk("O", "OBJECTIVE", "G"),
        mk("K", "KEY_RESULT", "O"),
        mk("O2", "OBJECTIVE", "K"),
        mk("K2", "KEY_RESULT", "O2"),
        mk("I", "INITIATIVE", "K2", "O"),
    ]
    m = whole(nodes, [], complete=True)
    assert m.folded == 0 and {b.state for b in m.boxes} == {"traced"}
    pos = positions(svg(m, "t"))
    for n in nodes:
        for p in n.parents:
            assert pos[n.id][1] > pos[p.id][3], f"{n.id} is not below its parent {p.id}"


def test_breaks_are_marked_in_words_and_missing_parents_are_placeholders() -> None:
    bp = mk("O-X", "OBJECTIVE", traced=False, dangling=("G-TYPO",))
    below = mk("I-X", "INITIATIVE", "O-X", traced=False)
    nodes = [mk("V", "VISION"), mk("G", "GOAL", "V"), bp, below]
    g = gap(bp, "DANGLING_PARENT", dangling_refs=["G-TYPO"], stranded=[below])
    m = whole(nodes, [g], complete=True)
    boxes = {b.id: b for b in m.boxes}
    assert boxes["G-TYPO"].state == "missing"
    assert boxes["O-X"].state == "break" and boxes["O-X"].note == "its parent G-TYPO does not exist"
    assert boxes["I-X"].state == "disconnected"
    styles = {(c.id, p.id): s for c, p, s in m.edges()}
    assert styles == {("G", "V"): "traced", ("O-X", "G-TYPO"): "missing", ("I-X", "O-X"): "broken"}
    text = " ".join(ET.fromstring(svg(m, "t")).itertext())
    assert "⚠ BREAK" in text and "✕ NOT TRACED" in text and "MISSING PARENT" in text
    assert "does not exist" in text


def test_beyond_the_limit_traced_work_folds_and_breaks_stay() -> None:
    nodes = [mk("V", "VISION"), mk("G", "GOAL", "V")]
    nodes += [mk(f"K{k}", "KEY_RESULT", "G") for k in range(20)]
    nodes += [mk(f"I{k}-{i}", "INITIATIVE", f"K{k}") for k in range(20) for i in range(20)]
    bp = mk("BROKEN", "OBJECTIVE", traced=False)
    stranded = mk("STRANDED", "INITIATIVE", "BROKEN", traced=False)
    nodes += [bp, stranded]
    m = whole(nodes, [gap(bp, "UNLINKED", stranded=[stranded])], complete=True)
    boxes = {b.id: b for b in m.boxes}
    assert len(nodes) > MAX_NODES >= len(m.boxes)
    assert m.folded == 400 and boxes["K0::initiatives"].count == 20
    assert boxes["K0::initiatives"].state == "folded"
    assert boxes["BROKEN"].state == "break" and boxes["STRANDED"].state == "disconnected"
    assert ("STRANDED", "BROKEN", "broken") in {(c.id, p.id, s) for c, p, s in m.edges()}


def test_a_focused_map_holds_the_chain_above_the_break_and_what_is_stranded() -> None:
    v, goal = mk("V", "VISION"), mk("G", "GOAL", "V", status="ARCHIVED")
    bp = mk("O", "OBJECTIVE", "G", traced=False)
    stranded = [mk("K", "KEY_RESULT", "O", traced=False), mk("I", "INITIATIVE", "K", traced=False)]
    g = gap(bp, "INACTIVE_PARENT", inactive=["G"], above=[goal, v], stranded=stranded)
    m = focused(g)
    assert {b.id for b in m.boxes} == {"V", "G", "O", "K", "I"}
    assert {b.id: b.state for b in m.boxes}["G"] == "inactive"
    # more stranded than the page fetched: the rest is one counted box under the break point
    more = focused(
        gap(
            bp,
            "INACTIVE_PARENT",
            inactive=["G"],
            above=[goal, v],
            stranded=stranded,
            stranded_nodes=50,
        )
    )
    count = {b.id: b for b in more.boxes}["O::stranded"]
    assert count.count == 48 and count.parents == [("O", True)]


def test_titles_are_escaped_and_whole() -> None:
    hostile = '<script>x</script> & "q" — 日本語の目標 ' + "long words " * 8
    m = whole([mk("V", "VISION", title=hostile)], [], complete=True)
    markup = svg(m, "t")
    assert "<script>" not in markup
    lines = [t.text or "" for t in ET.fromstring(markup).iter(f"{SVG}text")]
    assert " ".join(lines[2:]) == hostile.strip()  # kind and id first, then the title, wrapped


def test_without_graphviz_the_map_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MapUnavailable, match="apt-get install graphviz"):
        svg(whole([mk("V", "VISION")], [], complete=True), "t")


def test_a_map_of_broken_work_is_capped_and_keeps_every_break_point() -> None:
    # 320 loose objectives, each its own gap with a missing parent: nothing traced to fold
    nodes = [mk("V", "VISION")]
    gaps = []
    for i in range(160):
        bp = mk(f"O{i:03d}", "OBJECTIVE", traced=False, dangling=(f"G-GONE{i}",))
        nodes += [bp, mk(f"I{i:03d}", "INITIATIVE", bp.id, traced=False)]
        gaps.append(gap(bp, "DANGLING_PARENT", dangling_refs=[f"G-GONE{i}"]))
    m = whole(nodes, gaps, complete=True)
    states = [b.state for b in m.boxes]
    assert len(m.boxes) == MAX_NODES and m.hidden == len(nodes) + 160 - MAX_NODES
    assert states.count("break") == 160 and "V" in {b.id for b in m.boxes}
    assert states.count("missing") == MAX_NODES - 160 - 1  # then the placeholders
