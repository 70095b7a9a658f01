"""Suggested parents: the id index against a scan of every id, in the same run.

    python benchmarks/suggest.py [NODES]        # default 100000

Two id sets: the generated organisation's (O123, KR4567, ...: short, dense, shared prefixes,
the hard case) and its dangling references, and random 8-character ids with typos made in them.
Prints build time, per-query time (median and worst) and the scan's per-query time.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.orggen import org_nodes  # noqa: E402
from service.engine.suggest import IdIndex, distance, max_edits  # noqa: E402


def scan(ids: list[str], query: str) -> list[str]:
    k = max_edits(query)
    hits = sorted((d, t) for t in ids if t != query and (d := distance(query, t, k)) <= k)
    return [t for _, t in hits[:3]]


def run(label: str, ids: list[str], queries: list[str]) -> None:
    t = time.perf_counter()
    index = IdIndex(ids)
    build = time.perf_counter() - t
    times = []
    for q in queries:
        t = time.perf_counter()
        got = [ids[i] for i in index.suggest(q)]
        times.append(time.perf_counter() - t)
        if len(times) <= 3:
            assert got == scan(ids, q), q  # the index answers what the scan answers
    t = time.perf_counter()
    for q in queries[:3]:
        scan(ids, q)
    per_scan = (time.perf_counter() - t) / 3
    med = statistics.median(times)
    print(
        f"{label}: {len(ids):,} ids, build {build:.2f} s; {len(queries)} queries: median "
        f"{med * 1e3:.2f} ms, worst {max(times) * 1e3:.1f} ms; "
        f"scan {per_scan * 1e3:.0f} ms a query "
        f"({per_scan / med:.0f}x the median)"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    nodes = list(org_nodes(n))
    ids = [x.id for x in nodes]
    known = set(ids)
    dangling = sorted({p.id for x in nodes for p in x.parents if p.id not in known})[:200]
    run("generated org, its dangling parents", ids, dangling)
    rng = random.Random(3)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    rand = sorted({"".join(rng.choice(alphabet) for _ in range(8)) for _ in range(n)})
    typos = []
    for _ in range(200):
        word = list(rng.choice(rand))
        i = rng.randrange(len(word) - 1)
        word[i], word[i + 1] = word[i + 1], word[i]  # a transposition
        typos.append("".join(word))
    run("random 8-character ids, one transposition", rand, typos)


if __name__ == "__main__":
    main()
