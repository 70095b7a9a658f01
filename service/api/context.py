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

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    def engine(self, period: str | None = None) -> Engine:
        return self.cache.get(self.principal.tenant, period)
