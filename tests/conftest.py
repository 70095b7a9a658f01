from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from graph_schema import Node, ParentRef, Person, Unit
from service.engine.engine import Engine
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore

# engine snapshots of the whole run go to one temporary folder, never the user's ~/.cache; each
# test's database is a new file, so no test finds another's snapshot (servers and CLI
# subprocesses inherit the setting)
os.environ["STRATMAP_CACHE_DIR"] = tempfile.mkdtemp(prefix="stratmap-test-cache-")

# the long soak (minutes, a 1M-node store) runs by `make soak` only
collect_ignore_glob = [] if os.environ.get("STRATMAP_SOAK") else ["soak/*"]


def node(node_id: str, kind: str, *parents: str | tuple[str, float], **fields: Any) -> Node:
    """A node in one line: node("I1", "Initiative", "O1", ("O2", 0.5), effort=3)."""
    refs = tuple(
        ParentRef(id=p) if isinstance(p, str) else ParentRef(id=p[0], weight=p[1]) for p in parents
    )
    return Node(
        id=node_id,
        kind=kind,
        title=fields.pop("title", f"{kind} {node_id}"),
        parents=refs,
        **fields,
    )


EngineFactory = Callable[..., Engine]


@pytest.fixture
def make_engine() -> EngineFactory:
    def build(
        nodes: Sequence[Node],
        *,
        units: Sequence[Unit] = (),
        people: Sequence[Person] = (),
        period: str | None = None,
    ) -> Engine:
        store = SQLiteStore(":memory:")
        store.apply("t", ChangeSet(nodes=list(nodes), units=units, people=people))
        return Engine(store.read_graph("t"), period)

    return build
