"""Store benchmark: write and read-back throughput (nodes/s, edges/s) for each available backend,
in the same run, on the same generated organisation, at several batch sizes (the best is kept).

    python benchmarks/store.py [NODES]        # default 100000

Backends: SQLite (the embedded default), and the Neo4j store's code over Bolt against ArcadeDB
(PyPI arcadedb-embedded) as a STAND-IN for Neo4j, which cannot run here; with STRATMAP_NEO4J_URI
set, a real Neo4j too. ArcadeDB's figures say nothing about Neo4j's speed: they show the cost of
our Cypher and driver round trips against a real Bolt server.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.orggen import org_nodes  # noqa: E402
from service.store.base import ChangeSet, GraphStore  # noqa: E402
from service.store.neo4j import Neo4jStore  # noqa: E402
from service.store.sqlite import SQLiteStore  # noqa: E402
from tests.contract.backends import DATABASE, ArcadeDB, real_neo4j  # noqa: E402

BATCHES = (1000, 5000)


def measure(name: str, make: Callable[[int], GraphStore], n: int) -> None:
    nodes = list(org_nodes(n))
    edges = sum(len(x.parents) for x in nodes)
    best: tuple[float, int] | None = None
    for batch in BATCHES:
        store = make(batch)
        tenant = f"bench-{batch}"
        t = time.perf_counter()
        store.apply(tenant, ChangeSet(nodes=nodes))
        write = time.perf_counter() - t
        t = time.perf_counter()
        rows = store.read_graph(tenant)
        read = time.perf_counter() - t
        assert len(rows.nodes) == n
        print(
            f"  {name:28s} batch {batch:6d}: write {n / write:9.0f} nodes/s "
            f"{edges / write:9.0f} edges/s"
            f"  ({write:6.1f} s) | read back {n / read:9.0f} nodes/s ({read:5.2f} s)"
        )
        if best is None or write < best[0]:
            best = (write, batch)
        store.close()
    assert best is not None
    print(f"  {name:28s} best batch size: {best[1]} ({n / best[0]:.0f} nodes/s written)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"== {n:,} nodes ==")
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", lambda b: SQLiteStore(Path(tmp) / f"s{b}.db", batch_size=b), n)
        server = ArcadeDB(Path(tmp) / "arcadedb")
        server.start()
        driver = server.driver()
        try:
            measure(
                "arcadedb-bolt (stand-in)",
                lambda b: Neo4jStore(driver, database=DATABASE, batch_size=b),
                n,
            )
        finally:
            driver.close()
            server.stop()
        found = real_neo4j()
        if found is not None:
            real, database = found
            measure("neo4j", lambda b: Neo4jStore(real, database=database, batch_size=b), n)
            real.close()


if __name__ == "__main__":
    main()
