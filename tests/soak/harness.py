"""What the soak tests share: real `stratmap` processes on loopback, their requests, and the
checks made after a process was killed."""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from graph_schema import Node
from service.store.sqlite import SQLiteStore
from tests.contract.backends import free_port

ROOT = Path(__file__).resolve().parents[2]
STRATMAP = Path(sys.executable).with_name("stratmap")
NORTHWIND = ROOT / "examples" / "northwind.yaml"


def stratmap(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [str(STRATMAP), *args], capture_output=True, text=True, check=True, timeout=timeout
    )
    return done.stdout.strip()


def token(db: Path, tenant: str, role: str) -> str:
    return stratmap("token", "create", "--tenant", tenant, "--role", role, "--db", str(db))


@dataclass
class Server:
    """One `stratmap serve` process on a free loopback port."""

    db: Path
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def start(self, timeout: float = 120) -> Server:
        db = ("--db", str(self.db))
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(STRATMAP), "serve", "--host", "127.0.0.1", "--port", str(self.port), *db],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ},
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).is_success:
                    return self
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"stratmap serve did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, and the log shows a clean shutdown with no traceback."""
        assert self.process is not None
        self.process.terminate()
        code = self.process.wait(timeout=60)
        text = self.log.read_text()
        assert code in (0, -15) and "Traceback" not in text, text[-5000:]


def gql(
    client: httpx.Client,
    url: str,
    bearer: str,
    query: str,
    variables: dict[str, Any] | None = None,
    min_version: int = 0,
) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query, "variables": variables or {}}
    if min_version:
        body["extensions"] = {"minVersion": min_version}
    response = client.post(url, json=body, headers={"authorization": f"Bearer {bearer}"})
    assert response.status_code == 200, response.text[:2000]
    answer: dict[str, Any] = response.json()
    assert not answer.get("errors"), answer["errors"]
    return answer


def integrity_ok(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def write_csv(path: Path, nodes: Iterable[Node], suffix: str = "") -> str:
    """A generic CSV of `nodes`, each title ending in `suffix`; returns the digest that
    `digest_of` gives for a store holding exactly these nodes."""
    held = []
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(["id", "kind", "title", "parents", "owner", "unit", "status"])
        for n in nodes:
            title = f"{n.title}{suffix}"
            held.append((n.id, title))
            parents = ";".join(p.id if p.weight == 1 else f"{p.id}={p.weight}" for p in n.parents)
            rows.writerow([n.id, n.kind, title, parents, n.owner or "", n.unit or "", n.status])
    return _digest(held)


def digest_of(db: Path, tenant: str) -> str | None:
    """What the tenant holds, as ids and titles (None when it holds nothing)."""
    store = SQLiteStore(db)
    try:
        held = [(n.id, n.title) for n in store.read_graph(tenant).nodes]
    finally:
        store.close()
    return _digest(held) if held else None


def _digest(held: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for node_id, title in sorted(held):
        digest.update(f"{node_id}\0{title}\0".encode())
    return digest.hexdigest()


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds, of latencies in seconds."""
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    return float(p50), float(p99)
