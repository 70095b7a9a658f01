"""The web app at / in Chromium, against a real `stratmap serve` process: signing in, every page,
nothing fetched from elsewhere, the unit page against the CLI's line of sight, a suggestion
accepted on a gap page, a viewer who cannot write, and a session that ends with its token."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, start_server, stratmap
from tests.e2e.test_report_browser import ARTIFACTS

TYPO = "I-TYPO"  # an initiative whose parent id has a typo: KR-PLAT-1.l for KR-PLAT-1.1


@dataclass
class Web:
    origin: str
    db: Path
    editor: str
    viewer: str


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp = tmp_path_factory.mktemp("web")
    db = tmp / "web.db"
    stratmap("import", str(ROOT / "examples" / "northwind.yaml"), "--db", str(db))
    typo = tmp / "typo.csv"
    # and a wide gap: an objective linked to nothing, eight key results with work below it
    wide = [f"KR-WIDE-{k},KeyResult,Wide result {k},O-WIDE,ops" for k in range(8)]
    wide += [f"I-WIDE-{k},Initiative,Work on wide result {k},KR-WIDE-{k},ops" for k in range(8)]
    typo.write_text(
        f"id,kind,title,parents,unit\n{TYPO},Initiative,Fleet health dashboard,KR-PLAT-1.l,"
        "eng-platform\nO-WIDE,Objective,A wide objective nobody linked,,ops\n"
        + "\n".join(wide)
        + "\n",
        encoding="utf-8",
    )
    stratmap("import", str(typo), "--db", str(db), "--tenant", "northwind")
    editor = stratmap(
        "token", "create", "--tenant", "northwind", "--role", "editor", "--db", str(db)
    )
    viewer = stratmap(
        "token", "create", "--tenant", "northwind", "--role", "viewer", "--db", str(db)
    )
    # a revoked token ends its sessions at once
    process, origin = start_server(
        db, tmp / "server.log", {"STRATMAP_TOKEN_CACHE_SECONDS": "0.2"}, ready="/readyz"
    )
    yield Web(origin, db, editor, viewer)
    process.terminate()
    process.wait(timeout=15)
    assert "Traceback" not in (tmp / "server.log").read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _signed_in(
    browser: Browser, web: Web, token: str, problems: list[str], *, bypass_csp: bool = False
) -> Page:
    # bypass_csp: for a test that injects a script of its own (axe-core) into the pages
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: (
            problems.append(f"left the server: {r.url}")
            if not r.url.startswith(web.origin)
            else None
        ),
    )
    page.goto(f"{web.origin}/")
    assert page.url.startswith(f"{web.origin}/signin")
    page.fill("#token", token)
    page.click("button[type=submit]")
    return page


def test_sign_in_and_every_page(web: Web, browser: Browser) -> None:
    problems: list[str] = []
    page = browser.new_context().new_page()
    page.goto(f"{web.origin}/signin")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-signin.png"), full_page=True)
    page.fill("#token", "smt_not-a-token")
    page.click("button[type=submit]")
    assert "unknown, revoked or expired" in page.inner_text(".error")
    cookie = page.context.cookies()
    assert cookie == []  # a failed sign-in leaves nothing behind
    page.close()

    page = _signed_in(browser, web, web.viewer, problems)
    assert page.url == f"{web.origin}/"
    (session,) = page.context.cookies()
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    ARTIFACTS.mkdir(exist_ok=True)
    shots = {
        "overview": "/",
        "gap": f"/gaps/{TYPO}",
        "unit": "/units/sales",
        "node": "/nodes/O-SALES-NA",
        "search": "/search?q=portal",
    }
    for name, path in shots.items():
        response = page.goto(f"{web.origin}{path}")
        assert response is not None and response.status == 200, path
        page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)
    page.goto(f"{web.origin}/")
    listed = page.eval_on_selector_all("#gaps tbody tr", "rs => rs.map(r => r.dataset.gapId)")
    mm = page.eval_on_selector_all("#gaps tr .mm", "ms => ms.length")
    assert {TYPO, "O-CS-2", "O-SALES-NA"} <= set(listed) and mm >= 3
    # the filters narrow the list
    page.select_option("select[name=reason]", "UNLINKED")
    page.click(".filters button")
    filtered = page.eval_on_selector_all("#gaps tbody tr", "rs => rs.map(r => r.dataset.gapId)")
    assert filtered and set(filtered) < set(listed) and "O-CS-2" not in filtered
    # a period: every analysis of that period (the CLI's analyze --period agrees)
    page.goto(f"{web.origin}/")
    page.select_option("select[name=period]", "2026-Q3")
    page.click(".filters button")
    in_q3 = page.eval_on_selector_all("#gaps tbody tr", "rs => rs.map(r => r.dataset.gapId)")
    cli = json.loads(stratmap("analyze", "--json", "--period", "2026-Q3", "--db", str(web.db)))
    assert in_q3 == [g["breakPoint"] for g in cli["gaps"]][: len(in_q3)] and in_q3
    assert page.inner_text("#score") == f"{cli['score'] * 100:.1f}%"
    page.goto(f"{web.origin}/search?q=O-SALES-NA")
    assert page.url.endswith("/nodes/O-SALES-NA")  # an exact id goes to its page
    assert problems == []


def test_the_unit_page_is_the_units_line_of_sight(web: Web, browser: Browser) -> None:
    problems: list[str] = []
    page = _signed_in(browser, web, web.viewer, problems)
    page.goto(f"{web.origin}/units/sales")
    rows = page.eval_on_selector_all(
        "#los tbody tr", "rs => rs.map(r => [r.dataset.nodeId, r.className])"
    )
    cli = json.loads(stratmap("line-of-sight", "--unit", "sales", "--json", "--db", str(web.db)))
    assert [node for node, _ in rows] == [item["node"]["id"] for item in cli]
    assert {n for n, cls in rows if cls == "broken"} == {
        item["node"]["id"] for item in cli if not item["traced"]
    }
    assert problems == []


def test_a_large_units_page_comes_a_page_at_a_time(web: Web, browser: Browser) -> None:
    problems: list[str] = []
    page = _signed_in(browser, web, web.viewer, problems)
    cli = json.loads(
        stratmap("line-of-sight", "--unit", "northwind", "--json", "--db", str(web.db))
    )
    assert len(cli) > 100  # the top unit holds every node's work
    seen: list[str] = []
    page.goto(f"{web.origin}/units/northwind")
    while True:
        rows = page.eval_on_selector_all("#los tbody tr", "rs => rs.map(r => r.dataset.nodeId)")
        assert 0 < len(rows) <= 100
        seen += rows
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            break
        following.click()
    assert seen == [item["node"]["id"] for item in cli]
    assert problems == []


def test_accepting_a_suggestion_closes_the_gap(web: Web, browser: Browser) -> None:
    problems: list[str] = []
    page = _signed_in(browser, web, web.editor, problems)
    # what cannot be meant: a parent that is not suggested, ids that name nothing
    before = stratmap("audit", "--db", str(web.db), "--last", "1", "--json")
    csrf = page.eval_on_selector("form[action='/signout'] input[name=csrf]", "i => i.value")
    odd = page.request.post(
        f"{web.origin}/gaps/{TYPO}/accept", form={"csrf": csrf, "parent": "G-GROWTH"}
    )
    assert odd.ok and "no longer offered" in odd.text()  # followed to the gap page
    assert stratmap("audit", "--db", str(web.db), "--last", "1", "--json") == before
    for path in ("/units/no-such-unit", "/nodes/NO-SUCH-NODE", "/gaps/NO-SUCH-NODE"):
        assert page.request.get(f"{web.origin}{path}").status == 404, path
    page.goto(f"{web.origin}/gaps/{TYPO}")
    assert "KR-PLAT-1.l does not exist" in page.inner_text("#why")
    suggested = page.eval_on_selector_all("#suggestions li", "ls => ls.map(l => l.dataset.nodeId)")
    assert suggested[0] == "KR-PLAT-1.1"
    page.click("#suggestions li[data-node-id='KR-PLAT-1.1'] button")
    assert "traces to the vision" in page.inner_text("#closed")
    page.goto(f"{web.origin}/")
    listed = page.eval_on_selector_all("#gaps tbody tr", "rs => rs.map(r => r.dataset.gapId)")
    assert TYPO not in listed and "O-CS-2" in listed
    (record,) = json.loads(stratmap("audit", "--db", str(web.db), "--last", "1", "--json"))
    assert record["actor"].startswith("web session of api token"), record
    assert problems == []


def test_a_viewer_sees_no_write_control_and_cannot_forge_one(web: Web, browser: Browser) -> None:
    problems: list[str] = []
    page = _signed_in(browser, web, web.viewer, problems)
    page.goto(f"{web.origin}/gaps/O-CS-2")
    assert page.locator("form.write").count() == 0
    csrf = page.eval_on_selector("form[action='/signout'] input[name=csrf]", "i => i.value")
    # a forged form post with the viewer's own session and CSRF token: refused by role
    forged = page.request.post(
        f"{web.origin}/gaps/O-CS-2/accept", form={"csrf": csrf, "parent": "G-CUSTOMER"}
    )
    assert forged.status == 403
    # /graphql with the session cookie: only JSON with the session's X-CSRF-Token
    query = {"query": "{ alignment { score } }"}
    assert page.request.post(f"{web.origin}/graphql", data=query).status == 403
    ok = page.request.post(f"{web.origin}/graphql", data=query, headers={"X-CSRF-Token": csrf})
    assert ok.status == 200 and ok.json()["data"]["alignment"]["score"] > 0
    # a post from another site, even with the right CSRF token: refused before anything
    for header in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        crossed = page.request.post(
            f"{web.origin}/gaps/O-CS-2/accept",
            form={"csrf": csrf, "parent": "G-CUSTOMER"},
            headers=header,
        )
        assert crossed.status == 403 and "another site" in crossed.text()
    shown = page.request.get(f"{web.origin}/gaps/O-CS-2")
    assert shown.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in shown.headers["content-security-policy"]
    write = {"query": 'mutation { setStatus(id: "O-CS-2", status: ARCHIVED) { __typename } }'}
    refused = page.request.post(f"{web.origin}/graphql", data=write, headers={"X-CSRF-Token": csrf})
    assert refused.json()["data"]["setStatus"]["__typename"] == "NotAllowed"
    assert problems == []


def test_a_session_ends_when_its_token_is_revoked(web: Web, browser: Browser) -> None:
    before = set(stratmap("token", "list", "--db", str(web.db)).splitlines())
    token = stratmap(
        "token", "create", "--tenant", "northwind", "--role", "viewer", "--db", str(web.db)
    )
    after = stratmap("token", "list", "--db", str(web.db)).splitlines()
    (token_id,) = {line.split()[0] for line in after} - {line.split()[0] for line in before}
    problems: list[str] = []
    page = _signed_in(browser, web, token, problems)
    assert page.url == f"{web.origin}/"
    stratmap("token", "revoke", token_id, "--db", str(web.db))
    time.sleep(0.5)  # the server's token cache (STRATMAP_TOKEN_CACHE_SECONDS=0.2)
    page.goto(f"{web.origin}/units/sales")
    assert page.url.startswith(f"{web.origin}/signin")
    # and signing out ends a session at once
    page = _signed_in(browser, web, web.viewer, problems)
    page.click("form[action='/signout'] button")
    page.goto(f"{web.origin}/")
    assert page.url.startswith(f"{web.origin}/signin")
    assert problems == []


AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["/", "/gaps/O-CS-2", "/gaps/O-WIDE", "/units/sales", "/nodes/O-SALES-NA", "/search?q=x"]


def test_every_page_is_accessible_by_axe_and_by_keyboard(web: Web, browser: Browser) -> None:
    assert AXE.exists(), "axe-core is missing: `make setup` fetches it"
    problems: list[str] = []
    page = _signed_in(browser, web, web.editor, problems, bypass_csp=True)
    for path in [*PAGES, "/signin"]:
        if path == "/signin":
            context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
            page = context.new_page()
        page.goto(f"{web.origin}{path}")
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
        )
        assert found == [], f"{path}: {found}"
        # every control is reached by Tab, and shows a focus ring when it is
        controls = page.eval_on_selector_all(
            "a[href], button, input:not([type=hidden]), select", "es => es.length"
        )
        reached, rings = set(), []
        for _ in range(controls + 2):
            page.keyboard.press("Tab")
            info = page.evaluate(
                "() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return [e.outerHTML.slice(0, 80), s.outlineStyle, parseFloat(s.outlineWidth)] }"
            )
            reached.add(info[0])
            if not info[0].startswith("<body"):
                rings.append(info)
        assert len(rings) >= min(controls, 3) and len(reached) >= min(controls, 3), path
        assert all(style != "none" and width >= 2 for _, style, width in rings), (path, rings)
    assert problems == []


def test_every_page_prints_to_pdf_with_nothing_clipped(web: Web, browser: Browser) -> None:
    problems: list[str] = []
    page = _signed_in(browser, web, web.viewer, problems)
    page.goto(f"{web.origin}/gaps/O-WIDE")
    assert page.eval_on_selector("svg.map", "s => s.getBoundingClientRect().width") > 1000
    for path in PAGES:
        page.goto(f"{web.origin}{path}")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        wide = page.evaluate(
            "() => [...document.querySelectorAll('main *')].filter(e => {"
            " const r = e.getBoundingClientRect(); return r.width > 0 && r.right > 794.5; })"
            ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)"
        )
        assert wide == [], f"{path} is cut at the page's edge: {wide}"
        hidden = page.eval_on_selector_all(
            "header.top, form.write",
            "es => es.filter(e => getComputedStyle(e).display !== 'none').length",
        )
        assert hidden == 0  # navigation and write controls are not printed
        name = path.strip("/").replace("/", "-").replace("?q=", "-") or "overview"
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 2_000
        (ARTIFACTS / f"web-{name}.pdf").write_bytes(pdf)
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})
    assert problems == []


def test_a_wide_map_zooms_to_the_page_and_back(web: Web, browser: Browser) -> None:
    problems: list[str] = []
    page = _signed_in(browser, web, web.viewer, problems)
    page.goto(f"{web.origin}/gaps/O-WIDE")

    def width() -> float:
        return float(page.eval_on_selector("svg.map", "s => s.getBoundingClientRect().width"))

    natural = width()
    frame = float(page.eval_on_selector(".map-frame", "f => f.clientWidth"))
    assert natural > frame  # it opens readable, at its natural size, scrolling in its frame
    page.click("button[data-zoom=fit]")
    fitted = width()
    assert fitted <= frame
    page.click("button[data-zoom=in]")
    assert abs(width() - fitted * 1.25) < 1
    page.click("button[data-zoom=one]")
    assert abs(width() - natural) < 1
    assert problems == []
