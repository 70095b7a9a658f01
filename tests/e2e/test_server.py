"""A real server process and a real GraphQL client (gql) over HTTP."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gql import Client, gql
from gql.transport.httpx import HTTPXTransport

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, STRATMAP, Server


def client(server: Server) -> Client:
    transport = HTTPXTransport(
        url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=30
    )
    return Client(transport=transport, fetch_schema_from_transport=True)


def test_introspection_and_main_queries(server: Server) -> None:
    with client(server) as session:
        assert (
            session.client.schema is not None and session.client.schema.get_type("Gap") is not None
        )
        data = session.execute(
            gql("""{
          alignment { score counts }
          alignmentGaps(first: 3, middleManagementOnly: true) {
            totalCount edges { node { reason breakPoint { id } } } }
          lineOfSight(nodeId: "I-PART-03") { traced breaks { gap { reason breakPoint { id } } } }
          orphans(kind: INITIATIVE) { edges { node { id unit { id } } } }
        }""")
        )
    assert 0 < data["alignment"]["score"] < 1
    assert data["alignmentGaps"]["edges"][0]["node"]["breakPoint"]["id"] == "O-SALES-NA"
    assert data["lineOfSight"][0]["breaks"][0]["gap"]["breakPoint"]["id"] == "O-SALES-NA"
    assert {e["node"]["id"] for e in data["orphans"]["edges"]} == {"I-PLAT-09", "I-SUP-04"}


def test_a_mutation_is_seen_by_the_next_query(server: Server) -> None:
    with client(server) as session:
        result = session.execute(
            gql('mutation { link(childId: "O-SALES-NA", parentId: "G-GROWTH") { __typename } }')
        )
        assert result["link"]["__typename"] == "ApplySuccess"
        after = session.execute(gql('{ node(id: "I-PART-03") { traced } }'))
    assert after["node"]["traced"] is True


def test_no_auth_is_refused_off_loopback() -> None:
    import os

    for args, env in (
        (["--no-auth"], {}),
        ([], {"STRATMAP_AUTH": "false"}),  # the setting was ignored: it is the flag now
    ):
        done = subprocess.run(
            [str(STRATMAP), "serve", "--host", "0.0.0.0", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **env},
        )
        assert done.returncode == 2 and "only allowed on a loopback address" in done.stderr


def test_python_client_against_the_real_server(server: Server) -> None:
    from clients import StratmapClient

    with StratmapClient(server.url, server.token) as c:
        score = c.alignment().score
        assert score is not None and 0 < score < 1
        assert {g.break_point.id for g in c.gaps(middle_management_only=True)} >= {"O-CS-2"}
        assert {n.id for n in c.orphans(kind="INITIATIVE")} == {"I-PLAT-09", "I-SUP-04"}


def test_report_and_remote_line_of_sight_commands(server: Server, tmp_path: Path) -> None:
    env = {"STRATMAP_TOKEN": server.token, "PATH": "/usr/bin:/bin"}
    out = tmp_path / "r.md"
    ok = subprocess.run(
        [
            str(STRATMAP),
            "report",
            "--url",
            server.url,
            "--format",
            "md",
            "-o",
            str(out),
            "--fail-under",
            "10",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0 and "## Disconnected objectives" in out.read_text(encoding="utf-8")
    low = subprocess.run(
        [str(STRATMAP), "report", "--url", server.url, "--format", "json", "--fail-under", "99.5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert low.returncode == 1 and "below 99.5%" in low.stderr
    page = tmp_path / "r.html"
    html = [str(STRATMAP), "report", "--url", server.url, "--format", "html", "-o", str(page)]
    drawn = subprocess.run(html, capture_output=True, text=True, env=env, timeout=120)
    gaps = int(drawn.stderr.split("(html, ")[1].split()[0])  # "wrote r.html (html, 6 gaps, ..."
    assert drawn.returncode == 0 and gaps > 0
    assert page.read_text(encoding="utf-8").count('<svg id="gap-') == gaps  # a map a gap
    page.unlink()
    # without Graphviz (no `dot` on the PATH): a clear message, exit 2, and no file half written
    no_dot = {**env, "PATH": str(tmp_path)}
    missing = subprocess.run(html, capture_output=True, text=True, env=no_dot, timeout=120)
    assert missing.returncode == 2 and "apt-get install graphviz" in missing.stderr
    assert not page.exists()
    tree = subprocess.run(
        [str(STRATMAP), "line-of-sight", "--url", server.url, "--unit", "cs"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert tree.returncode == 0 and "BREAK" in tree.stdout and "O-CS-2" in tree.stdout
    denied = subprocess.run(
        [str(STRATMAP), "report", "--url", server.url, "--format", "csv", "--token", "smt_nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert denied.returncode == 2 and "unknown or revoked token" in denied.stderr


def test_graphiql_works_in_a_browser_with_no_internet(server: Server) -> None:
    """GraphiQL at /graphql renders from assets the service serves itself: no CDN request at all."""
    from playwright.sync_api import sync_playwright

    page_url = server.url
    origin = page_url.rsplit("/graphql", 1)[0]
    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on(
            "request", lambda r: outside.append(r.url) if not r.url.startswith(origin) else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        refused: list[int] = []
        page.on("response", lambda r: refused.append(r.status) if r.status >= 400 else None)
        page.goto(page_url)
        page.wait_for_selector(".graphiql-container", timeout=20_000)
        page.wait_for_timeout(2_000)  # what it would fetch by itself (the schema) has been asked
        title = page.title()
        shown = page.inner_text(".graphiql-response")
        untouched = (list(errors), list(refused))
        # with a token in the Headers tab, the default query runs and answers
        page.click("text=Headers")
        page.locator(".graphiql-editor-tool .graphiql-editor").last.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(f'{{"Authorization": "Bearer {server.token}"')  # it closes the }
        page.click(".graphiql-execute-button")
        page.wait_for_function(
            "document.querySelector('.graphiql-response').innerText.includes('\"score\"')",
            timeout=20_000,
        )
        browser.close()
    assert title == "stratmap GraphQL" and outside == []
    assert untouched == ([], []) and "error" not in shown.lower()  # nothing before the user acts
    assert errors == []


def test_the_server_builds_every_engine_as_it_starts_and_readyz_says_when(
    server: Server, tmp_path: Path
) -> None:
    """Started on a store of its own, the server builds the tenant's engine before any read
    asks for it (its lifespan warms every tenant), and /readyz turns 200 once it answers."""
    import contextlib
    import os
    import time

    import httpx

    from service.store.sqlite import SQLiteStore
    from tests.e2e.conftest import free_port

    db = tmp_path / "copy.db"
    source = SQLiteStore(server.db)
    assert source.backup(db) == "ok"  # the online backup: the server may be writing
    source.close()
    port = free_port()
    process = subprocess.Popen(
        [str(STRATMAP), "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline, builds = time.monotonic() + 30, 0
        while builds == 0 and time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):  # liveness only: it starts nothing
                builds = httpx.get(f"{url}/healthz", timeout=1).json()["engineBuilds"]
            time.sleep(0.05)
        assert builds == 1
        ready = httpx.get(f"{url}/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "tenants": 1, "building": 0}
    finally:
        process.terminate()
        process.wait(timeout=15)
