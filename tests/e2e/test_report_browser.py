"""The HTML report of the example organisation in headless Chromium (Debian's package, installed
by `make setup`): every gap listed and drawn in red, hostile titles shown escaped and intact, no
console error, and a full-page screenshot kept in artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

import importers
from clients import StratmapClient
from clients.report.data import collect
from clients.report.render import render
from service.api.app import create_app
from service.roles import Role
from service.store.sqlite import SQLiteStore
from service.store.tokens import TokenStore
from service.usecases import import_parsed

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = "<script>window.__pwned=1</script> \"quoted\" & 'single' — 日本語の目標 Überprüfung"
RED = "rgb(198, 40, 40)"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
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
        data = collect(client, "northwind example")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "report-northwind.html"
    path.write_text(render(data, "html"), encoding="utf-8")
    return path


def test_report_in_headless_chromium(report_file: Path) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it"
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
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
            "g.node.break",
            "gs => gs.map(g => "
            "[g.dataset.nodeId, getComputedStyle(g.querySelector('rect')).stroke])",
        )
        stranded = page.eval_on_selector_all(
            "g.node.disconnected rect", "rs => rs.map(r => getComputedStyle(r).stroke)"
        )
        calm = page.eval_on_selector_all(
            "g.node.traced rect", "rs => rs.map(r => getComputedStyle(r).stroke)"
        )
        hostile_row = page.inner_text('tr.gap[data-gap-id="I-HOSTILE"] .title')
        hostile_svg = page.text_content('g.node[data-node-id="I-HOSTILE"] title')
        pwned = page.evaluate("window.__pwned")
        score = page.inner_text("#score")
        page.screenshot(path=str(ARTIFACTS / "report-northwind.png"), full_page=True)
        browser.close()

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
    assert hostile_row == HOSTILE and HOSTILE in (hostile_svg or "")
    assert pwned is None
    assert score.endswith("%")
    assert problems == []
