"""API benchmark: lineOfSight, alignmentGaps(first: 50) and alignment through real HTTP on
loopback (server and load generator in separate processes), against the same answer computed by
calling the engine directly in-process (the floor), so the API overhead is a ratio.

    python benchmarks/api.py [100000 1000000]

Uses the stores cached by benchmarks/engine.py (it generates them when missing).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.engine import store_for  # noqa: E402
from service.engine.engine import Engine  # noqa: E402
from service.engine.findings_json import gap_json, line_of_sight_json  # noqa: E402
from service.roles import Role  # noqa: E402
from service.store.tokens import TokenStore  # noqa: E402

STRATMAP = Path(sys.executable).with_name("stratmap")
REQUESTS = 2000
GOAL_LOS_P99_MS = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float]) -> tuple[float, float]:
    p50, p99 = np.percentile(values, [50, 99])
    return float(p50), float(p99)


def direct(fn, n: int = REQUESTS) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t) / 1000)
    return out


def run(n: int) -> dict[str, float]:
    print(f"\n== {n:,} nodes ==")
    store = store_for(n)
    db = Path(store.path)
    rows = store.read_graph("bench")
    store.close()
    engine = Engine(rows)
    engine.analyse_all()
    initiative = next(
        i for i in range(engine.graph.n) if engine.graph.kind[i] == 5 and engine.traced[i]
    )
    node_id = engine.graph.ids[initiative]
    tokens = TokenStore(db)
    token = tokens.create("bench", Role.VIEWER, "benchmark")
    tokens.close()
    port = free_port()
    server = subprocess.Popen(
        [str(STRATMAP), "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        t = time.perf_counter()
        httpx.post(
            url,
            json={"query": "{ alignment { score } }"},
            headers={"authorization": f"Bearer {token}"},
            timeout=600,
        )
        print(f"  server warm-up (snapshot + full analysis): {time.perf_counter() - t:.2f} s")
        cases = {
            "lineOfSight": (
                f'{{ lineOfSight(nodeId: "{node_id}") '
                "{ traced paths { edges { node { strength steps { id kind } } } } } }",
                lambda: line_of_sight_json(engine, engine.line_of_sight(node_id)),
            ),
            "alignmentGaps(first: 50)": (
                "{ alignmentGaps(first: 50) { totalCount edges { node { reason strandedWork "
                "breakPoint { id title } } } } }",
                lambda: [gap_json(engine, g, with_stranded=False) for g in engine.gaps[:50]],
            ),
            "alignment": (
                "{ alignment { score work tracedWork } }",
                lambda: (engine.score, engine._scores[0].work),
            ),
        }
        results: dict[str, float] = {}
        for name, (query, floor) in cases.items():
            gen = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "loadgen.py"),
                    url,
                    token,
                    query,
                    str(REQUESTS),
                    "1",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            out = json.loads(gen.stdout)
            lat = out["latencies_us"]
            p50, p99 = pct(lat)
            f50, f99 = pct(direct(floor))
            conc = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "loadgen.py"),
                    url,
                    token,
                    query,
                    str(REQUESTS),
                    "4",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            rps = REQUESTS / json.loads(conc.stdout)["elapsed_s"]
            print(
                f"  {name:26s} HTTP p50 {p50 / 1000:7.2f} ms  p99 {p99 / 1000:7.2f} ms  "
                f"{rps:7.0f} req/s (4 clients)"
                f" | engine direct p50 {f50:8.1f} us p99 {f99:8.1f} us | "
                f"overhead x{p50 / max(f50, 0.01):.0f} at p50"
            )
            results[name] = p99 / 1000
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    for n in sizes:
        r = run(n)
        verdict = "met" if r["lineOfSight"] < GOAL_LOS_P99_MS else "MISSED"
        print(
            f"  goal lineOfSight p99 < {GOAL_LOS_P99_MS} ms at this size: {verdict} "
            f"({r['lineOfSight']:.2f} ms)"
        )


if __name__ == "__main__":
    main()
