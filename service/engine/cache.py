"""One engine per (tenant, period), rebuilt in the background when the tenant's version moves.

A rebuild of a large tenant takes seconds. Meanwhile every read of that tenant and period is
answered by the previous version's engine, flagged stale, and no other tenant or period waits:
each (tenant, period) has its own build, and builds run on their own threads. A read waits
only when there is nothing to answer with (the first build), or when it asks for a version
the cache does not have yet: its `min_version`, or the version its own subject last wrote
through this process, so a client always reads its own writes here.

Writes made through this process announce their version at once, and where the store described
what they changed (a delta), the engine is patched from it before the write returns
(service.engine.patch): milliseconds instead of a rebuild, so the next read, the writer's or
anyone's, sees the write. A patched engine carries a few whole-graph analyses from the previous
version (`Engine.stale`); in the background, once the tenant has had a second without writes
(ten at most), those are computed again from its own graph (patch.refreshed: about a second at
1M nodes), or, where the store has moved on meanwhile, the engine is rebuilt from the store:
one pass per burst of writes. A period's engine is made again from the organisation's where
this process holds it (Engine.in_period), else rebuilt. Writes
from elsewhere (the CLI, another replica on the same store) are noticed by a version
probe at most every `check_interval` seconds, so a burst of reads costs no store access at all;
those are rebuilt, never patched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from graph_schema.rows import GraphDelta
from service.engine.engine import Engine
from service.engine.patch import patched, refreshed
from service.engine.snapshot import Snapshots
from service.store.base import GraphStore

__all__ = ["EngineCache", "Served"]

log = logging.getLogger("stratmap.engine")
_OWN_WRITES = 10_000  # subjects whose last write this process remembers


class Served(NamedTuple):
    """The engine that answers, and the newest version known (newer than the engine's: stale)."""

    engine: Engine
    latest: int

    @property
    def stale(self) -> bool:
        return self.engine.version < self.latest


@dataclass
class _Slot:
    engine: Engine | None = None
    checked_at: float = float("-inf")
    known: int = 0  # the newest version this process knows the store holds
    building: Future[Engine] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    patching: threading.Lock = field(default_factory=threading.Lock)  # one patch at a time
    patched_at: float = 0.0  # the last patch
    carrying_since: float | None = None  # the first patch the engine's carried analyses wait on
    timer: threading.Timer | None = None  # the pass that makes a patched engine whole, pending


class EngineCache:
    def __init__(
        self,
        store: GraphStore,
        *,
        check_interval: float = 2.0,
        max_engines: int = 8,
        max_wait: float = 30.0,
        builders: int = 4,
        clock: Callable[[], float] = time.monotonic,
        snapshots: Snapshots | None = None,
        rebuild_delay: float = 1.0,
        rebuild_delay_max: float = 10.0,
    ) -> None:
        self.store = store
        self.snapshots = snapshots  # engines persisted between processes (None: never)
        # periods are chosen by clients: keep the most recently used engines, not one per period
        # ever asked
        self.max_engines = max_engines
        self.check_interval = check_interval
        self.max_wait = max_wait  # the longest a read waits for a version it asked for
        self.clock = clock
        # A patched engine is refreshed (or rebuilt) once its tenant has had no patch for
        # `rebuild_delay` s, and at the latest `rebuild_delay_max` s after the first: either
        # holds the interpreter for a while (1 s, or 10-20 s, at 1M nodes), so one per burst
        # of writes, not per write.
        self.rebuild_delay, self.rebuild_delay_max = rebuild_delay, rebuild_delay_max
        self.builds = 0  # engines built from the store: lets tests and /healthz see rebuilds
        self.patches = 0  # engines patched from a write's delta
        self.refreshes = 0  # patched engines made whole from their own graph, not rebuilt
        self._slots: OrderedDict[tuple[str, str | None], _Slot] = OrderedDict()
        self._own: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()  # guards the two dicts only; never held during a build
        self._builders = ThreadPoolExecutor(builders, thread_name_prefix="engine-build")
        self._saves: list[Future[Any]] = []  # snapshots being written (close waits for them)
        self._closed = False

    def get(
        self, tenant: str, period: str | None = None, *, min_version: int = 0, subject: str = ""
    ) -> Served:
        """The engine to answer a read with; waits (bounded) only for what the read needs."""
        with self._lock:
            slot = self._slot(tenant, period)
            needed = self._needed(tenant, min_version, subject)
        now = self.clock()
        if now - slot.checked_at >= self.check_interval or needed > slot.known:
            # outside every lock: Neo4j answers over the network. A version asked for beyond the
            # store's is one nobody acknowledged: it is held to what the store has, so a made-up
            # minVersion costs one probe, never a rebuild.
            version = self.store.version(tenant)
            with slot.lock:
                slot.known, slot.checked_at = max(slot.known, version), now
        needed = min(needed, slot.known)
        deadline = now + self.max_wait
        while True:
            with slot.lock:
                engine, known = slot.engine, slot.known
                if engine is not None and engine.version >= known:
                    return Served(engine, known)
                building = slot.building or self._start(tenant, period, slot)
            if engine is not None and engine.version >= needed:
                return Served(engine, known)
            left = deadline - self.clock()
            if engine is not None and left <= 0:
                return Served(engine, known)
            # the first build has nothing to serve meanwhile: it is waited for, however long;
            # a wait that runs out loops once more, and answers stale
            with suppress(FutureTimeout):
                building.result(timeout=None if engine is None else left)

    def _slot(self, tenant: str, period: str | None) -> _Slot:
        """The (tenant, period)'s slot, made the most recently used (the caller holds _lock)."""
        slot = self._slots.get((tenant, period))
        if slot is None:
            slot = self._slots[(tenant, period)] = _Slot()
            while len(self._slots) > self.max_engines:
                _, gone = self._slots.popitem(last=False)
                if gone.timer is not None:
                    gone.timer.cancel()
        self._slots.move_to_end((tenant, period))
        return slot

    def warm(self, tenant: str, period: str | None = None) -> None:
        """Start building the engine of (tenant, period) unless one is there or on its way, and
        return at once: the server warms every tenant as it starts, so the first read of each
        finds its engine built or building, never starts the build itself."""
        with self._lock:
            slot = self._slot(tenant, period)
        with slot.lock:
            if slot.engine is None and slot.building is None:
                self._start(tenant, period, slot)

    def answering(self, tenant: str, period: str | None = None) -> bool:
        """Whether a read of (tenant, period) would be answered without waiting for a first build
        (perhaps stale, while a newer engine builds): what /readyz reports."""
        slot = self._slots.get((tenant, period))
        return slot is not None and slot.engine is not None

    def ready(
        self, tenant: str, period: str | None = None, *, min_version: int = 0, subject: str = ""
    ) -> bool:
        """Whether `get` would answer at once: no store probe, no build, no wait."""
        slot = self._slots.get((tenant, period))
        if slot is None or slot.engine is None:
            return False
        needed = self._needed(tenant, min_version, subject)
        return (
            self.clock() - slot.checked_at < self.check_interval
            and needed <= slot.known
            and slot.engine.version >= needed
        )

    def _needed(self, tenant: str, min_version: int, subject: str) -> int:
        """The version a read must see: what it asked for, and its subject's last write here."""
        return max(min_version, self._own.get((tenant, subject), 0))

    def wrote(
        self, tenant: str, version: int, subject: str = "", delta: GraphDelta | None = None
    ) -> None:
        """A write through this process made `version`: the subject's reads wait for it, and
        every other read of the tenant knows it is stale until it is built; with the write's
        delta, each of the tenant's engines is patched to it before this returns.

        The patches come first: announcing the version before its engine is there would send
        a read in between to a full rebuild (and the writer's own read to wait for it)."""
        if delta is not None and delta.version == version:
            for (name, period), slot in [(k, s) for k, s in self._slot_items() if k[0] == tenant]:
                self._patch(name, period, slot, delta)
        with self._lock:
            self._own[(tenant, subject)] = version
            self._own.move_to_end((tenant, subject))
            while len(self._own) > _OWN_WRITES:
                self._own.popitem(last=False)
            slots = [s for k, s in self._slots.items() if k[0] == tenant]
        for slot in slots:
            with slot.lock:
                slot.known = max(slot.known, version)

    def _slot_items(self) -> list[tuple[tuple[str, str | None], _Slot]]:
        with self._lock:
            return list(self._slots.items())

    def _patch(self, tenant: str, period: str | None, slot: _Slot, delta: GraphDelta) -> None:
        """Install the slot's engine patched to the delta's version, if it has the version the
        delta was made on; its stale analyses are refreshed (or it is rebuilt) later
        (`_rebuild_later`). A patch that fails or does not apply leaves it to the rebuild that
        `get` starts for a version it does not have."""
        with slot.patching:
            for _ in range(2):  # once more if a rebuild of the same version replaced the base
                with slot.lock:
                    base = slot.engine
                if base is None or base.version != delta.base:
                    return
                try:
                    engine = patched(base, delta)
                except Exception:
                    log.exception(
                        "patching tenant %r, period %r to %d", tenant, period, delta.version
                    )
                    return
                if engine is None:
                    return
                with slot.lock:
                    if slot.engine is not base:
                        continue
                    slot.engine = engine
                    slot.known = max(slot.known, engine.version)
                    slot.patched_at = self.clock()
                    if slot.carrying_since is None:
                        slot.carrying_since = slot.patched_at
                with self._lock:
                    self.patches += 1
                break
            else:
                return
        self._rebuild_later(tenant, period, slot)

    def _rebuild_later(self, tenant: str, period: str | None, slot: _Slot) -> None:
        """Start the pass that makes a patched engine whole (a refresh, or a rebuild where the
        store moved on) once it is due (see rebuild_delay), or set one timer for when it will
        be."""
        with slot.lock:
            if self._closed or slot.carrying_since is None:
                return
            if slot.timer is not None and slot.timer.is_alive():
                return
            due = min(
                slot.patched_at + self.rebuild_delay, slot.carrying_since + self.rebuild_delay_max
            )
            wait = due - self.clock()
            if wait <= 0:
                slot.timer = None
                if slot.building is None:
                    self._start(tenant, period, slot)
                return
            slot.timer = threading.Timer(wait, self._fire, (tenant, period, slot))
            slot.timer.daemon = True
            slot.timer.start()

    def _fire(self, tenant: str, period: str | None, slot: _Slot) -> None:
        with slot.lock:
            slot.timer = None
        self._rebuild_later(tenant, period, slot)

    def _start(self, tenant: str, period: str | None, slot: _Slot) -> Future[Engine]:
        """Start the slot's one build (the caller holds slot.lock)."""
        slot.building = self._builders.submit(self._build, tenant, period, slot)
        return slot.building

    def _make(
        self, tenant: str, period: str | None, held: Engine | None
    ) -> tuple[Engine, str | None, bool]:
        """The engine of the store's current state: the `held` patched engine refreshed where
        it is that state (service.engine.patch.refreshed: its stale passes computed again,
        about a second at 1M nodes where a build reads and builds for ten); a snapshot's if
        there is one (nothing to save then); else built. With the stamp to save it under (if
        it may be), and whether it was loaded."""
        if period is None and held is not None and held.stale:
            made = self._refreshed(tenant, held)
            if made is not None:
                return made
        if period is not None and (whole := self._organisation(tenant)) is not None:
            # not saved: the next process derives it again from the organisation's snapshot
            engine = Engine.in_period(whole, period)
            engine.analyse_all()
            with self._lock:
                self.builds += 1
            return engine, None, False
        stamp = None
        if self.snapshots is not None:
            stamp = self.store.snapshot_stamp(tenant)
            found = self.snapshots.load(tenant, stamp, period)
            if found is not None:
                return found, None, True
        engine = Engine(self.store.read_graph(tenant), period)
        engine.analyse_all()
        with self._lock:
            self.builds += 1
        return engine, stamp, False

    def _refreshed(self, tenant: str, held: Engine) -> tuple[Engine, str | None, bool] | None:
        """`held` made whole from its own graph, with the stamp to save it under; None where the
        store has moved past it, or the refresh failed (logged): then it is built instead."""
        if held.version != self.store.version(tenant):
            return None
        # read after the version: a write landing between them names a later state, which
        # Snapshots.save then refuses to file this engine under
        stamp = self.store.snapshot_stamp(tenant) if self.snapshots is not None else None
        try:
            engine = refreshed(held)
            engine.analyse_all()
        except Exception:
            log.exception("refreshing the engine of tenant %r; building it instead", tenant)
            return None
        with self._lock:
            self.refreshes += 1
        return engine, stamp, False

    def _organisation(self, tenant: str) -> Engine | None:
        """The tenant's engine of every period, when this process holds one of the store's
        current version (waiting for it while it builds): a period's engine is made from it
        (Engine.in_period), sharing its rows instead of reading and holding them again."""
        with self._lock:
            slot = self._slots.get((tenant, None))
        if slot is None:
            return None
        with slot.lock:
            building = slot.building
        # only one that runs: one still queued may be behind the builder threads this waits in
        if building is not None and building.running():
            with suppress(Exception):
                building.result(timeout=self.max_wait)
        with slot.lock:
            engine = slot.engine
        if engine is None or engine.version != self.store.version(tenant):
            return None
        return engine

    def _follow(self, tenant: str, whole: Engine) -> None:
        """Once the organisation's engine is new, remake the tenant's period engines from it:
        one made before (from the store, or from the patched engine this one replaces) holds
        rows of its own, which sharing would free."""
        for (name, period), slot in self._slot_items():
            if name != tenant or period is None:
                continue
            with slot.lock:
                engine = slot.engine
                if (
                    engine is not None
                    and slot.building is None
                    and engine.version <= whole.version
                    # ids, not rows: a snapshot's rows are restored on first read, seconds at 1M
                    and engine.graph.ids is not whole.graph.ids
                ):
                    self._start(tenant, period, slot)

    def _build(self, tenant: str, period: str | None, slot: _Slot) -> Engine:
        try:
            with slot.lock:
                held = slot.engine
            engine, stamp, loaded = self._make(tenant, period, held)
        except BaseException:
            log.exception("building the engine of tenant %r, period %r failed", tenant, period)
            with slot.lock:
                slot.building = None
                retry = slot.carrying_since is not None
                # a patched engine's pass is tried again, a full delay later: from the first
                # patch's time it would be due at once, over and over
                slot.patched_at = self.clock()
                if retry:
                    slot.carrying_since = slot.patched_at
            if retry:
                self._rebuild_later(tenant, period, slot)
            raise
        with slot.lock:
            if slot.engine is None or engine.version >= slot.engine.version:
                slot.engine = engine
                if not engine.stale:
                    slot.carrying_since = None
            slot.known = max(slot.known, engine.version)
            slot.building = None
            # a write landed while this one built: build again, so the slot catches up by itself
            if slot.known > engine.version:
                self._start(tenant, period, slot)
            newest = slot.known == engine.version
        if stamp is not None and newest and self.snapshots is not None:
            # a task of its own, after the engine answers: the next start finds it on disk, and
            # no read waits for the seconds it takes to write
            saving = self._builders.submit(self.snapshots.save, tenant, stamp, engine)
            with self._lock:
                self._saves = [f for f in self._saves if not f.done()] + [saving]
        if loaded:  # what a snapshot restores on first use, restored now, off the request path
            # (a task of its own: a read waiting for this build is answered without waiting)
            self._builders.submit(engine.graph.restore)
        if period is None and newest:
            self._follow(tenant, engine)
        return engine

    def close(self, save_wait: float = 60.0) -> None:
        """Stop building; a snapshot being written is waited for (at most `save_wait` s): the
        server re-raises SIGTERM once it has shut down, which would cut the file short."""
        with self._lock:
            self._closed = True
            saves = list(self._saves)
            timers = [s.timer for s in self._slots.values() if s.timer is not None]
        for timer in timers:
            timer.cancel()
        for saving in saves:
            with suppress(Exception):
                saving.result(timeout=save_wait)
        self._builders.shutdown(wait=False, cancel_futures=True)
