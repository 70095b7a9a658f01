"""A period's engine made from the organisation's (Engine.in_period) equals one built from the
store for that period, field by field and finding by finding, while sharing the organisation's
rows; the engine cache makes period engines that way, and remakes them after a rebuild."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import Node
from service.engine.cache import EngineCache
from service.engine.engine import Engine
from service.engine.findings_json import analysis_json
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from tests.conftest import node

if TYPE_CHECKING:
    from tests.unit import test_ancestry as anc
    from tests.unit import test_engine_patch as patch_test
else:
    try:
        from tests.unit import test_ancestry as anc
        from tests.unit import test_engine_patch as patch_test
    except ImportError:  # tests/unit on sys.path (pytest's rootdir-less "prepend" import)
        import test_ancestry as anc
        import test_engine_patch as patch_test


@settings(
    max_examples=int(os.environ.get("STRATMAP_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(anc.organisations(), st.sampled_from(["Q1", "Q2", "NONE-HAS-IT"]))
def test_a_period_made_from_the_organisation_equals_one_built_for_it(
    nodes: list[Node], period: str
) -> None:
    store = SQLiteStore(":memory:")
    store.apply("t", ChangeSet(nodes=nodes, units=patch_test.UNITS))
    whole = Engine(store.read_graph("t"))
    whole.analyse_all()
    made = Engine.in_period(whole, period)
    built = Engine(store.read_graph("t"), period)
    patch_test.assert_graphs_equal(made, built)
    assert made.period == period and made.version == built.version
    assert analysis_json(made) == analysis_json(built)
    assert made.graph.rows is whole.graph.rows and made.graph.ids is whole.graph.ids
    assert made.graph.active is not whole.graph.active  # its own, not the organisation's


def _store(path: str) -> SQLiteStore:
    store = SQLiteStore(path)
    store.apply(
        "a",
        ChangeSet(
            nodes=[
                node("V", "Vision"),
                node("G", "Goal", "V"),
                node("I1", "Initiative", "G", period="Q1"),
                node("I2", "Initiative", "G", period="Q2"),
            ]
        ),
    )
    return store


def test_the_cache_makes_a_period_from_the_organisation_and_remakes_it_after_a_rebuild(
    tmp_path: object,
) -> None:
    store = _store(f"{tmp_path}/periods.db")
    cache = EngineCache(store, check_interval=0, rebuild_delay=0.05, rebuild_delay_max=1)
    whole = cache.get("a").engine
    q1 = cache.get("a", "Q1").engine
    assert q1.graph.rows is whole.graph.rows and q1.period == "Q1"
    assert q1.graph.active.tolist() == [True, True, False, True]  # G, I1, I2, V by id
    # a write from elsewhere (no delta): the organisation's engine is rebuilt when read, and
    # the period's follows it without being asked for (its slot is watched, not read)
    version = store.apply("a", ChangeSet(nodes=[node("I3", "Initiative", "G")])).version
    whole2 = cache.get("a", min_version=version).engine
    assert whole2.version == version
    slot = cache._slots[("a", "Q1")]
    for _ in range(250):
        q1b = slot.engine
        if q1b is not None and q1b.version == version:
            break
        threading.Event().wait(0.02)
    assert q1b is not None and q1b.version == version
    assert q1b.graph.rows is whole2.graph.rows
    assert q1b.find_index("I3") is not None
    assert analysis_json(q1b) == analysis_json(Engine(store.read_graph("a"), "Q1"))
    cache.close()
    store.close()


def test_a_period_asked_for_alone_is_built_from_the_store() -> None:
    store = _store(":memory:")
    cache = EngineCache(store, check_interval=0)
    q2 = cache.get("a", "Q2").engine
    assert q2.period == "Q2" and q2.graph.active.tolist() == [True, False, True, True]
    cache.close()
