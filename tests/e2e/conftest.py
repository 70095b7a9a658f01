from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STRATMAP = Path(sys.executable).with_name("stratmap")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stratmap(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(STRATMAP), *args], capture_output=True, text=True, env=env, check=True, timeout=120
    )
    return done.stdout.strip()


# Debian's chromium as the tests launch it: no sandbox (root), and nothing of its own on the
# network (this machine's network is closed; its background requests fail many at a time)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def start_server(
    db: Path, log: Path, env: dict[str, str] | None = None, ready: str = "/healthz"
) -> tuple[subprocess.Popen[str], str]:
    """`stratmap serve` on a free loopback port, once `ready` answers 200: (process, origin)."""
    port = free_port()
    out = log.open("w")
    process = subprocess.Popen(
        [str(STRATMAP), "serve", "--port", str(port), "--db", str(db)],
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    out.close()  # the child holds its own copy
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{origin}{ready}", timeout=1).status_code == 200:
                return process, origin
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"stratmap serve did not start:\n{log.read_text()}")
        time.sleep(0.1)


@dataclass
class Server:
    url: str
    token: str
    db: Path
    process: subprocess.Popen[str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `stratmap serve` process with the example organisation, on a free loopback port."""
    tmp = tmp_path_factory.mktemp("e2e")
    db = tmp / "e2e.db"
    stratmap("import", str(ROOT / "examples" / "northwind.yaml"), "--db", str(db))
    token = stratmap(
        "token", "create", "--tenant", "northwind", "--role", "editor", "--db", str(db)
    )
    process, url = start_server(db, tmp / "server.log")
    yield Server(f"{url}/graphql", token, db, process)
    # SIGTERM: uvicorn finishes in-flight requests, shuts down, then re-raises the signal
    process.terminate()
    code = process.wait(timeout=15)
    text = (tmp / "server.log").read_text()
    assert code in (0, -15) and "Finished server process" in text and "Traceback" not in text, text
