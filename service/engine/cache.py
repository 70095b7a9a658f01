"""One engine per (tenant, period), rebuilt only when the tenant's version moves.

Writes made through this process invalidate at once. Writes from elsewhere (the CLI, another
replica on the same Neo4j) are noticed by a version probe at most every `check_interval`
seconds, so a burst of reads costs no store access at all.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from service.engine.engine import Engine
from service.store.base import GraphStore


@dataclass
class _Entry:
    engine: Engine
    checked_at: float


class EngineCache:
    def __init__(
        self,
        store: GraphStore,
        *,
        check_interval: float = 2.0,
        max_engines: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        # periods are chosen by clients: keep the most recently used engines, not one per period
        # ever asked
        self.max_engines = max_engines
        self.check_interval = check_interval
        self.clock = clock
        self.builds = 0  # engines built: lets tests and /healthz see rebuilds
        self._entries: OrderedDict[tuple[str, str | None], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tenant: str, period: str | None = None) -> Engine:
        key = (tenant, period)
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry.checked_at < self.check_interval:
            return entry.engine
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(
                    key
                )  # one rebuild per version, however many requests arrive together
            entry = self._entries.get(key)
            if entry is not None and now - entry.checked_at < self.check_interval:
                return entry.engine
            if entry is not None and self.store.version(tenant) == entry.engine.version:
                entry.checked_at = now
                return entry.engine
            engine = Engine(self.store.read_graph(tenant), period)
            engine.analyse_all()
            self.builds += 1
            self._entries[key] = _Entry(engine, now)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_engines:
                self._entries.popitem(last=False)
            return engine

    def invalidate(self, tenant: str) -> None:
        """A write in this process changed the tenant: its next read rebuilds."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == tenant]:
                del self._entries[key]
