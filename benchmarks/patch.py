"""A write visible at once (issue 13, goal 3): how long after a write its process's engine
answers with it, patched from the write's delta (service.engine.patch), against what a write
cost before, a rebuild of the engine from the store, and against the floor, one row updated and
one BFS redone in memory, all measured in the same run on the same graph.

    python benchmarks/patch.py [--repeat 7] [100000 1000000]

Each scenario is a change set of up to 100 nodes written to a copy of the generated store, and
each patch starts from the engine the previous one made, as a server's writes follow one another:
  archive   objectives just under goals archived, with about 10k nodes below them in all:
            every node under them changes state (traced to untraced)
  relink    100 initiatives moved to other key results
  edit      100 nodes' titles, owners and efforts changed (no link changes)
  create    50 initiatives created (ids after every existing one) and 50 archived
Printed per scenario: the store's write, the patch (p50 and max), the nodes whose trace changed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.engine import store_for
from graph_schema import Node, ParentRef, Status
from service.engine.engine import Engine
from service.engine.graph import INITIATIVE, KEY_RESULT, OBJECTIVE, VISION
from service.engine.patch import patched
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore

TENANT = "bench"
GOAL_MS = 50.0
Scenario = Callable[[Engine, SQLiteStore, np.random.Generator, int], list[Node]]


def _ids(engine: Engine, picked: np.ndarray) -> list[str]:
    return [engine.graph.ids[i] for i in picked.tolist()]


def _sizes(engine: Engine) -> np.ndarray:
    """Roughly how many nodes lie below each (over live links, deepest first; a node under two
    parents counts for both): enough to pick subtrees of a size."""
    g, depth = engine.graph, engine._reach.depth
    size = np.ones(g.n, dtype=np.int64)
    child_depth = depth[g.live_child]
    for d in range(int(depth.max()), 0, -1):
        at = child_depth == d
        np.add.at(size, g.live_parent[at], size[g.live_child[at]])
    return size


def archive(engine: Engine, store: SQLiteStore, rng: np.random.Generator, k: int) -> list[Node]:
    """Objectives just under goals (disjoint subtrees), the largest first, archived together
    until about 10k nodes lie below them; each repeat takes the next ones."""
    g = engine.graph
    size = _sizes(engine)
    tops = np.flatnonzero(engine.traced & (g.kind == OBJECTIVE) & (engine._reach.depth == 2))
    tops = tops[np.argsort(-size[tops], kind="stable")]
    picked: list[int] = []
    total, skip = 0, 0
    for o in tops.tolist():
        if skip < k * 3:  # a fresh few each repeat: the previous ones are archived already
            skip += 1
            continue
        if total + size[o] > 10_000 or len(picked) == 100:
            break
        picked.append(o)
        total += int(size[o])
    found = store.get(TENANT, [g.ids[o] for o in picked])
    return [n.model_copy(update={"status": Status.ARCHIVED}) for n in found]


def relink(engine: Engine, store: SQLiteStore, rng: np.random.Generator, k: int) -> list[Node]:
    g = engine.graph
    inits = np.flatnonzero(engine.traced & (g.kind == INITIATIVE))
    krs = np.flatnonzero(engine.traced & (g.kind == KEY_RESULT))
    moved = store.get(TENANT, _ids(engine, rng.choice(inits, 100, replace=False)))
    targets = _ids(engine, rng.choice(krs, len(moved)))
    return [
        n.model_copy(update={"parents": (ParentRef(id=t),)})
        for n, t in zip(moved, targets, strict=True)
    ]


def edit(engine: Engine, store: SQLiteStore, rng: np.random.Generator, k: int) -> list[Node]:
    g = engine.graph
    picked = store.get(TENANT, _ids(engine, rng.choice(g.n, 100, replace=False)))
    return [
        n.model_copy(update={"title": f"{n.title} (edited {k})", "owner": f"P{k}"}) for n in picked
    ]


def create(engine: Engine, store: SQLiteStore, rng: np.random.Generator, k: int) -> list[Node]:
    g = engine.graph
    krs = _ids(engine, rng.choice(np.flatnonzero(g.kind == KEY_RESULT), 50))
    new = [
        Node(
            id=f"ZZ{k:03d}-{j:02d}",
            kind="Initiative",
            title=f"new work {k}.{j}",
            unit="U1",
            effort=3.0,
            parents=(ParentRef(id=kr),),
        )
        for j, kr in enumerate(krs)
    ]
    inits = np.flatnonzero(engine.traced & (g.kind == INITIATIVE))
    done = store.get(TENANT, _ids(engine, rng.choice(inits, 50, replace=False)))
    return new + [n.model_copy(update={"status": Status.DONE}) for n in done]


SCENARIOS: dict[str, Scenario] = {
    "archive": archive,
    "relink": relink,
    "edit": edit,
    "create": create,
}


def floor(engine: Engine) -> float:
    """One row updated and one BFS over the live links redone, in memory (the issue's floor)."""
    g = engine.graph
    t = time.perf_counter()
    active = g.active.copy()
    active[g.n // 2] = not active[g.n // 2]
    visions = np.flatnonzero(active & (g.kind == VISION))
    src = np.concatenate([g.live_parent, np.full(len(visions), g.n, dtype=np.int32)])
    dst = np.concatenate([g.live_child, visions.astype(np.int32)])
    m = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(g.n + 1, g.n + 1))
    breadth_first_order(m, g.n, directed=True, return_predecessors=False)
    return time.perf_counter() - t


def run(n: int, repeat: int) -> list[tuple[str, float]]:
    source = store_for(n)
    path = Path(source.path)
    source.close()
    folder = Path(tempfile.mkdtemp(prefix="stratmap-patch-"))
    try:
        shutil.copy(path, folder / "org.db")
        store = SQLiteStore(folder / "org.db")
        t = time.perf_counter()
        engine = Engine(store.read_graph(TENANT))
        engine.analyse_all()
        rebuild = time.perf_counter() - t
        floors = sorted(floor(engine) for _ in range(3))
        print(
            f"\n{n:,} nodes: a rebuild (read + analyse) {rebuild:.1f} s;"
            f" floor {floors[1] * 1e3:.0f} ms"
        )
        rng = np.random.default_rng(11)
        out: list[tuple[str, float]] = []
        for name, scenario in SCENARIOS.items():
            writes, patches, moved = [], [], []
            for k in range(repeat):
                nodes = scenario(engine, store, rng, k)
                t = time.perf_counter()
                result = store.apply(TENANT, ChangeSet(nodes=nodes))
                writes.append(time.perf_counter() - t)
                assert result.delta is not None, "no delta"
                t = time.perf_counter()
                after = patched(engine, result.delta)
                patches.append(time.perf_counter() - t)
                assert after is not None, f"{name}: not patchable"
                moved.append(int((after.traced[: engine.graph.n] != engine.traced).sum()))
                engine = after
            p50 = statistics.median(patches) * 1e3
            print(
                f"  {name:<8} write {statistics.median(writes) * 1e3:6.1f} ms | patch p50 "
                f"{p50:6.1f} ms, max {max(patches) * 1e3:6.1f} ms | trace changed for "
                f"{statistics.median(moved):,.0f} nodes"
                f" | rebuild / patch {rebuild * 1e3 / p50:,.0f}x"
                f" | patch / floor {p50 / (floors[1] * 1e3):.2f}x"
            )
            out.append((name, p50))
        store.close()
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    verdicts = []
    for n in args.sizes:
        for name, p50 in run(n, args.repeat):
            if n >= 1_000_000:
                met = "met" if p50 <= GOAL_MS else "MISSED"
                verdicts.append(f"{name} p50 <= {GOAL_MS:.0f} ms at {n:,}: {met} ({p50:.1f} ms)")
    if verdicts:
        print("\n== goals ==\n  " + "\n  ".join(verdicts))


if __name__ == "__main__":
    main()
