"""Near-duplicate sibling titles: the engine's keyed search against plain pairwise comparison."""
from __future__ import annotations

from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engine.overlap import THRESHOLD, jaccard, tokens
from tests.conftest import EngineFactory, node

WORDS = ["launch", "the", "portal", "self", "service", "customer", "v2", "new", "api", "fleet", "robot", "Über",
         "sites", "of", "to", "café", "#1", "uptime", "99.5%", "and", "build"]
title = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join).filter(lambda t: t.strip() != "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(title, st.sampled_from(["a", "b", "c", None]), st.sampled_from(["P1", "P2"]),
                          st.sampled_from(["Initiative", "Objective"])), min_size=2, max_size=14))
def test_duplicate_titles_match_pairwise_comparison(make_engine: EngineFactory, rows: list) -> None:
    nodes = [node("V", "Vision"), node("P1", "Goal", "V"), node("P2", "Goal", "V")]
    nodes += [node(f"N{i:02d}", kind, parent, title=t, unit=u) for i, (t, u, parent, kind) in enumerate(rows)]
    e = make_engine(nodes)
    got = {tuple(e.graph.ids[i] for i in o.nodes) for o in e.overlaps if o.type == "DUPLICATE_TITLE"}
    expected = set()
    for (i, a), (j, b) in combinations(enumerate(rows), 2):
        same_group = a[2] == b[2] and a[3] == b[3]
        if same_group and a[1] and b[1] and a[1] != b[1] and jaccard(tokens(a[0]), tokens(b[0])) >= THRESHOLD:
            expected.add((f"N{i:02d}", f"N{j:02d}"))
    assert got == expected
