"""8 writers and 32 readers for a minute against one server, then against two server processes
on one database: no spurious failure, no lost update, no torn read; requests/s and p99 printed.
(Issue 12, section 6.)"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from service.store.sqlite import SQLiteStore
from tests.soak.harness import Server, gql, percentiles, stratmap, token

WRITERS, READERS = 8, 32
SECONDS = float(os.environ.get("STRATMAP_SOAK_SECONDS", "60"))
SHARED = 4  # children every writer links and unlinks: where a lost update would show
PARENTS = 6  # goals of each writer's own, which it links the shared children to

UPSERT = """mutation($nodes: [NodeInput!]!) {
  upsertNodes(nodes: $nodes) { ...written }
}"""
LINK = """mutation($c: ID!, $p: ID!) {
  link(childId: $c, parentId: $p) { ...written }
}"""
UNLINK = """mutation($c: ID!, $p: ID!) {
  unlink(childId: $c, parentId: $p) { ...written }
}"""
STATUS = """mutation($id: ID!, $s: Status!) {
  setStatus(id: $id, status: $s) { ...written }
}"""
# the pair a writer renames in one write: one query is answered by one version, so the two
# titles always agree
WRITTEN = """
fragment written on WriteResult {
  __typename ... on ApplySuccess { version } ... on InputError { message }
}"""
PAIR = """query($a: ID!, $b: ID!) {
  a: node(id: $a) { title } b: node(id: $b) { title } alignment { score }
}"""


def _goal(node_id: str, title: str, kind: str = "GOAL") -> dict[str, object]:
    return {"id": node_id, "kind": kind, "title": title, "parents": [{"id": "V-2030"}]}


@pytest.mark.parametrize("servers", [1, 2])
def test_writers_and_readers_together(tmp_path: Path, servers: int) -> None:
    db = tmp_path / "busy.db"
    stratmap(
        "import", str(Path(__file__).parents[2] / "examples" / "northwind.yaml"), "--db", str(db)
    )
    editor, viewer = token(db, "northwind", "editor"), token(db, "northwind", "viewer")
    running = [Server(db, tmp_path / f"server{s}.log").start() for s in range(servers)]
    setup = [
        _goal(f"P{w}-{k}", f"Writer {w} goal {k}") for w in range(WRITERS) for k in range(PARENTS)
    ]
    setup += [_goal(f"S{c}", f"Shared {c}", "OBJECTIVE") for c in range(SHARED)]
    setup += [_goal(f"T{w}-{x}", "generation 0") for w in range(WRITERS) for x in "ab"]
    with httpx.Client(timeout=60) as client:
        gql(client, running[0].url, editor, UPSERT + WRITTEN, {"nodes": setup})
    stop = threading.Event()
    failures: list[str] = []
    links: dict[str, set[str]] = defaultdict(set)  # shared child -> parents acknowledged linked
    status: dict[str, str] = {}
    versions: list[int] = []
    write_latency: list[float] = []
    read_latency: list[float] = []
    torn: list[str] = []

    def writer(w: int) -> None:
        url = running[w % servers].url
        rng = random.Random(w)
        generation = 0
        mine: dict[str, set[str]] = defaultdict(set)
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                roll = rng.random()
                args: dict[str, object]
                child, parent = f"S{rng.randrange(SHARED)}", f"P{w}-{rng.randrange(PARENTS)}"
                if roll < 0.7 and parent not in mine[child]:
                    query, args = LINK, {"c": child, "p": parent}
                elif roll < 0.7:
                    query, args = UNLINK, {"c": child, "p": parent}
                elif roll < 0.85:
                    # only this writer sets its goals' status: each write changes one
                    new = "DONE" if status.get(parent, "ACTIVE") == "ACTIVE" else "ACTIVE"
                    query, args = STATUS, {"id": parent, "s": new}
                else:
                    generation += 1
                    pair = [_goal(f"T{w}-{x}", f"generation {generation}") for x in "ab"]
                    query, args = UPSERT, {"nodes": pair}
                t = time.perf_counter()
                try:
                    answer = gql(client, url, editor, query + WRITTEN, args)
                except (AssertionError, httpx.HTTPError) as exc:
                    failures.append(f"writer {w}: {exc}")
                    return
                write_latency.append(time.perf_counter() - t)
                result = next(iter(answer["data"].values()))
                if result["__typename"] != "ApplySuccess":
                    failures.append(f"writer {w}: {result}")
                    return
                versions.append(result["version"])
                if query is LINK:
                    mine[child].add(parent)
                elif query is UNLINK:
                    mine[child].discard(parent)
                elif query is STATUS:
                    status[parent] = new
        for child, parents in mine.items():
            links[child] |= parents

    def reader(r: int) -> None:
        url = running[r % servers].url
        rng = random.Random(1000 + r)
        seen = 0
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                w = rng.randrange(WRITERS)
                t = time.perf_counter()
                try:
                    answer = gql(client, url, viewer, PAIR, {"a": f"T{w}-a", "b": f"T{w}-b"})
                except (AssertionError, httpx.HTTPError) as exc:
                    failures.append(f"reader {r}: {exc}")
                    return
                read_latency.append(time.perf_counter() - t)
                a, b = answer["data"]["a"]["title"], answer["data"]["b"]["title"]
                if a != b:
                    torn.append(f"{a!r} / {b!r}")
                version = answer["extensions"]["version"]
                if version < seen:  # one server never answers older than it already has
                    torn.append(f"version {version} after {seen}")
                seen = version

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    threads += [threading.Thread(target=reader, args=(r,)) for r in range(READERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    for server in running:
        server.stop()
    assert not failures, failures[:5]
    assert not torn, torn[:5]
    # no lost update: the store holds exactly what was acknowledged, and every version once
    # every write changed something, so each made a version of its own
    assert len(versions) == len(set(versions)), "two writes acknowledged the same version"
    store = SQLiteStore(db)
    graph = store.read_graph("northwind")
    store.close()
    held: dict[str, set[str]] = defaultdict(set)
    for link in graph.links:
        if link.rel == "SUPPORTS" and link.src.startswith("S"):
            held[link.src].add(link.dst)
    for child in (f"S{c}" for c in range(SHARED)):
        assert held[child] - {"V-2030"} == links[child], f"{child}: lost or phantom links"
    by_id = {n.id: n for n in graph.nodes}
    for node_id, expected in status.items():
        assert by_id[node_id].status == expected.lower(), node_id
    writes, reads = len(write_latency), len(read_latency)
    w50, w99 = percentiles(write_latency)
    r50, r99 = percentiles(read_latency)
    print(
        f"\n  {servers} server(s), {WRITERS} writers + {READERS} readers, {elapsed:.0f} s: "
        f"writes {writes / elapsed:.0f}/s p50 {w50:.1f} ms p99 {w99:.1f} ms; "
        f"reads {reads / elapsed:.0f}/s p50 {r50:.1f} ms p99 {r99:.1f} ms; "
        "0 failures, 0 lost updates, 0 torn reads"
    )
    assert writes > WRITERS * 10 and reads > READERS * 10
