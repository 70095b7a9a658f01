"""Store backends for the contract suite: SQLite always; Neo4j code over Bolt against ArcadeDB
(a child process) always; a real Neo4j whenever STRATMAP_NEO4J_URI is set."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import Driver, GraphDatabase

HERE = Path(__file__).resolve().parent
PASSWORD = "stratmap-test-pw"
DATABASE = "stratmap"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ArcadeDB:
    """An ArcadeDB server with its Bolt plugin, in its own process, on loopback ports."""

    root: Path
    bolt_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def start(self, timeout: float = 90.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "arcadedb_server.py"),
                str(self.root),
                str(self.bolt_port),
                str(self.http_port),
                PASSWORD,
                DATABASE,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.root,
        )  # ArcadeDB writes its log/ folder into the working directory
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        lines: list[str] = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            lines.append(line)
            if line.strip().endswith("READY"):
                self._wait_for_bolt(deadline)
                return
        raise RuntimeError(
            "ArcadeDB did not start (CI fails rather than skips):\n" + "".join(lines[-40:])
        )

    def _wait_for_bolt(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.bolt_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("ArcadeDB's Bolt port never opened")

    def stop(self, hard: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def driver(self, password: str = PASSWORD) -> Driver:
        return GraphDatabase.driver(
            self.uri, auth=("root", password), connection_timeout=5, max_transaction_retry_time=5
        )


def real_neo4j() -> tuple[Driver, str | None] | None:
    uri = os.environ.get("STRATMAP_NEO4J_URI")
    if not uri:
        return None
    auth = (
        os.environ.get("STRATMAP_NEO4J_USER", "neo4j"),
        os.environ.get("STRATMAP_NEO4J_PASSWORD", ""),
    )
    return GraphDatabase.driver(uri, auth=auth), os.environ.get("STRATMAP_NEO4J_DATABASE")
