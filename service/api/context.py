"""Per-request context: who asks (tenant, role), and the engine cache and store to answer from."""

from __future__ import annotations

from dataclasses import dataclass

from service.engine.cache import EngineCache
from service.engine.engine import Engine
from service.roles import Principal
from service.settings import ApiLimits
from service.store.base import GraphStore


@dataclass
class Context:
    principal: Principal
    cache: EngineCache
    store: GraphStore
    limits: ApiLimits
    request_id: str
    min_version: int = 0  # the request's extensions.minVersion: the version it waits for
    # what answered, for extensions.version and extensions.stale (service.api.freshness)
    version: int | None = None
    latest: int = 0  # the newest version known, when `version` is older

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    def engine_ready(self, period: str | None = None) -> bool:
        """Whether `engine` would answer without touching the store or waiting for a build."""
        p = self.principal
        return self.cache.ready(p.tenant, period, min_version=self.min_version, subject=p.subject)

    def engine(self, period: str | None = None) -> Engine:
        p = self.principal
        served = self.cache.get(p.tenant, period, min_version=self.min_version, subject=p.subject)
        # one answer may read several periods: it is as old as the oldest engine it read
        seen = served.engine.version
        self.version = seen if self.version is None else min(self.version, seen)
        self.latest = max(self.latest, served.latest)
        return served.engine

    def wrote(self, version: int) -> None:
        """A mutation made `version`: the answer reports it, and the writer's reads wait for it."""
        self.cache.wrote(self.tenant, version, self.principal.subject)
        self.version, self.latest = version, version
