"""The composition root: the one place that wires settings -> store -> engine."""
from __future__ import annotations

from pathlib import Path

from service.settings import Settings
from service.store.base import GraphStore, StoreError
from service.store.sqlite import SQLiteStore


def open_store(settings: Settings | None = None, *, db: Path | str | None = None) -> GraphStore:
    settings = settings or Settings()
    if settings.store == "neo4j":
        raise StoreError("the Neo4j store is not available in this build yet; unset STRATMAP_STORE")
    return SQLiteStore(db if db is not None else settings.db)


def default_tenant(store: GraphStore, tenant: str | None) -> str:
    """The tenant asked for; else the only one the store holds; else 'default'."""
    if tenant:
        return tenant
    known = store.tenants()
    return known[0] if len(known) == 1 else "default"
