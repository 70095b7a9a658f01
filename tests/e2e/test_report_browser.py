"""The HTML report of the example organisation in headless Chromium (Debian's package, installed
by `make setup`): every gap listed and drawn in red, hostile titles shown escaped and intact, no
console error, and a full-page screenshot kept in artifacts/."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
import pytest
from playwright.sync_api import Browser, sync_playwright

import importers
from clients import StratmapClient
from clients.models import MapNode
from clients.report.data import ReportData, collect
from clients.report.render import render
from clients.report.strategy_map import svg, whole
from service.api.app import create_app
from service.roles import Role
from service.store.sqlite import SQLiteStore
from service.store.tokens import TokenStore
from service.usecases import import_parsed
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
HOSTILE = "<script>window.__pwned=1</script> \"quoted\" & 'single' — 日本語の目標 Überprüfung"
RED = "rgb(198, 40, 40)"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportData]:
    tmp = tmp_path_factory.mktemp("report")
    store = SQLiteStore(tmp / "r.db")
    import_parsed(store, importers.parse(ROOT / "examples" / "northwind.yaml"))
    extra = tmp / "hostile.csv"
    extra.write_text(
        "id,kind,title,unit\n"
        f'I-HOSTILE,Initiative,"{HOSTILE.replace(chr(34), chr(34) * 2)}",eng-platform\n',
        encoding="utf-8",
    )
    import_parsed(store, importers.parse(extra), tenant="northwind")
    tokens = TokenStore(tmp / "r.db")
    token = tokens.create("northwind", Role.VIEWER)
    transport = httpx.ASGITransport(app=create_app(store, tokens=tokens))
    with StratmapClient("http://test/graphql", token, transport=transport) as client:
        data = collect(client, "northwind example", focus=True)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "report-northwind.html"
    path.write_text(render(data, "html"), encoding="utf-8")
    return path, data


@pytest.fixture(scope="module")
def report_file(report: tuple[Path, ReportData]) -> Path:
    return report[0]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_report_in_headless_chromium(report_file: Path, chromium: Browser) -> None:
    problems: list[str] = []
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "request",
        lambda r: (
            problems.append(f"network request: {r.url}")
            if not r.url.startswith("file://")
            else None
        ),
    )
    page.goto(report_file.as_uri())

    listed = page.eval_on_selector_all("tr.gap", "rows => rows.map(r => r.dataset.gapId)")
    drawn = page.eval_on_selector_all(
        "#strategy-map g.node.break",
        "gs => gs.map(g => [g.querySelector('title').textContent, "
        "getComputedStyle(g.querySelector('path')).stroke])",
    )
    stranded = page.eval_on_selector_all(
        "#strategy-map g.node.disconnected path",
        "rs => rs.map(r => getComputedStyle(r).stroke)",
    )
    calm = page.eval_on_selector_all(
        "#strategy-map g.node.traced path", "rs => rs.map(r => getComputedStyle(r).stroke)"
    )
    hostile_row = page.inner_text('tr.gap[data-gap-id="I-HOSTILE"] .title')
    hostile_svg = page.eval_on_selector_all(
        "#strategy-map g.node.break",
        "gs => gs.filter(g => g.querySelector('title').textContent === 'I-HOSTILE')"
        ".map(g => [...g.querySelectorAll('text')].map(t => t.textContent).join(' '))",
    )
    pwned = page.evaluate("window.__pwned")
    score = page.inner_text("#score")
    page.screenshot(path=str(ARTIFACTS / "report-northwind.png"), full_page=True)
    page.close()

    expected = {
        "O-SALES-NA",
        "O-CS-2",
        "I-PLAT-09",
        "I-SUP-04",
        "KR-AUTO-2.1",
        "O-PPL-3",
        "O-ASM-2",
        "I-HOSTILE",
    }
    assert set(listed) == expected and len(listed) == len(expected)
    assert {node for node, _ in drawn} == expected and all(color == RED for _, color in drawn)
    assert stranded and all(color == RED for color in stranded)
    assert calm and all(color != RED for color in calm)
    # whole in the map, on wrapped lines (a word longer than a line is cut where it must be)
    assert hostile_row == HOSTILE and len(hostile_svg) == 1
    assert HOSTILE.replace(" ", "") in hostile_svg[0].replace(" ", "")
    assert pwned is None
    assert score.endswith("%")
    assert problems == []


# -- the maps' geometry, measured where people read them: Chromium at 1280 px -------------------

BOXES_JS = """svg => [...svg.querySelectorAll('g.node')].map(g => {
  const r = g.querySelector('path, polygon').getBoundingClientRect();
  return [g.querySelector('title').textContent, r.left, r.top, r.right, r.bottom,
          Math.min(...[...g.querySelectorAll('text')].map(t => t.getBoundingClientRect().height))];
})"""
# every drawn link as a polyline of 40 points, with the two boxes it joins
EDGES_JS = """svg => [...svg.querySelectorAll('g.edge')].map(g => {
  const p = g.querySelector('path'), n = p.getTotalLength(), m = p.getScreenCTM();
  const pts = [];
  for (let i = 0; i <= 40; i++) {
    const q = p.getPointAtLength(n * i / 40).matrixTransform(m);
    pts.push([q.x, q.y]);
  }
  return [g.querySelector('title').textContent, pts];
})"""


def _overlaps(boxes: list[list[Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5 and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5:
                found.append((a[0], b[0]))
    return found


def _crosses(p: list[float], q: list[float], r: list[float], s: list[float]) -> bool:
    def side(a: list[float], b: list[float], c: list[float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2, d3, d4 = side(r, s, p), side(r, s, q), side(p, q, r), side(p, q, s)
    return d1 * d2 < -1e-6 and d3 * d4 < -1e-6


def _crossings(edges: list[list[Any]]) -> list[tuple[str, str]]:
    """Pairs of links that cross, links that share a box left out (they meet there)."""
    found = []
    for i, (name_a, a) in enumerate(edges):
        ends_a = set(name_a.split("->"))
        for name_b, b in edges[i + 1 :]:
            if ends_a & set(name_b.split("->")):
                continue
            if any(
                _crosses(a[k], a[k + 1], b[j], b[j + 1])
                for k in range(len(a) - 1)
                for j in range(len(b) - 1)
            ):
                found.append((name_a, name_b))
    return found


def test_every_map_is_readable_at_1280_px(report_file: Path, chromium: Browser) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report_file.as_uri())
    maps = page.eval_on_selector_all("svg.map", "ss => ss.map(s => s.id)")
    assert "strategy-map" in maps and len(maps) > 1  # the whole map, then one a gap
    for name in maps:
        boxes = page.eval_on_selector(f"svg#{name}", BOXES_JS)
        assert boxes, name
        assert _overlaps(boxes) == [], name
        small = [(b[0], round(b[5], 1)) for b in boxes if b[5] < 11]
        assert small == [], f"{name}: labels under 11 px tall"
    page.close()


def _ancestors(nodes: list[MapNode], start: str) -> set[str]:
    g = nx.DiGraph()
    g.add_edges_from((n.id, p.id) for n in nodes for p in n.parents if not p.dangling)
    return nx.descendants(g, start) if start in g else set()


def test_a_focused_map_holds_exactly_the_gaps_chain_and_stranded_nodes(
    report: tuple[Path, ReportData], chromium: Browser
) -> None:
    path, data = report
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(path.as_uri())
    links = page.eval_on_selector_all(
        "tr.gap a.to-map", "as => as.map(a => a.getAttribute('href'))"
    )
    assert links == [f"#gap-{i}" for i in range(1, len(data.gaps) + 1)]
    for i, gap in enumerate(data.gaps, start=1):
        drawn = page.eval_on_selector_all(
            f"#gap-{i} g.node", "gs => gs.map(g => g.querySelector('title').textContent)"
        )
        # the chain above, walked here over every node's links, not by the server
        expected = _ancestors(data.nodes, gap.break_point.id) | {gap.break_point.id}
        expected |= {s.id for s in gap.stranded} | set(gap.dangling_refs)
        assert gap.stranded_nodes == len(gap.stranded)  # a small organisation: all of them
        assert sorted(drawn) == sorted(expected), gap.break_point.id
        assert page.eval_on_selector_all(
            f"#gap-{i} g.node.break", "gs => gs.map(g => g.querySelector('title').textContent)"
        ) == [gap.break_point.id]
    page.close()


def _forest(seed: int) -> list[MapNode]:
    """A random forest: a vision's tree and loose trees of objectives (each a break point)."""
    rng = random.Random(seed)
    kinds = ["VISION", "GOAL", "OBJECTIVE", "KEY_RESULT", "INITIATIVE"]
    nodes: list[MapNode] = []

    def grow(node_id: str, depth: int, parent: str | None, traced: bool) -> None:
        kind = kinds[min(depth, len(kinds) - 1)]
        links = [{"id": parent, "weight": 1.0, "valid": True, "dangling": False}] if parent else []
        nodes.append(
            MapNode.model_validate(
                {
                    "id": node_id,
                    "kind": kind,
                    "title": f"{kind.title()} {node_id} " + "word " * rng.randint(0, 8),
                    "status": "ACTIVE",
                    "traced": traced,
                    "level": depth,
                    "parents": links,
                }
            )
        )
        if depth < 4:
            for k in range(rng.choice([0, 1, 2, 3, 4] if depth else [2, 3])):
                grow(f"{node_id}.{k}", depth + 1, node_id, traced)

    grow(f"V{seed}", 0, None, True)
    for t in range(rng.randint(1, 3)):
        grow(f"T{seed}-{t}", 2, None, False)
    return nodes


