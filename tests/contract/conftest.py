"""The contract every GraphStore backend must pass. Backends are added to BACKENDS."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from service.store.base import GraphStore
from service.store.neo4j import Neo4jStore
from service.store.sqlite import SQLiteStore
from tests.contract.backends import DATABASE, PASSWORD, ArcadeDB, real_neo4j

StoreFactory = Callable[[], GraphStore]
BACKEND_NAMES = ["sqlite", "arcadedb-bolt"] + (["neo4j"] if real_neo4j() is not None else [])
if os.environ.get("STRATMAP_CONTRACT_ONLY"):  # `make test-neo4j` runs the suite on one backend
    BACKEND_NAMES = [b for b in BACKEND_NAMES if b == os.environ["STRATMAP_CONTRACT_ONLY"]]


@pytest.fixture(scope="session")
def arcadedb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArcadeDB]:
    server = ArcadeDB(tmp_path_factory.mktemp("arcadedb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def arcadedb_driver(arcadedb: ArcadeDB) -> Iterator[Driver]:
    driver = arcadedb.driver()
    yield driver
    driver.close()


def _wipe(driver: Driver, database: str | None) -> None:
    with driver.session(database=database) as session:
        session.run("MATCH (n) DETACH DELETE n").consume()


@pytest.fixture(params=BACKEND_NAMES)
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens (another connection to) one fresh store of the backend under test."""
    opened: list[GraphStore] = []
    if request.param == "sqlite":
        factory: StoreFactory = lambda: SQLiteStore(tmp_path / "contract.db")  # noqa: E731
    elif request.param == "arcadedb-bolt":
        driver = request.getfixturevalue("arcadedb_driver")
        _wipe(driver, DATABASE)
        factory = lambda: Neo4jStore(driver, database=DATABASE)  # noqa: E731
    else:
        found = real_neo4j()
        assert found is not None
        real, database = found
        request.addfinalizer(real.close)
        _wipe(real, database)
        factory = lambda: Neo4jStore(real, database=database)  # noqa: E731

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


@pytest.fixture
def store_env(
    request: pytest.FixtureRequest, open_store: StoreFactory, tmp_path: Path
) -> dict[str, str]:
    """The STRATMAP_* settings that open the store under test from another process."""
    backend = request.node.callspec.params["open_store"]
    if backend == "sqlite":
        return {"STRATMAP_STORE": "sqlite", "STRATMAP_DB": str(tmp_path / "contract.db")}
    if backend == "arcadedb-bolt":
        server = request.getfixturevalue("arcadedb")
        return {
            "STRATMAP_STORE": "neo4j",
            "STRATMAP_NEO4J_URI": server.uri,
            "STRATMAP_NEO4J_USER": "root",
            "STRATMAP_NEO4J_PASSWORD": PASSWORD,
            "STRATMAP_NEO4J_DATABASE": DATABASE,
        }
    keys = ("STRATMAP_NEO4J_URI", "STRATMAP_NEO4J_USER", "STRATMAP_NEO4J_PASSWORD")
    return {"STRATMAP_STORE": "neo4j", **{k: os.environ[k] for k in keys if k in os.environ}}
