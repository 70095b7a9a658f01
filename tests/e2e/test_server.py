"""A real server process and a real GraphQL client (gql) over HTTP."""
from __future__ import annotations

import subprocess

from gql import Client, gql
from gql.transport.httpx import HTTPXTransport

from tests.e2e.conftest import STRATMAP, Server


def client(server: Server) -> Client:
    transport = HTTPXTransport(url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    return Client(transport=transport, fetch_schema_from_transport=True)


def test_introspection_and_main_queries(server: Server) -> None:
    with client(server) as session:
        assert session.client.schema is not None and session.client.schema.get_type("Gap") is not None
        data = session.execute(gql("""{
          alignment { score counts }
          alignmentGaps(first: 3, middleManagementOnly: true) { totalCount edges { node { reason breakPoint { id } } } }
          lineOfSight(nodeId: "I-PART-03") { traced breaks { gap { reason breakPoint { id } } } }
          orphans(kind: INITIATIVE) { edges { node { id unit { id } } } }
        }"""))
    assert 0 < data["alignment"]["score"] < 1
    assert data["alignmentGaps"]["edges"][0]["node"]["breakPoint"]["id"] == "O-SALES-NA"
    assert data["lineOfSight"][0]["breaks"][0]["gap"]["breakPoint"]["id"] == "O-SALES-NA"
    assert {e["node"]["id"] for e in data["orphans"]["edges"]} == {"I-PLAT-09", "I-SUP-04"}


def test_a_mutation_is_seen_by_the_next_query(server: Server) -> None:
    with client(server) as session:
        result = session.execute(gql('mutation { link(childId: "O-SALES-NA", parentId: "G-GROWTH") { __typename } }'))
        assert result["link"]["__typename"] == "ApplySuccess"
        after = session.execute(gql('{ node(id: "I-PART-03") { traced } }'))
    assert after["node"]["traced"] is True


def test_no_auth_is_refused_off_loopback() -> None:
    done = subprocess.run([str(STRATMAP), "serve", "--host", "0.0.0.0", "--no-auth"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "only allowed on a loopback address" in done.stderr


def test_python_client_against_the_real_server(server: Server) -> None:
    from clients import StratmapClient

    with StratmapClient(server.url, server.token) as c:
        assert 0 < c.alignment().score < 1
        assert {g.break_point.id for g in c.gaps(middle_management_only=True)} >= {"O-CS-2"}
        assert {n.id for n in c.orphans(kind="INITIATIVE")} == {"I-PLAT-09", "I-SUP-04"}


def test_report_and_remote_line_of_sight_commands(server: Server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"STRATMAP_TOKEN": server.token, "PATH": "/usr/bin:/bin"}
    out = tmp_path / "r.md"
    ok = subprocess.run([str(STRATMAP), "report", "--url", server.url, "--format", "md", "-o", str(out),
                         "--fail-under", "10"], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and "## Disconnected objectives" in out.read_text(encoding="utf-8")
    low = subprocess.run([str(STRATMAP), "report", "--url", server.url, "--format", "json", "--fail-under", "99.5"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert low.returncode == 1 and "below 99.5%" in low.stderr
    tree = subprocess.run([str(STRATMAP), "line-of-sight", "--url", server.url, "--unit", "cs"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert tree.returncode == 0 and "BREAK" in tree.stdout and "O-CS-2" in tree.stdout
    denied = subprocess.run([str(STRATMAP), "report", "--url", server.url, "--format", "csv", "--token", "smt_nope"],
                            capture_output=True, text=True, timeout=120)
    assert denied.returncode == 2 and "unknown or revoked token" in denied.stderr