def test_no_links_cross_on_a_forest(
    chromium: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("forests")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    for seed in range(6):
        nodes = _forest(seed)
        m = whole(nodes, [], complete=True)
        html = f"<!doctype html><meta charset=utf-8><body>{svg(m, f'forest-{seed}')}</body>"
        (tmp / f"forest-{seed}.html").write_text(html, encoding="utf-8")
        page.goto((tmp / f"forest-{seed}.html").as_uri())
        edges = page.eval_on_selector(f"svg#forest-{seed}", EDGES_JS)
        assert len(edges) >= len(m.edges()) - len(nodes) // 2  # stacked leaves share one link
        assert _crossings(edges) == [], f"forest {seed}"
        boxes = page.eval_on_selector(f"svg#forest-{seed}", BOXES_JS)
        assert len(boxes) == len(nodes) and _overlaps(boxes) == []
        if seed == 0:
            page.screenshot(path=str(ARTIFACTS / "map-forest.png"), full_page=True)
    page.close()


# -- a unit's report, and the trend ------------------------------------------------------------


@pytest.fixture(scope="module")
def unit_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example with three recorded points (two fixes between them), reported for the whole
    organisation and for the unit 'sales'; the unit's figures computed by the engine itself."""
    from service.engine.engine import Engine
    from service.usecases import record_history

    tmp = tmp_path_factory.mktemp("unit-report")
    store = SQLiteStore(tmp / "u.db")
    import_parsed(store, importers.parse(ROOT / "examples" / "northwind.yaml"))
    record_history(store, "northwind", Engine(store.read_graph("northwind")), "baseline")
    changes = [  # a fix elsewhere, then new traced work in sales (whose O-SALES-NA stays broken)
        "I-PLAT-09,Initiative,Migrate CI to the new build farm,KR-PLAT-1.1,eng-platform",
        "I-SALES-09,Initiative,A partner pipeline review every month,KR-SALES-1.1,sales",
    ]
    for i, row in enumerate(changes):
        fix = tmp / f"fix{i}.csv"
        fix.write_text(f"id,kind,title,parents,unit\n{row}\n", encoding="utf-8")
        import_parsed(store, importers.parse(fix), tenant="northwind")
        record_history(store, "northwind", Engine(store.read_graph("northwind")), f"fix {i + 1}")
    engine = Engine(store.read_graph("northwind"))
    tokens = TokenStore(tmp / "u.db")
    token = tokens.create("northwind", Role.VIEWER)
    transport = httpx.ASGITransport(app=create_app(store, tokens=tokens))

    def both() -> tuple[ReportData, ReportData]:
        with StratmapClient("http://test/graphql", token, transport=transport) as client:
            return collect(client, "northwind", focus=True), collect(
                client, "northwind", unit="sales", focus=True
            )

    # in a thread of its own: the browser's event loop may already run in this one
    with ThreadPoolExecutor(1) as pool:
        whole_org, sales = pool.submit(both).result()
    paths = {}
    for name, data in (("org", whole_org), ("sales", sales)):
        paths[name] = ARTIFACTS / f"report-northwind-{name}.html"
        paths[name].write_text(render(data, "html"), encoding="utf-8")
    units = engine.units_below("sales")
    return {
        "work": [engine.graph.ids[i] for i in engine.unit_work("sales")],
        "untraced": {
            engine.graph.ids[i] for i in engine.unit_work("sales") if not engine.traced[i]
        },
        "paths": paths,
        "score": engine.by_unit["sales"].score,
        "counts": engine.counts(units),
        "history": [h["byUnit"] for h in store.history("northwind")],
        "nodes": {
            engine.graph.ids[i] for i in range(engine.graph.n) if engine.graph.unit[i] in units
        },
        "gaps": {
            engine.graph.ids[g.break_point]
            for g in engine.gaps
            if engine.graph.unit[g.break_point] in units
        },
    }


def test_a_units_report_shows_the_units_numbers(
    unit_reports: dict[str, Any], chromium: Browser
) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(unit_reports["paths"]["sales"].as_uri())
    score = page.inner_text("#score")
    counts = dict(
        (label, int(value.replace(",", "")))
        for value, label in page.eval_on_selector_all(
            "#counts div",
            "ds => ds.map(d => [d.querySelector('b').textContent, d.lastChild.textContent])",
        )
    )
    rows = page.eval_on_selector_all("#gaps tr.gap", "rs => rs.map(r => r.dataset.gapId)")
    drawn = set(
        page.eval_on_selector_all(
            "#strategy-map g.node", "gs => gs.map(g => g.querySelector('title').textContent)"
        )
    )
    points = page.eval_on_selector_all(
        "#trend-score circle", "cs => cs.map(c => c.querySelector('title').textContent)"
    )
    los = page.eval_on_selector_all(
        "#los tbody tr", "rs => rs.map(r => [r.dataset.nodeId, r.className])"
    )
    page.screenshot(path=str(ARTIFACTS / "report-northwind-sales.png"), full_page=True)
    page.close()
    c = unit_reports["counts"]
    assert score == f"{unit_reports['score'] * 100:.1f}%"
    assert (
        counts["alignment gaps"] == c["gaps"] and counts["unsupported strategy"] == c["unsupported"]
    )
    assert (
        counts["orphaned initiatives"] == c["orphanedInitiatives"]
        and counts["unowned"] == c["unowned"]
    )
    assert set(rows) == unit_reports["gaps"]
    # the unit's map is the unit's own nodes (with placeholders for parents that do not exist)
    assert (
        unit_reports["nodes"] <= drawn
        and not {d for d in drawn if d.startswith("G-")} - unit_reports["nodes"]
    )
    # its trend is its own recorded score, one point a record
    recorded = [
        next(u["score"] for u in rec if u["unit"] == "sales") for rec in unit_reports["history"]
    ]
    assert [p.split(": ")[1].split("%")[0] for p in points] == [f"{s * 100:.1f}" for s in recorded]
    assert recorded[0] != recorded[-1]  # the new traced work moved it
    # the manager's line of sight: every active objective, key result and initiative, breaks marked
    assert [node for node, _ in los] == unit_reports["work"]
    assert {node for node, cls in los if cls == "gap"} == unit_reports["untraced"] != set()
    assert {"O-SALES-1", "KR-SALES-1.1"} <= {node for node, _ in los}
    assert problems == []


def test_the_trend_is_a_chart_with_axes_points_and_labels(
    unit_reports: dict[str, Any], chromium: Browser
) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(unit_reports["paths"]["org"].as_uri())
    charts = page.eval_on_selector_all("svg.trend", "ss => ss.map(s => s.id)")
    axis = page.eval_on_selector_all("#trend-score text.axis", "ts => ts.map(t => t.textContent)")
    values = page.eval_on_selector_all(
        "#trend-score text.value", "ts => ts.map(t => t.textContent)"
    )
    goals = page.eval_on_selector_all(
        "#trend-goals text.legend", "ts => ts.map(t => t.textContent)"
    )
    trend = page.inner_text("#trend")
    page.locator("#trends").screenshot(path=str(ARTIFACTS / "report-trend.png"))
    page.close()
    assert charts == ["trend-score", "trend-goals", "trend-units"]
    assert {"0%", "50%", "100%"} <= set(axis) and any("Dec" in a or "20" in a for a in axis)
    assert len(values) == 3 and values[0] != values[-1]
    assert len(goals) >= 5 and "3 records" in trend and "UTC" in trend
