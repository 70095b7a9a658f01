"""What only the Neo4j backend must show: its Cypher passes Neo4j's own linter, and a wrong
password, an unreachable server or a server restart mid-import give a clear error and lose
nothing. Run against ArcadeDB's Bolt server (a real server process, the real driver)."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from service.bootstrap import open_store
from service.settings import Settings
from service.store.base import ChangeSet, StoreError
from service.store.cypher import Q
from service.store.neo4j import Neo4jStore
from tests.conftest import node
from tests.contract.backends import DATABASE, PASSWORD, ArcadeDB, free_port
from tests.contract.conftest import dump

LINT = Path(__file__).resolve().parent / "cypher_lint"


def test_every_statement_passes_neo4js_cypher_linter() -> None:
    """Neo4j's own front end (@neo4j-cypher/language-support): errors and deprecations both fail."""
    assert (LINT / "node_modules").exists(), (
        "run `make setup` (npm ci of tests/contract/cypher_lint)"
    )
    payload = json.dumps(
        [{"name": k, "text": q.text, "params": list(q.params)} for k, q in Q.items()]
    )
    done = subprocess.run(
        ["node", str(LINT / "lint.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = json.loads(done.stdout)
    assert len(results) == len(Q) > 30
    assert [r for r in results if r["diagnostics"]] == []


def test_the_linter_would_catch_a_broken_statement() -> None:
    payload = json.dumps(
        [
            {"name": "typo", "text": "MATCH (n:StrategyNode {id: $id}) RETRUN n", "params": ["id"]},
            {"name": "undeclared", "text": "MATCH (n {id: $id}) RETURN n", "params": []},
            {"name": "deprecated", "text": "MATCH (n) RETURN id(n)", "params": []},
        ]
    )
    done = subprocess.run(
        ["node", str(LINT / "lint.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert all(r["diagnostics"] for r in json.loads(done.stdout))


def settings_for(uri: str, password: str = PASSWORD) -> Settings:
    return Settings(
        store="neo4j",
        neo4j_uri=uri,
        neo4j_user="root",
        neo4j_password=SecretStr(password),
        neo4j_database=DATABASE,
    )


def test_wrong_password_is_a_clear_error(arcadedb: ArcadeDB) -> None:
    with pytest.raises(StoreError, match="refused the credentials of user 'root'"):
        open_store(settings_for(arcadedb.uri, "not-the-password"))


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match=r"cannot reach Neo4j at bolt://127.0.0.1"):
        open_store(settings_for(f"bolt://127.0.0.1:{free_port()}"))


def test_bootstrap_opens_the_neo4j_store(arcadedb: ArcadeDB) -> None:
    store = open_store(settings_for(arcadedb.uri))
    assert isinstance(store, Neo4jStore)
    store.apply("boot", ChangeSet(nodes=[node("V", "Vision")]))
    assert store.version("boot") >= 1
    store.close()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ArcadeDB]:
    """A server of this test's own, so it may be killed and restarted."""
    server = ArcadeDB(tmp_path / "restart")
    server.start()
    yield server
    server.stop()


def test_server_restart_mid_import_loses_nothing(own_server: ArcadeDB) -> None:
    driver = own_server.driver()
    store = Neo4jStore(driver, database=DATABASE)
    store.apply("t", ChangeSet(nodes=[node("V", "Vision"), node("G1", "Goal", "V")]))
    before = dump(store, "t")
    big = [node(f"I{i}", "Initiative", "G1", effort=1) for i in range(30_000)]
    failure: list[BaseException] = []

    def importer() -> None:
        try:
            store.apply("t", ChangeSet(nodes=big))
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=importer)
    worker.start()
    worker.join(timeout=1.5)  # the import is under way (30k nodes take far longer) ...
    assert worker.is_alive(), "the import finished before the restart: make it bigger"
    own_server.stop(hard=True)  # ... when the server dies
    worker.join(timeout=120)
    assert len(failure) == 1 and isinstance(failure[0], StoreError), failure
    assert "nothing was written" in str(failure[0]) or "Neo4j" in str(failure[0])
    driver.close()
    own_server.start()
    again = own_server.driver()
    assert dump(Neo4jStore(again, database=DATABASE), "t") == before
    again.close()


def test_the_recipes_in_docs_neo4j_md_pass_the_linter() -> None:
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "neo4j.md").read_text(encoding="utf-8")
    recipes = re.findall(r"```cypher\n(.*?)```", text, flags=re.S)
    assert len(recipes) >= 6
    payload = json.dumps(
        [
            {"name": f"recipe{i}", "text": r, "params": sorted(set(re.findall(r"\$(\w+)", r)))}
            for i, r in enumerate(recipes)
        ]
    )
    done = subprocess.run(
        ["node", str(LINT / "lint.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert [r for r in json.loads(done.stdout) if r["diagnostics"]] == []
