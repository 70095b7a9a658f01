"""Suggested parents: the index finds exactly what a scan of every id with the same distance
finds.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.engine.suggest import IdIndex, distance, max_edits


def osa(a: str, b: str) -> int:
    """Optimal string alignment distance, written out plainly (no cut-off)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def scan(ids: list[str], query: str) -> list[str]:
    k = max_edits(query)
    hits = sorted((osa(query, t), t) for t in set(ids) if t != query and osa(query, t) <= k)
    return [t for _, t in hits[:3]] if k else []


def test_hand_worked_typos() -> None:
    ids = ["O-DIG", "O-DGI", "G-GROWTH", "KR-1.2", "KR-12", "I-PORTAL", "V"]
    index = IdIndex(ids)
    assert [ids[i] for i in index.suggest("O-DGI")] == ["O-DIG"]  # one transposition
    assert [ids[i] for i in index.suggest("G-GROWHT")] == ["G-GROWTH"]
    assert [ids[i] for i in index.suggest("KR-1.3")] == ["KR-1.2", "KR-12"]  # distance 1, then 2
    assert [ids[i] for i in index.suggest("I-PRTLA")] == [
        "I-PORTAL"
    ]  # an O missing, then TLA for TAL
    assert index.suggest("I-PXXXAL") == []  # three edits away
    assert index.suggest("VV") == []  # too short for any edit: a third of 2 characters is 0


def test_the_distance_cut_off_agrees_with_the_plain_one() -> None:
    for a, b in (("abcd", "bacd"), ("kitten", "sitting"), ("", "ab"), ("ca", "abc")):
        assert distance(a, b, 5) == osa(a, b)
    assert distance("aaaaaa", "bbbbbb", 2) == 3


WORDS = st.text(alphabet="ab-1", min_size=1, max_size=9)


@settings(
    max_examples=int(__import__("os").environ.get("STRATMAP_PROPERTY_EXAMPLES", "300")),
    deadline=None,
)
@given(st.lists(WORDS, min_size=1, max_size=40, unique=True), WORDS, st.data())
def test_index_equals_a_scan(ids: list[str], query: str, data: st.DataObject) -> None:
    # queries near an existing id are the interesting ones: derive some by editing one
    if data.draw(st.booleans()):
        base = data.draw(st.sampled_from(ids))
        query = (
            base[::-1]
            if data.draw(st.booleans())
            else base[:1] + base[2:3] + base[1:2] + base[3:] + "a"
        )
    index = IdIndex(ids)
    got = [ids[i] for i in index.suggest(query)]
    assert got == scan(ids, query)
