"""A writer that waits too long for another answers Busy: store, API and CLI."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from service.api.app import create_app
from service.cli.main import cli
from service.store.base import ChangeSet, StoreBusy
from service.store.sqlite import SQLiteStore
from tests.conftest import node

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@contextmanager
def held(path: Path) -> Iterator[None]:
    """Another process's writer: SQLite's write lock taken and held."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_store_write_waits_its_write_wait_then_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteStore(path, busy_timeout_ms=200)
    store.apply("t", ChangeSet(nodes=[node("V", "Vision")]))
    with held(path), pytest.raises(StoreBusy, match=r"busy.*0\.2 s.*nothing was written") as err:
        store.apply("t", ChangeSet(nodes=[node("G", "Goal", "V")]))
    assert err.value.retry_after_seconds >= 1
    # nothing was half-written, and the store works again once the other writer is done
    assert store.node_ids("t") == ["V"]
    assert store.apply("t", ChangeSet(nodes=[node("G", "Goal", "V")])).version == 2
    store.close()


def test_a_mutation_against_a_held_store_answers_busy(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = SQLiteStore(path, busy_timeout_ms=200)
    store.apply("t", ChangeSet(nodes=[node("V", "Vision")]))
    app = create_app(store, tokens=None, open_tenant="t")
    query = (
        'mutation { link(childId: "V", parentId: "V") { __typename '
        "... on Busy { message retryAfterSeconds } } }"
    )

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            return await c.post("/graphql", json={"query": query})

    import asyncio

    with held(path):
        answer = asyncio.run(go()).json()
    assert "errors" not in answer, answer
    busy = answer["data"]["link"]
    assert busy["__typename"] == "Busy" and "STRATMAP_WRITE_WAIT_SECONDS" in busy["message"]
    assert busy["retryAfterSeconds"] >= 1
    store.close()


def test_a_cli_import_against_a_held_store_exits_3_with_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.db"
    SQLiteStore(path).close()
    monkeypatch.setenv("STRATMAP_WRITE_WAIT_SECONDS", "0.2")
    with held(path):
        result = CliRunner().invoke(
            cli, ["import", str(EXAMPLES / "northwind.yaml"), "--db", str(path)]
        )
    assert result.exit_code == 3, result.output
    assert "is busy" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert (
        json.loads(CliRunner().invoke(cli, ["analyze", "--json", "--db", str(path)]).output)[
            "counts"
        ]["nodes"]
        == 0
    )


def test_a_request_that_waited_its_write_wait_for_another_is_busy_at_once(tmp_path: Path) -> None:
    # saying "busy" must not wait for the lock a second time: it once did, again and again,
    # until the other request let go
    import threading

    store = SQLiteStore(tmp_path / "s.db", busy_timeout_ms=50)
    holding, done = threading.Event(), threading.Event()

    def other_request() -> None:
        with store._lock:
            holding.set()
            done.wait(timeout=10)

    other = threading.Thread(target=other_request)
    other.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(StoreBusy, match="another request of this server"):
            store.apply("t", ChangeSet(nodes=[node("V", "Vision")]))
        assert not done.is_set() and other.is_alive()  # answered while the other still held it
    finally:
        done.set()
        other.join()
        store.close()
