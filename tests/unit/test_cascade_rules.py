"""The 36 kind pairs of a SUPPORTS link, written out by hand (DESIGN section 1), checked against
the one rule in graph_schema, the engine's matrix, a real engine run and the table in the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph_schema import NodeKind, is_valid_support
from service.engine.graph import KIND_CODE, VALID_SUPPORT
from tests.conftest import EngineFactory, node

V, G, OBJ, KR, B, INI = "Vision", "Goal", "Objective", "KeyResult", "Behaviour", "Initiative"

# child -> the parents it may support; every pair not listed is an inversion
VALID_PARENTS: dict[str, set[str]] = {
    V: set(),
    G: {V},
    OBJ: {V, G, OBJ, KR},  # O -> KR: a leader's key result becomes the next level's objective
    KR: {V, G, OBJ, KR},  # KR -> KR: a metric tree
    B: {V, G, OBJ},
    INI: {V, G, OBJ, KR, B, INI},
}
PAIRS = [(c, p, p in VALID_PARENTS[c]) for c in VALID_PARENTS for p in VALID_PARENTS]
DOC = Path(__file__).resolve().parents[2] / "docs" / "cascade-rules.md"


def test_the_table_has_all_36_pairs_and_the_four_exceptions() -> None:
    assert len(PAIRS) == 36 and len({(c, p) for c, p, _ in PAIRS}) == 36
    # 14 pairs climb a level number; the 4 exceptions make 18 valid pairs
    assert sum(ok for *_, ok in PAIRS) == 18


@pytest.mark.parametrize(
    ("child", "parent", "valid"), PAIRS, ids=[f"{c}->{p}" for c, p, _ in PAIRS]
)
def test_pair(child: str, parent: str, valid: bool) -> None:
    assert is_valid_support(NodeKind(child), NodeKind(parent)) is valid
    assert bool(VALID_SUPPORT[KIND_CODE[child], KIND_CODE[parent]]) is valid


@pytest.mark.parametrize(
    ("child", "parent", "valid"), PAIRS, ids=[f"{c}->{p}" for c, p, _ in PAIRS]
)
def test_pair_in_a_real_engine(
    make_engine: EngineFactory, child: str, parent: str, valid: bool
) -> None:
    # P hangs under the vision wherever its kind can; C's only way up is the link under test.
    spine = [
        node("V", V),
        node("G", G, "V"),
        node("O", OBJ, "G"),
        node("KR", KR, "O"),
        node("I", INI, "KR"),
    ]
    fitting = {V: (), G: ("V",), OBJ: ("G",), KR: ("O",), B: ("O",), INI: ("KR",)}
    e = make_engine([*spine, node("P", parent, *fitting[parent]), node("C", child, "P")])
    traced = {e.graph.ids[i] for i in range(e.graph.n) if e.traced[i]}
    invalid = [
        (e.graph.ids[c], e.graph.ids[p])
        for c, p, ok in zip(e.graph.e_child, e.graph.e_parent, e.graph.e_valid, strict=True)
        if not ok
    ]
    assert ("C", "P") not in invalid if valid else ("C", "P") in invalid
    if child != V:  # an active vision is traced by itself, whatever it links to
        assert ("C" in traced) is valid


def test_the_docs_table_says_the_same() -> None:
    rows = re.findall(
        r"^\| (\w+) \| (\w+) \| (valid|\*\*inversion\*\*) \|", DOC.read_text(encoding="utf-8"), re.M
    )
    assert sorted((c, p, ok == "valid") for c, p, ok in rows) == sorted(PAIRS)
