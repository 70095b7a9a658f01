"""The engine cache: one build per (tenant, period), the old engine served meanwhile."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import pytest

from graph_schema.rows import GraphRows
from service.engine.cache import EngineCache
from service.engine.engine import Engine
from service.engine.findings_json import alignment_record
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from tests.conftest import node


class GatedStore(SQLiteStore):
    """Reads of a gated tenant's graph wait until the test opens the gate."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gates: dict[str, threading.Event] = {}
        self.reading = threading.Event()

    def read_graph(self, tenant: str) -> GraphRows:
        gate = self.gates.get(tenant)
        if gate is not None:
            self.reading.set()
            assert gate.wait(20), "the test never opened the gate"
        return super().read_graph(tenant)


@pytest.fixture
def store(tmp_path: Path):
    s = GatedStore(tmp_path / "cache.db")
    for tenant in ("a", "b"):
        s.apply(tenant, ChangeSet(nodes=[node("V", "Vision"), node("G", "Goal", "V")]))
    yield s
    s.close()


def _write(store: SQLiteStore, tenant: str, node_id: str) -> int:
    return store.apply(tenant, ChangeSet(nodes=[node(node_id, "Goal", "V")])).version


def test_a_rebuild_serves_the_previous_engine_and_other_tenants_meanwhile(store) -> None:
    cache = EngineCache(store, check_interval=0)
    first = cache.get("a")
    assert not first.stale and cache.get("b").engine.version == 1
    version = _write(store, "a", "G2")
    gate = store.gates["a"] = threading.Event()
    # the first read after the write starts the build and is answered at once, stale
    served = cache.get("a")
    assert served.engine is first.engine and served.stale and served.latest == version
    assert store.reading.wait(5)
    # while it builds: tenant b and the same tenant's other readers answer without waiting
    with ThreadPoolExecutor(4) as pool:
        others = [pool.submit(cache.get, t) for t in ("a", "b", "a", "b")]
        answers = [f.result(timeout=2) for f in others]
    assert [a.stale for a in answers] == [True, False, True, False]
    gate.set()
    # a read that needs the new version waits for the build in flight (never a second one)
    fresh = cache.get("a", min_version=version)
    assert fresh.engine.version == version and not fresh.stale
    assert cache.builds == 3


def test_a_writer_reads_its_own_write_and_others_get_the_stale_answer(store) -> None:
    cache = EngineCache(store, check_interval=3600)  # no probing: only `wrote` announces it
    cache.get("a")
    version = _write(store, "a", "G2")
    cache.wrote("a", version, subject="writer")
    gate = store.gates["a"] = threading.Event()
    stale = cache.get("a", subject="someone else")
    assert stale.stale and stale.engine.version == version - 1
    threading.Timer(0.2, gate.set).start()
    mine = cache.get("a", subject="writer")
    assert mine.engine.version == version and not mine.stale


def test_a_version_nobody_wrote_costs_a_probe_not_a_rebuild(store) -> None:
    cache = EngineCache(store, check_interval=3600)
    cache.get("a")
    builds = cache.builds
    for _ in range(20):
        served = cache.get("a", min_version=10**9)
        assert served.engine.version == 1 and not served.stale
    assert cache.builds == builds


def test_a_wait_for_a_version_is_bounded(store) -> None:
    cache = EngineCache(store, check_interval=0, max_wait=0.2)
    cache.get("a")
    version = _write(store, "a", "G2")
    gate = store.gates["a"] = threading.Event()
    try:
        served = cache.get("a", min_version=version)  # the build hangs: answered stale in time
        assert served.stale and served.engine.version == version - 1
    finally:
        gate.set()


def test_a_write_during_a_build_is_built_next_without_a_read_asking(store) -> None:
    cache = EngineCache(store, check_interval=0)
    cache.get("a")
    _write(store, "a", "G2")
    gate = store.gates["a"] = threading.Event()
    cache.get("a")  # starts building version 2
    assert store.reading.wait(5)
    third = _write(store, "a", "G3")
    cache.wrote("a", third)
    gate.set()
    assert cache.get("a", min_version=third).engine.version == third


def test_a_write_with_a_delta_is_read_at_once_then_refreshed_without_a_read(store) -> None:
    """The write's own process patches the engine before `wrote` returns: the next read is
    the new version with no build and no wait, even while the store is gated; in the
    background its stale analyses are then computed again from its own graph, without reading
    the store, and equal a rebuilt engine's."""
    cache = EngineCache(store, check_interval=60)
    before = cache.get("a").engine
    assert before.load_bearing is not None and before.stale == frozenset()
    builds = cache.builds
    store.gates["a"] = gate = threading.Event()
    # "Z1" sorts after every id: a node created inside the id order is rebuilt, not patched
    result = store.apply("a", ChangeSet(nodes=[node("Z1", "Initiative", "G")]))
    cache.wrote("a", result.version, "someone", result.delta)
    served = cache.get("a", subject="someone")
    assert not served.stale and served.engine.version == result.version
    patched = served.engine
    assert patched.find_index("Z1") is not None and patched.orphans == []
    assert patched.stale == {"load_bearing", "overlaps", "unit_focus"}
    assert cache.patches == 1 and cache.builds == builds
    for _ in range(200):  # the gate stays shut: a refresh reads no graph
        engine = cache.get("a").engine
        if engine is not patched:
            break
        threading.Event().wait(0.02)
    assert engine is not patched and engine.version == result.version
    assert engine.stale == frozenset() and (cache.refreshes, cache.builds) == (1, builds)
    assert not store.reading.is_set()
    gate.set()
    rebuilt = Engine(store.read_graph("a"))
    assert engine.counts() == rebuilt.counts() != patched.counts()  # Z1 bears on G now
    assert alignment_record(engine) == alignment_record(rebuilt)
    cache.close()


