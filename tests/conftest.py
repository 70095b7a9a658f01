from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from graph_schema import Node, ParentRef, Person, Unit
from service.engine.engine import Engine
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore

# engine snapshots of the whole run go to one temporary folder, never the user's ~/.cache; each
# test's database is a new file, so no test finds another's snapshot (servers and CLI
# subprocesses inherit the setting)
# pytest imports this file as `conftest` and the tests again as `tests.conftest`: one folder
_SNAPSHOTS = os.environ.get("STRATMAP_TEST_SNAPSHOTS") or tempfile.mkdtemp(
    prefix="stratmap-test-cache-"
)
os.environ["STRATMAP_TEST_SNAPSHOTS"] = os.environ["STRATMAP_CACHE_DIR"] = _SNAPSHOTS


def _sweep_earlier_runs(older_than: float = 3600.0) -> None:
    """Remove the snapshot folders of earlier runs (169 runs had left 52 MB in /tmp). A run's
    own cannot always be removed as it ends: the forked snapshot writers of the CLI processes
    it started outlive them and make the folder again."""
    for folder in Path(tempfile.gettempdir()).glob("stratmap-test-cache-*"):
        with contextlib.suppress(OSError):  # another run's, removed meanwhile
            if time.time() - folder.stat().st_mtime > older_than:
                shutil.rmtree(folder, ignore_errors=True)


_sweep_earlier_runs()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SNAPSHOTS, ignore_errors=True)  # what a late writer adds, the next run sweeps
    os.environ.pop("STRATMAP_TEST_SNAPSHOTS", None)


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
