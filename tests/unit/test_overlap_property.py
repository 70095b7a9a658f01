"""Near-duplicate sibling titles: the engine's keyed search against plain pairwise comparison."""
from __future__ import annotations

from dataclasses import replace
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_schema.titles import THRESHOLD, fingerprint, jaccard, words
from service.engine import overlap
from service.engine.engine import Engine
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from tests.conftest import node

WORDS = ["launch", "the", "portal", "self", "service", "customer", "v2", "new", "api", "fleet", "robot", "Über",
         "sites", "of", "to", "café", "#1", "uptime", "99.5%", "and", "build"]
title = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join).filter(lambda t: t.strip() != "")


def _duplicates(e: Engine) -> set[tuple[str, ...]]:
    return {tuple(e.graph.ids[i] for i in o.nodes) for o in e.overlaps if o.type == "DUPLICATE_TITLE"}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(title, st.sampled_from(["a", "b", "c", None]), st.sampled_from(["P1", "P2"]),
                          st.sampled_from(["Initiative", "Objective"])), min_size=2, max_size=14))
def test_duplicate_titles_match_pairwise_comparison(rows: list) -> None:
    nodes = [node("V", "Vision"), node("P1", "Goal", "V"), node("P2", "Goal", "V")]
    nodes += [node(f"N{i:02d}", kind, parent, title=t, unit=u) for i, (t, u, parent, kind) in enumerate(rows)]
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes))
    snap = store.read_graph("t")
    got = _duplicates(Engine(snap))
    # Fingerprints only propose candidates: missing ones are computed, and ones that collide
    # everywhere (every title the same fingerprint) must not change a single answer.
    assert _duplicates(Engine(replace(snap, fingerprints=[None] * len(snap.nodes)))) == got
    assert _duplicates(Engine(replace(snap, fingerprints=[fingerprint("same")] * len(snap.nodes)))) == got
    # Large inputs are searched in slices split by parent: slicing must not change the answer.
    chunk, overlap.CHUNK = overlap.CHUNK, 2
    try:
        assert _duplicates(Engine(snap)) == got
    finally:
        overlap.CHUNK = chunk
    expected = set()
    for (i, a), (j, b) in combinations(enumerate(rows), 2):
        same_group = a[2] == b[2] and a[3] == b[3]
        if same_group and a[1] and b[1] and a[1] != b[1] and jaccard(words(a[0]), words(b[0])) >= THRESHOLD:
            expected.add((f"N{i:02d}", f"N{j:02d}"))
    assert got == expected
