"""The engine's browsing indexes (by unit, status, period, title text; parents and children as
CSR) answer exactly what a scan of every node answers."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import Node, NodeKind, ParentRef, Status, Unit
from service.engine.engine import Engine
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore

UNITS = [
    Unit(id="co", name="Company"),
    Unit(id="eng", name="Engineering", parent="co"),
    Unit(id="web", name="Web", parent="eng"),
    Unit(id="ops", name="Ops"),
]
WORDS = ["Grow", "grow", "ARR", "café", "İstanbul", "the", "x", "Ship web", "web"]


@st.composite
def organisations(draw: st.DrawFn) -> tuple[Engine, list[Node]]:
    n = draw(st.integers(1, 25))
    ids = [f"N{i}" for i in range(n)]
    nodes = []
    for nid in ids:
        kind = draw(st.sampled_from(list(NodeKind)))
        parents = draw(st.lists(st.sampled_from([*ids, "GONE"]), max_size=3, unique=True))
        nodes.append(
            Node(
                id=nid,
                kind=kind,
                title=" ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))),
                status=draw(st.sampled_from(list(Status))),
                period=draw(st.sampled_from([None, "Q1", "Q2"])),
                unit=draw(st.sampled_from([None, "co", "eng", "web", "ops", "nowhere"])),
                parents=tuple(ParentRef(id=p, weight=0.5) for p in parents),
            )
        )
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes, units=UNITS))
    engine = Engine(store.read_graph("t"))
    store.close()
    return engine, nodes


def scan(engine: Engine, kind, units, status, period, search) -> list[int]:
    """The plain scan the indexes replace."""
    g = engine.graph
    needle = search.lower() if search else None
    return [
        i
        for i in range(g.n)
        if (kind is None or engine.kind_at(i) == kind)
        and (units is None or g.unit[i] in units)
        and (status is None or g.rows[i].status == status.value)
        and (period is None or g.rows[i].period == period)
        and (needle is None or needle in g.titles[i].lower())
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    organisations(),
    st.sampled_from([None, *NodeKind]),
    st.sampled_from([None, "co", "eng", "web", "ops", "nowhere"]),
    st.sampled_from([None, *Status]),
    st.sampled_from([None, "Q1", "Q2", ""]),
    st.sampled_from([None, "", "grow", "WEB", "i̇stanbul", "é", "x", "nothing", "w\0x"]),
)
def test_every_filter_answers_what_a_scan_answers(
    org: tuple[Engine, list[Node]], kind, unit, status, period, search
) -> None:
    engine, _ = org
    units = engine.units_below(unit) if unit is not None else None
    assert engine.find(kind=kind, units=units, status=status, period=period, search=search) == scan(
        engine, kind, units, status, period, search
    )
    if units is not None:
        assert unit is not None
        g = engine.graph
        live = [
            i
            for i in range(g.n)
            if g.active[i] and engine.kind_at(i) == NodeKind.INITIATIVE and g.unit[i] in units
        ]
        assert engine.unit_initiatives(unit) == live


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_parents_and_children_come_from_the_links_themselves(
    org: tuple[Engine, list[Node]],
) -> None:
    engine, nodes = org
    g = engine.graph
    by_id = {n.id: n for n in nodes}
    for i, node_id in enumerate(g.ids):
        links = engine.parent_links(i)
        named = [p.id for p in by_id[node_id].parents]
        # existing parents in the order the store keeps them, then the dangling ones
        assert sorted(x.id for x in links) == sorted(named)
        edges = zip(g.e_child.tolist(), g.e_parent.tolist(), strict=True)
        kept = [g.ids[p] for c, p in edges if c == i]
        assert [x.id for x in links] == kept + g.dangling.get(i, [])
        assert [x.dangling for x in links] == sorted(x.dangling for x in links)
        for x in links:
            assert x.weight == 0.5 or x.dangling
        children = [j for j, n in enumerate(g.ids) if node_id in {p.id for p in by_id[n].parents}]
        assert engine.children_of(i) == children


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.one_of(
                st.characters(blacklist_categories=("Cc", "Cs")),
                # the sigmas, capital and small, final; dotted and dotless i; an apostrophe
                st.sampled_from("\u03a3\u03c3\u03c2\u0130I\u0131\u0391'"),
            ),
            max_size=8,
        ),
        max_size=6,
    )
)
def test_titles_lowered_whole_are_the_titles_lowered_one_by_one(titles: list[str]) -> None:
    """The search index lowers all titles in one call: a final sigma or a letter that lowers
    into two must come out as lowering each title alone gives."""
    from types import SimpleNamespace

    import numpy as np

    stub = SimpleNamespace(graph=SimpleNamespace(titles=titles))
    joined, starts = Engine.__dict__["_titles_lower"].func(stub)
    lowered = [t.lower() for t in titles]
    assert joined == "\0".join(lowered)
    assert [joined[starts[k] : starts[k + 1] - 1] for k in range(len(titles))] == lowered
    assert np.array_equal(starts[1:] - starts[:-1], [len(t) + 1 for t in lowered])