def _patched_cache(store: GatedStore, delay: float, delay_max: float) -> tuple[EngineCache, int]:
    """A cache whose engine of tenant a is patched (Z1 written), carrying stale analyses; and
    its builds before the write."""
    cache = EngineCache(store, check_interval=60, rebuild_delay=delay, rebuild_delay_max=delay_max)
    cache.get("a")
    builds = cache.builds
    result = store.apply("a", ChangeSet(nodes=[node("Z1", "Initiative", "G")]))
    cache.wrote("a", result.version, "", result.delta)
    assert cache.get("a").engine.stale
    return cache, builds


def test_a_patched_engine_is_rebuilt_where_the_store_moved_on_since(store) -> None:
    cache, builds = _patched_cache(store, 0.2, 0.2)
    _write(store, "a", "Z2")  # from elsewhere, unseen: refreshing would serve the old state
    assert _settled(cache, builds)
    assert (cache.refreshes, cache.builds) == (0, builds + 1)
    assert cache.get("a").engine.find_index("Z2") is not None
    cache.close()


def test_a_delta_made_on_another_version_is_rebuilt_not_patched(store) -> None:
    cache = EngineCache(store, check_interval=60)
    cache.get("a")
    _write(store, "a", "G2")  # a write from elsewhere: this cache has not seen it
    result = store.apply("a", ChangeSet(nodes=[node("G3", "Goal", "V")]))
    cache.wrote("a", result.version, "", result.delta)
    assert cache.patches == 0
    assert cache.get("a", min_version=result.version).engine.find_index("G2") is not None
    cache.close()


def _settled(cache: EngineCache, builds: int, timeout: float = 5.0) -> bool:
    """The patched engine replaced, refreshed or rebuilt, within `timeout` s."""
    for _ in range(int(timeout / 0.02)):
        if cache.builds + cache.refreshes > builds and not cache.get("a").engine.stale:
            return True
        threading.Event().wait(0.02)
    return False


def test_a_burst_of_patched_writes_is_refreshed_once_when_quiet(store) -> None:
    cache = EngineCache(store, check_interval=60, rebuild_delay=0.3, rebuild_delay_max=30)
    cache.get("a")
    builds = cache.builds
    for k in range(4):  # 0.1 s apart: each moves the rebuild 0.3 s on
        result = store.apply("a", ChangeSet(nodes=[node(f"Z{k}", "Initiative", "G")]))
        cache.wrote("a", result.version, "", result.delta)
        threading.Event().wait(0.1)
    assert cache.patches == 4 and cache.builds == builds and cache.refreshes == 0
    assert _settled(cache, builds) and (cache.refreshes, cache.builds) == (1, builds)
    assert cache.get("a").engine.find_index("Z3") is not None
    cache.close()


def test_writes_that_never_pause_are_refreshed_by_the_longest_delay(store) -> None:
    cache, builds = _patched_cache(store, 30, 0.3)
    assert _settled(cache, builds, timeout=3.0)
    assert (cache.refreshes, cache.builds) == (1, builds)
    cache.close()


def test_a_refresh_that_fails_gives_way_to_a_rebuild(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(engine: Engine) -> Engine:
        raise RuntimeError("refresh failed")

    monkeypatch.setattr("service.engine.cache.refreshed", broken)
    cache, builds = _patched_cache(store, 0.1, 0.1)
    assert _settled(cache, builds)
    assert (cache.refreshes, cache.builds) == (0, builds + 1)
    cache.close()


def test_a_pass_that_fails_is_tried_again_a_delay_later_not_at_once(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[float] = []

    def unreadable(tenant: str) -> GraphRows:
        tries.append(time.monotonic())
        raise OSError("disk gone")

    def broken(engine: Engine) -> Engine:
        raise RuntimeError("refresh failed")

    cache, _ = _patched_cache(store, 0.2, 0.2)
    monkeypatch.setattr("service.engine.cache.refreshed", broken)
    monkeypatch.setattr(store, "read_graph", unreadable)
    time.sleep(1.5)
    cache.close()
    # due again at once after each failure, this tried thousands of times a second
    assert 2 <= len(tries) <= 10, len(tries)
    assert all(b - a >= 0.15 for a, b in pairwise(tries))
