"""The contract every GraphStore backend must pass. Backends are added to BACKENDS."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.store.base import GraphStore
from service.store.sqlite import SQLiteStore

StoreFactory = Callable[[], GraphStore]


def _sqlite(tmp_path: Path) -> StoreFactory:
    return lambda: SQLiteStore(tmp_path / "contract.db")


BACKENDS: dict[str, Callable[[Path], StoreFactory]] = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(BACKENDS))
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens (another connection to) one fresh store of the backend under test."""
    opened: list[GraphStore] = []
    factory = BACKENDS[request.param](tmp_path)

    def make() -> GraphStore:
        store = factory()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def dump(store: GraphStore, tenant: str) -> dict[str, Any]:
    """A logical dump: everything a tenant holds, in a canonical order."""
    g = store.read_graph(tenant)
    return {
        "version": g.version,
        "nodes": sorted(g.nodes),
        "links": sorted(g.links),
        "units": sorted(u.model_dump_json() for u in g.units),
        "people": sorted(p.model_dump_json() for p in g.people),
        "values": sorted(v.model_dump_json() for v in g.values),
    }
