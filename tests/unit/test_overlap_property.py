"""Near-duplicate sibling titles: the engine's keyed search against plain pairwise comparison."""

from __future__ import annotations

import zlib
from array import array
from dataclasses import replace
from itertools import combinations
from typing import cast

from hypothesis import example, given, settings
from hypothesis import strategies as st

from graph_schema.model import Unit
from graph_schema.titles import THRESHOLD, fingerprint, jaccard, words
from service.engine import overlap
from service.engine.engine import Engine
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from tests.conftest import node

WORDS = [
    "launch",
    "the",
    "portal",
    "self",
    "service",
    "customer",
    "v2",
    "new",
    "api",
    "fleet",
    "robot",
    "Über",
    "sites",
    "of",
    "to",
    "café",
    "#1",
    "uptime",
    "99.5%",
    "and",
    "build",
]
title = (
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=12)
    .map(" ".join)
    .filter(lambda t: t.strip() != "")
)


def _duplicates(e: Engine) -> set[tuple[str, ...]]:
    """Each reported pair with the parent it is reported under."""
    return {
        # a DUPLICATE_TITLE overlap always has its parent
        (*(e.graph.ids[i] for i in o.nodes), e.graph.ids[cast(int, o.parent)])
        for o in e.overlaps
        if o.type == "DUPLICATE_TITLE"
    }


def _rows(titles: st.SearchStrategy[str]) -> st.SearchStrategy[list]:
    return st.lists(
        st.tuples(
            titles,
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["P1", "P2"]),
            st.sampled_from(["Initiative", "Objective"]),
        ),
        min_size=2,
        max_size=14,
    )


@settings(max_examples=150, deadline=None)
@given(_rows(title))
def test_duplicate_titles_match_pairwise_comparison(rows: list) -> None:
    _check_against_pairwise(rows)


# Long titles (up to 40 distinct words) near one shared base, so pairs land on both sides of the
# threshold: these go through the prefix keys, and 13-15 words through both kinds of key.
LONG_WORDS = [f"word{k}" for k in range(60)]
base_title = st.lists(st.sampled_from(LONG_WORDS), min_size=10, max_size=40, unique=True)


def _variants(base: list[str]) -> st.SearchStrategy[str]:
    """The base with up to 5 of its words dropped and up to 4 words added."""
    return st.tuples(
        st.sets(st.integers(0, len(base) - 1), max_size=5),
        st.lists(st.sampled_from(LONG_WORDS), max_size=4),
    ).map(
        lambda change: " ".join([w for k, w in enumerate(base) if k not in change[0]] + change[1])
    )


def _first(n: int) -> str:
    return " ".join(LONG_WORDS[:n])


@settings(max_examples=150, deadline=None)
@given(base_title.flatmap(lambda base: _rows(_variants(base))))
# the boundaries between the two kinds of key, at Jaccard 12/15 = 0.8 and 13/16 = 0.8125
@example([(_first(12), "a", "P1", "Initiative"), (_first(15), "b", "P1", "Initiative")])
@example([(_first(13), "a", "P1", "Initiative"), (_first(16), "b", "P1", "Initiative")])
def test_long_titles_match_pairwise_comparison(rows: list) -> None:
    _check_against_pairwise(rows)


def _check_against_pairwise(rows: list) -> None:
    nodes = [node("V", "Vision"), node("P1", "Goal", "V"), node("P2", "Goal", "V")]
    nodes += [
        node(f"N{i:02d}", kind, parent, title=t, unit=u)
        for i, (t, u, parent, kind) in enumerate(rows)
    ]
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes))
    snap = store.read_graph("t")
    got = _duplicates(Engine(snap))
    # Fingerprints only propose candidates: missing ones are computed, and ones that collide
    # everywhere (every title the same fingerprint) must not change a single answer.
    assert _duplicates(Engine(replace(snap, fingerprints=[None] * len(snap.nodes)))) == got
    assert (
        _duplicates(Engine(replace(snap, fingerprints=[fingerprint("same")] * len(snap.nodes))))
        == got
    )
    # Large inputs are searched in slices split by parent: slicing must not change the answer.
    chunk, overlap.CHUNK = overlap.CHUNK, 2
    try:
        assert _duplicates(Engine(snap)) == got
    finally:
        overlap.CHUNK = chunk
    expected = set()
    for (i, a), (j, b) in combinations(enumerate(rows), 2):
        same_group = a[2] == b[2] and a[3] == b[3]
        if (
            same_group
            and a[1]
            and b[1]
            and a[1] != b[1]
            and jaccard(words(a[0]), words(b[0])) >= THRESHOLD
        ):
            expected.add((f"N{i:02d}", f"N{j:02d}", a[2]))
    assert got == expected


# Templated siblings: one shared base and a few varying tokens ("migrate service 17 to ..."), the
# shape that made the pass compare every pair sharing the key without the varying token.
TOKENS = [f"n{k}" for k in range(12)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(LONG_WORDS), min_size=3, max_size=20, unique=True).flatmap(
        lambda base: _rows(
            st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map(
                lambda varying: " ".join(base + varying)
            )
        )
    )
)
def test_templated_titles_match_pairwise_comparison(rows: list) -> None:
    _check_against_pairwise(rows)


def test_templated_siblings_propose_no_pair_their_key_cannot_prove(monkeypatch) -> None:
    """600 siblings "migrate service number N to the new platform" all share the key without N,
    but two of them are 5/7 alike: the search must not hand a single pair on to be compared."""
    proposed: list[int] = []
    search = overlap._chunked_candidates

    def counting(*args):
        found = search(*args)
        proposed.append(len(found))
        return found

    monkeypatch.setattr(overlap, "_chunked_candidates", counting)
    nodes = [node("V", "Vision"), node("P", "Goal", "V")]
    nodes += [
        node(
            f"I{i}",
            "Initiative",
            "P",
            title=f"migrate service number {i} to the new platform",
            unit="ab"[i % 2],
        )
        for i in range(600)
    ]
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes, units=[Unit(id="a", name="A"), Unit(id="b", name="B")]))
    assert Engine(store.read_graph("t")).overlaps == []
    assert proposed == [0]


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        st.characters(codec="ascii") | st.sampled_from(["é", "Ü", "中", "_", "\x1c", " "]),
        max_size=40,
    )
    | st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)
)
@example("a\x1fb\x0bc_d")
def test_a_fingerprint_is_the_sorted_crc_of_each_word(title: str) -> None:
    """The stored fingerprint, on its fast path for ASCII titles or not: the CRC-32 of each of
    the title's distinct words, sorted (what stored data already holds)."""
    want = sorted(zlib.crc32(w.encode()) for w in words(title))
    assert list(array("I", fingerprint(title))) == want
