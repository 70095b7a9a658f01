"""A gap's stranded nodes nearest first: every prefix hangs together, so a focused map of the
first few is connected; the set is the gap's stranded set."""

from __future__ import annotations

import random

from tests.conftest import EngineFactory, node


def test_every_prefix_of_the_nearest_order_hangs_from_the_break(make_engine: EngineFactory) -> None:
    rng = random.Random(7)
    nodes = [node("V", "Vision"), node("ZZ-BREAK", "Objective", "G-GONE")]  # a missing goal
    made = ["ZZ-BREAK"]
    for k in range(300):  # ids drawn at random, so id order and depth disagree
        parent = rng.choice(made[-40:])
        nid = f"{rng.choice('ABCKXY')}{rng.randrange(10**6):06d}-{k}"
        kind = "KeyResult" if parent == "ZZ-BREAK" else "Initiative"
        nodes.append(node(nid, kind, parent))
        made.append(nid)
    e = make_engine(nodes)
    (gap,) = [g for g in e.gaps if e.graph.ids[g.break_point] == "ZZ-BREAK"]
    order = e.stranded_nearest(gap)
    assert sorted(order) == sorted(gap.stranded) and len(order) == 300
    placed = set(gap.members)
    for i in order:
        parents = {p.index for p in e.parent_links(i)}
        assert parents & placed, e.graph.ids[i]  # its parent is drawn before it
        placed.add(i)
    by_id = gap.stranded[:40]  # the id order: many of the first forty float apart
    drawn = set(by_id) | set(gap.members)
    floating = [i for i in by_id if not {p.index for p in e.parent_links(i)} & drawn]
    assert len(floating) > 10
