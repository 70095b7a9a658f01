"""The client against the real app in-process (httpx.ASGITransport), and its documents."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from importlib import resources
from pathlib import Path

import httpx
import pytest
from graphql import build_schema, parse, validate

from clients import AsyncStratmapClient, AuthError, StratmapClient, StratmapError
from clients.client import document
from clients.report.data import collect
from clients.report.render import render
from service.settings import ApiLimits
from service.store.base import ChangeSet
from tests.api.conftest import Api, make_api
from tests.conftest import node

ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted(
    p.name.removesuffix(".graphql")
    for p in (resources.files("clients") / "queries").iterdir()
    if p.name.endswith(".graphql") and p.name != "fragments.graphql"
)


@pytest.mark.parametrize("name", QUERIES)
def test_documents_are_valid_against_schema_graphql(name: str) -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    assert validate(schema, parse(document(name))) == []


@pytest.fixture
def small_pages(tmp_path: Path) -> Api:
    return make_api(tmp_path, ApiLimits(page_default=2, page_cap=5))


def sync_client(api: Api, token: str = "viewer") -> StratmapClient:
    return StratmapClient(
        "http://test/graphql", api.tokens[token], transport=httpx.ASGITransport(app=api.app)
    )


def test_typed_results_and_pagination(small_pages: Api) -> None:
    with sync_client(small_pages) as client:
        a = client.alignment()
        assert a.score is not None
        assert (round(a.score, 6), a.work, a.traced_work) == (round(8 / 11, 6), 11.0, 8.0)
        gaps = client.gaps()
        assert [(g.break_point.id, g.reason, g.middle_management) for g in gaps] == [
            ("O2", "DANGLING_PARENT", True),
            ("I3", "UNLINKED", False),
        ]
        assert [s.id for s in gaps[0].stranded] == ["I2"] and gaps[
            0
        ].break_point.kind == "Objective"
        nodes = client.nodes()  # 13 nodes through pages of 2: the client follows them all
        assert len(nodes) == 13 and {n.id for n in nodes} >= {"V", "I6"}
        assert [n.id for n in client.orphans(kind="INITIATIVE")] == ["I3"]
        assert [n.id for n in client.unsupported()] == ["O3"]
        assert [f.unit.id for f in client.unit_focus(min_goals=2)] == ["ops"]
        (los,) = client.line_of_sight(node_id="I2")
        assert not los.traced and los.breaks[0].gap.break_point.id == "O2"
        assert client.history() == []


def test_async_client(small_pages: Api) -> None:
    async def go() -> list[str]:
        async with AsyncStratmapClient(
            "http://test/graphql",
            small_pages.tokens["viewer"],
            transport=httpx.ASGITransport(app=small_pages.app),
        ) as client:
            return [los.node.id for los in await client.line_of_sight(unit_id="web")]

    assert asyncio.run(go()) == ["I1", "I2", "I3"]


def test_errors_become_one_exception_with_the_server_message(small_pages: Api) -> None:
    with (
        sync_client(small_pages) as client,
        pytest.raises(StratmapError, match="no node 'NOPE'"),
    ):
        client.line_of_sight(node_id="NOPE")
    bad = StratmapClient(
        "http://test/graphql", "smt_wrong", transport=httpx.ASGITransport(app=small_pages.app)
    )
    with pytest.raises(AuthError, match="unknown or revoked token") as caught:
        bad.alignment()
    assert caught.value.status == 401
    bad.close()
    with (
        StratmapClient("http://127.0.0.1:9/graphql", "x", timeout=2) as nowhere,
        pytest.raises(StratmapError, match="cannot reach"),
    ):
        nowhere.alignment()


def test_report_formats(api: Api) -> None:
    api.data('mutation { recordHistory(label: "before") { __typename } }')
    api.data('mutation { link(childId: "O2", parentId: "G1") { __typename } }')
    with sync_client(api) as client:
        data = collect(client, "test")
    trend = data.trend()
    assert trend is not None and trend > 0  # fixing O2 raised the score since the record
    md = render(data, "md")
    mermaid = md[md.index("```mermaid") :]
    assert "## Disconnected objectives: alignment gaps (1)" in md and "Trend: +" in md
    assert (
        'g0["Initiative I3: Side project<br/>UNLINKED"]:::gap' in mermaid and "O2" not in mermaid
    )  # fixed
    rows = list(csv.DictReader(io.StringIO(render(data, "csv"))))
    assert {r["finding"] for r in rows} >= {
        "alignment_gap",
        "orphaned_initiative",
        "unsupported_strategy",
    }
    payload = json.loads(render(data, "json"))
    assert {
        "alignment",
        "gaps",
        "orphanedInitiatives",
        "unsupported",
        "overlaps",
        "pulledUnits",
        "history",
    } <= set(payload)


def test_csv_cells_are_neutralised_for_spreadsheets(api: Api) -> None:
    api.data(
        'mutation { upsertNodes(nodes: [{id: "EVIL", kind: INITIATIVE, title: "=HYPERLINK(\\"http://x\\")"},'
        '{id: "EVIL2", kind: INITIATIVE, title: "+1", unit: "@web"}]) { __typename } }'
    )
    with sync_client(api) as client:
        rows = list(csv.reader(io.StringIO(render(collect(client, "test"), "csv"))))
    cells = [c for r in rows for c in r]
    assert '\'=HYPERLINK("http://x")' in cells and "'+1" in cells
    assert not any(c[:1] in "=+-@" for c in cells if c)


def test_markdown_report_keeps_hostile_text_inert(api: Api) -> None:
    from markdown_it import MarkdownIt

    api.data(
        "mutation { upsertNodes(nodes: ["
        '{id: "X|<img src=x onerror=alert(1)>", kind: INITIATIVE, '
        'title: "line\\rbreak `code` ![i](http://x) **b**",'
        ' unit: "u|<b>unit</b>"}]) { __typename } }'
    )
    with sync_client(api) as client:
        md = render(collect(client, "test"), "md")
    html_out = MarkdownIt("commonmark").enable("table").render(md)
    assert "<img" not in html_out and "<b>unit" not in html_out and "<code>" not in html_out
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_out  # shown, as text
    gap_rows = [line for line in md.splitlines() if line.startswith("| ") and "UNLINKED" in line]
    assert len(gap_rows) == 2 and all(
        line.count(" | ") == 6 for line in gap_rows
    )  # no cell was split
    mermaid = md[md.index("```mermaid") : md.index("```", md.index("```mermaid") + 3)]
    assert "<img" not in mermaid and "`" not in mermaid.removeprefix("```mermaid")


def test_a_large_organisations_report_lists_the_first_of_each_finding_in_few_requests(
    api: Api,
) -> None:
    """A page lists the first TOP findings of each section with how many there are, in a
    bounded number of requests whatever the size (2,200 for 100k nodes before); CSV keeps all."""
    from clients.report.data import MAP_ALL, TOP

    many = TOP + 17
    nodes = [node(f"LOOSE{i:03d}", "Initiative", title=f"loose {i}") for i in range(many)]
    nodes += [node(f"W{i:03d}", "Initiative", "O1", title=f"work {i}") for i in range(MAP_ALL)]
    api.store.apply("acme", ChangeSet(nodes=nodes))
    requests = 0

    class Counting(httpx.ASGITransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal requests
            requests += 1
            return await super().handle_async_request(request)

    client = StratmapClient(
        "http://test/graphql", api.tokens["viewer"], transport=Counting(app=api.app)
    )
    with client:
        page = collect(client, "test", top=TOP, focus=True)  # what an HTML page asks
        asked = requests
        whole = collect(client, "test", top=None)
    assert asked <= 20, asked
    assert len(page.gaps) == len(page.orphaned_initiatives) == TOP
    assert page.total("gaps") == len(whole.gaps) >= many
    assert page.total("orphaned_initiatives") == len(whole.orphaned_initiatives) >= many
    # the worst first, the same ones
    assert [g.break_point.id for g in page.gaps] == [g.break_point.id for g in whole.gaps[:TOP]]
    assert page.map_nodes > MAP_ALL and {n.kind for n in page.nodes} <= {"Vision", "Goal"}
    html = render(page, "html")
    assert f"alignment gaps ({TOP} of {page.total('gaps')})" in html
    assert f"Orphaned initiatives ({TOP} of {page.total('orphaned_initiatives')})" in html
    assert "The top of the cascade" in html
    rows = list(csv.DictReader(io.StringIO(render(whole, "csv"))))
    assert sum(r["finding"] == "alignment_gap" for r in rows) == len(whole.gaps)


def test_a_page_names_the_first_stranded_nodes_of_a_gap_and_counts_them_all(api: Api) -> None:
    from clients.report.data import STRANDED_SHOWN

    many = STRANDED_SHOWN + 5
    nodes = [node("LOST", "Objective", title="lost")]
    nodes += [node(f"S{i:02d}", "Initiative", "LOST", title=f"stranded {i}") for i in range(many)]
    api.store.apply("acme", ChangeSet(nodes=nodes))
    with sync_client(api) as client:
        page = collect(client, "test")
        whole = collect(client, "test", top=None)
    gap = next(g for g in page.gaps if g.break_point.id == "LOST")
    full = next(g for g in whole.gaps if g.break_point.id == "LOST")
    assert gap.stranded_nodes == full.stranded_nodes == len(full.stranded) >= many
    assert gap.stranded == full.stranded[:STRANDED_SHOWN]
    assert f"{gap.stranded_nodes} node(s)" in render(page, "html")


def test_okr_only_data_is_told_once_that_nothing_executes_it(tmp_path: Path) -> None:
    """With no initiative at all every goal is unsupported: the page says so once, the JSON
    keeps the whole list, and each unsupported branch would otherwise be one line."""
    from service.api.app import create_app
    from service.roles import Role
    from service.store.sqlite import SQLiteStore
    from service.store.tokens import TokenStore

    store = SQLiteStore(tmp_path / "okr.db")
    nodes = [node("V", "Vision"), node("G1", "Goal", "V"), node("G2", "Goal", "V")]
    nodes += [node(f"O{i}", "Objective", "G1") for i in range(5)]
    nodes += [node(f"K{i}", "KeyResult", f"O{i}") for i in range(5)]
    store.apply("okrs", ChangeSet(nodes=nodes))
    token = TokenStore(tmp_path / "okr.db").create("okrs", Role.VIEWER)
    app = create_app(store, tokens=TokenStore(tmp_path / "okr.db"))
    with StratmapClient("http://t/graphql", token, transport=httpx.ASGITransport(app=app)) as c:
        page = collect(c, "okrs", focus=True)
        whole = collect(c, "okrs", top=None)
    html = render(page, "html")
    assert html.count("holds no initiatives at all") == 1
    assert 'data-node-id="K3"' not in html.split('id="unsupported"')[1].split("</section>")[0]
    # two branches: G1 with its five objectives and key results below, and G2 alone
    assert [(t.top.id, t.below) for t in page.unsupported_subtrees] == [("G1", 10), ("G2", 0)]
    assert {n.id for n in whole.unsupported} == {n.id for n in nodes} - {"V"}
    assert "holds no initiatives at all" in render(page, "md")
    store.close()


def test_remote_line_of_sight_draws_the_local_tree_from_the_clients_models(api: Api) -> None:
    """`line-of-sight --url` renders the client's models; for every node, every kind of break
    (missing parent with its likely typo, inactive parent, level inversion, cycle, unlinked)
    the tree is the one the local command draws from the engine."""
    from rich.console import Console
    from rich.tree import Tree

    from service.cli.render import line_of_sight_tree, remote_line_of_sight_tree
    from service.engine.engine import Engine
    from service.engine.findings_json import line_of_sight_json

    api.store.apply(
        "acme",
        ChangeSet(
            nodes=[
                node("O7", "Objective", "G11", unit="eng", title="Typo above"),  # meant G1
                node("O8", "Objective", "O9", unit="ops", title="Round"),
                node("O9", "Objective", "O8", unit="ops", title="And round"),
                node("K7", "KeyResult", "I1", unit="web", title="Measured under work"),
                node("I7", "Initiative", "I6", unit="ops", title="Under archived work"),
            ]
        ),
    )

    def text(tree: Tree) -> str:
        buffer = io.StringIO()
        Console(file=buffer, width=200, color_system=None).print(tree)
        return buffer.getvalue()

    engine = Engine(api.store.read_graph("acme"))
    ids = [engine.node(i).id for i in engine.find()]
    seen_reasons: set[str] = set()
    with sync_client(api) as client:
        for node_id in ids:
            local = line_of_sight_json(engine, engine.line_of_sight_at(engine.index_of(node_id)))
            (remote,) = client.line_of_sight(node_id)
            assert text(remote_line_of_sight_tree(remote)) == text(line_of_sight_tree(local))
            assert [b.gap.cause for b in remote.breaks] == [b["cause"] for b in local["breaks"]]
            seen_reasons |= {b.gap.reason for b in remote.breaks}
        assert client.line_of_sight("O7")[0].breaks[0].gap.suggested_parents[0].id == "G1"
    assert seen_reasons >= {
        "DANGLING_PARENT",
        "INACTIVE_PARENT",
        "LEVEL_INVERSION",
        "CYCLE",
        "UNLINKED",
    }
