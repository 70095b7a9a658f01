"""Auth, tenant isolation, limits, malformed requests, error masking, caching, the SDL file."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest

from service.api.schema import build_schema
from service.settings import ApiLimits
from tests.api.conftest import Api, make_api
from tests.contract.conftest import dump

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_graphql_is_current() -> None:
    assert (ROOT / "schema.graphql").read_text(
        encoding="utf-8"
    ).strip() == build_schema().as_str().strip(), (
        "schema.graphql is stale: run `make schema` and commit it"
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing bearer token"),
        ("Basic abc", "missing bearer token"),
        ("Bearer nope", "unknown or revoked"),
    ],
)
def test_requests_without_a_valid_token_are_refused(
    api: Api, header: str | None, message: str
) -> None:
    r = api.post(
        json.dumps({"query": "{ alignment { score } }"}),
        token=None,
        headers={"authorization": header} if header else None,
    )
    assert r.status_code == 401 and message in r.json()["errors"][0]["message"]


def test_a_token_never_sees_another_tenant(api: Api) -> None:
    for token in ("viewer", "admin"):
        d = api.data(
            """{ node(id: "SECRET") { id }
                          nodes(search: "secret") { totalCount }
                          unit(id: "nope") { id }
                          alignmentGaps { edges { node { breakPoint { id } } } }
                          orphans { edges { node { id } } } }""",
            token=token,
        )
        assert d["node"] is None and d["nodes"]["totalCount"] == 0
        assert all(
            e["node"]["breakPoint"]["id"] not in ("SECRET", "I9")
            for e in d["alignmentGaps"]["edges"]
        )
    los = api.q('{ lineOfSight(nodeId: "I9") { traced } }', token="viewer")
    assert "no node 'I9'" in los["errors"][0]["message"]
    other = api.data('{ node(id: "SECRET") { id } nodes { totalCount } }', token="other")
    assert other == {"node": {"id": "SECRET"}, "nodes": {"totalCount": 2}}
    before = dump(api.store, "other")
    api.data(
        'mutation { deleteNodes(ids: ["SECRET"]) { __typename ... on InputError { message } } }',
        token="admin",
    )
    assert (
        dump(api.store, "other") == before
    )  # acme's admin cannot delete other's node: it is not there for it


def test_limits_hold_with_clear_errors(tmp_path: Path) -> None:
    api = make_api(
        tmp_path,
        ApiLimits(max_depth=4, max_aliases=3, max_tokens=200, page_cap=10, max_body_bytes=4000),
    )
    deep = api.q(
        '{ node(id: "I1") { parents { node { parents { node { parents { node { id } } } } } } } }'
    )
    assert "exceeds maximum operation depth of 4" in deep["errors"][0]["message"]
    aliases = api.q(
        "{ a: alignment { score } b: alignment { score } "
        "c: alignment { score } d: alignment { score } }"
    )
    assert "aliases" in aliases["errors"][0]["message"] and "3" in aliases["errors"][0]["message"]
    tokens = api.q("{ " + " ".join("alignment { score work tracedWork }" for _ in range(40)) + " }")
    assert "token" in tokens["errors"][0]["message"].lower()
    page = api.q("{ nodes(first: 11) { totalCount } }")
    assert page["errors"][0]["message"] == "first: at most 10 items per page (asked for 11)"
    big = api.post(json.dumps({"query": "{ alignment { score } }", "pad": "x" * 5000}))
    assert big.status_code == 413 and "limit of 4000 bytes" in big.json()["errors"][0]["message"]
    assert (
        api.data("{ nodes(first: 10) { totalCount } }")["nodes"]["totalCount"] == 13
    )  # within limits: fine
    api.store.close()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        (json.dumps({"query": "{ nope }"}), 200),
        (
            json.dumps(
                {"query": "query($n: ID!) { node(id: $n) { id } }", "variables": {"n": {"x": 1}}}
            ),
            200,
        ),
        (
            json.dumps(
                {
                    "query": "query($k: NodeKind) { nodes(kind: $k) { totalCount } }",
                    "variables": {"k": "PLANET"},
                }
            ),
            200,
        ),
        (json.dumps({"query": "mutation { link(childId: 1) { __typename } }"}), 200),
        (json.dumps({"variables": {}}), 400),
        ('"just a string"', 400),
        ("null", 400),
        ("5", 400),
        (json.dumps({"query": '{ nodes(after: "bzotMw==") { totalCount } }'}), 200),  # cursor o:-3
    ],
)
def test_malformed_requests_are_4xx_or_graphql_errors_never_500(
    api: Api, body: str, status: int
) -> None:
    before = dump(api.store, "acme")
    r = api.post(body)
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json()["errors"] and "Unexpected error" not in r.json()["errors"][0]["message"]
    assert dump(api.store, "acme") == before


def test_unexpected_errors_are_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from service.engine.engine import Engine

    def boom(self, node_id, max_paths=100):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Engine, "line_of_sight", boom)
    with caplog.at_level(logging.ERROR, logger="stratmap.api"):
        r = api.post(json.dumps({"query": '{ lineOfSight(nodeId: "I1") { traced } }'}))
    error = r.json()["errors"][0]["message"]
    assert r.status_code == 200 and "secret internal detail" not in error and "request id" in error
    request_id = r.headers["x-request-id"]
    assert request_id in error and any(request_id in rec.getMessage() for rec in caplog.records)
    assert any("secret internal detail" in str(rec.exc_info) for rec in caplog.records)


def test_reads_come_from_the_engine_and_one_write_refreshes_once(api: Api) -> None:
    cache = api.app.app.state.cache
    api.data("{ alignment { score } }")  # warm-up: one build
    builds, reads, graph_reads = cache.builds, api.store.reads, api.store.graph_reads
    for _ in range(30):
        api.data(
            "{ alignment { score } alignmentGaps(first: 5) { totalCount } "
            'lineOfSight(nodeId: "I1") { traced } '
            'node(id: "K1") { title } nodes(kind: GOAL) { totalCount } }',
            token="viewer",
        )
    assert (cache.builds, api.store.reads) == (builds, reads)
    api.data('mutation { link(childId: "O2", parentId: "G1") { __typename } }')
    # the write patched the engine: read at once, by everyone, with no build ...
    for _ in range(10):
        assert api.data('{ node(id: "I2") { traced } }', token="viewer")["node"]["traced"] is True
    assert (cache.builds, cache.patches) == (builds, 1)
    # ... and once the tenant is quiet (rebuild_delay: 1 s), its stale passes are computed
    # again from its own graph: no read of the store, no build
    import time

    for _ in range(100):
        if cache.refreshes:
            break
        time.sleep(0.05)
    for _ in range(10):
        assert api.data('{ node(id: "I2") { traced } }')["node"]["traced"] is True
    assert (cache.builds, cache.refreshes) == (builds, 1)
    assert api.store.graph_reads == graph_reads


def test_healthz_and_graphiql_page(api: Api) -> None:
    import asyncio

    import httpx

    async def go() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api.app), base_url="http://t"
        ) as c:
            return (
                await c.get("/healthz"),
                await c.get("/graphql", headers={"accept": "text/html"}),
                await c.get("/static/graphiql.js"),
            )

    health, page, asset = asyncio.run(go())
    assert health.json()["status"] == "ok"
    assert (
        page.status_code == 200 and "/static/graphiql.js" in page.text and "unpkg" not in page.text
    )
    assert (
        asset.status_code == 200 and len(asset.content) > 100_000
    )  # served locally, from npm at setup


def test_engines_for_client_chosen_periods_are_bounded(api: Api) -> None:
    cache = api.app.app.state.cache
    query = (
        "{ " + " ".join(f'p{i}: alignment(period: "P{i}") {{ score }}' for i in range(15)) + " }"
    )
    api.data(query)
    assert len(cache._slots) <= cache.max_engines


def test_no_auth_mode_serves_only_requests_addressed_to_localhost(tmp_path: Path) -> None:
    import asyncio

    import httpx

    from service.api.app import create_app
    from service.store.sqlite import SQLiteStore

    app = create_app(SQLiteStore(tmp_path / "open.db"), tokens=None, open_tenant="acme")

    async def go(host: str) -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{host}"
        ) as c:
            return await c.post("/graphql", json={"query": "{ alignment { score } }"})

    assert asyncio.run(go("127.0.0.1:8000")).status_code == 200
    assert asyncio.run(go("localhost")).status_code == 200
    rebound = asyncio.run(go("evil.example:8000"))
    assert (
        rebound.status_code == 403
        and "only requests to localhost" in rebound.json()["errors"][0]["message"]
    )


def test_query_cost_is_bounded_before_anything_runs(tmp_path: Path) -> None:
    """Reliability issue, part 1: within the depth limit one query could ask for millions of
    nodes (a viewer's query ran for minutes on a 21-node graph). Lists multiply their cost by
    `first` or the page cap, nesting multiplies, and a query over the limit does not run."""
    api = make_api(tmp_path)
    wide = (
        "{ nodes(first: 100) { edges { node { children(first: 100) { edges { node { "
        "children(first: 100) { edges { node { id } } } } } } } } } }"
    )
    refused = api.q(wide, token="viewer")
    assert refused.get("data") is None
    assert "query cost 3,030,301 is over the limit of 50,000" in refused["errors"][0]["message"]
    aliases = " ".join(
        f"a{i}: alignmentGaps(first: 100) {{ edges {{ node {{ members {{ id }} }} }} }}"
        for i in range(20)
    )
    assert "query cost" in api.q("{ " + aliases + " }", token="viewer")["errors"][0]["message"]
    small = api.data("{ nodes(first: 5) { edges { node { id } } } }", token="viewer")
    assert len(small["nodes"]["edges"]) == 5
    api.store.close()


def test_a_path_step_is_a_summary_that_cannot_nest(api: Api) -> None:
    nested = api.q(
        '{ lineOfSight(nodeId: "I5") { paths { edges { node { steps '
        "{ lineOfSight { traced } } } } } } }",
        token="viewer",
    )
    assert "Cannot query field 'lineOfSight' on type 'PathStep'" in nested["errors"][0]["message"]


def test_the_cost_limit_is_a_setting(tmp_path: Path) -> None:
    tight = make_api(tmp_path, ApiLimits(max_cost=10))
    assert (
        "over the limit of 10"
        in tight.q("{ nodes { totalCount edges { node { id } } } }")["errors"][0]["message"]
    )
    assert tight.data("{ alignment { score } }")["alignment"]["score"] is not None
    tight.store.close()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            b'{"query": "{ alignment { score } }", "variables": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}",
            "nested too deeply",
        ),
        (b'{"query": "{ alignment { score } }\xff"}', "not UTF-8"),
        (
            b'{"query": "mutation($c: String!) { importDocument(content: $c, format: CSV) '
            b'{ __typename } }", "variables": {"c": "id,kind,title\\nG,Goal,\\ud800x\\n"}}',
            "lone surrogate",
        ),
    ],
    ids=["deep", "not-utf8", "surrogate"],
)
def test_malformed_bodies_are_client_errors_not_500(api: Api, body: bytes, says: str) -> None:
    before = dump(api.store, "acme")
    got = api.post(body)
    assert got.status_code == 400 and says in got.text
    assert dump(api.store, "acme") == before


def test_a_response_over_the_limit_is_one_error_not_a_partial_body(tmp_path: Path) -> None:
    small = make_api(tmp_path, ApiLimits(max_response_bytes=300))
    big = small.q("{ nodes(first: 100) { edges { node { id title description } } } }")
    assert big["data"] is None and "over the limit of 300" in big["errors"][0]["message"]
    assert small.data("{ alignment { score } }")["alignment"]["score"] is not None
    small.store.close()


def test_a_slow_write_does_not_stall_other_requests(tmp_path: Path) -> None:
    """Reliability issue, part 2: resolvers ran on the event loop, so one slow import froze
    /healthz and every tenant. While a write is held inside the store, health checks and
    another tenant's reads are answered; then the write completes."""
    import asyncio
    import threading

    import httpx

    api = make_api(tmp_path)
    entered, release = threading.Event(), threading.Event()
    real_apply = api.store.apply

    def held_apply(*args, **kwargs):
        entered.set()
        release.wait(timeout=10)  # on the event loop this would block every other request
        return real_apply(*args, **kwargs)

    api.store.apply = held_apply  # type: ignore[method-assign]
    order: list[str] = []

    async def main() -> None:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            auth = {"authorization": f"Bearer {api.tokens['editor']}"}
            other = {"authorization": f"Bearer {api.tokens['other']}"}

            async def write() -> None:
                mutation = 'mutation { setStatus(id: "I1", status: DONE) { __typename } }'
                r = await client.post("/graphql", json={"query": mutation}, headers=auth)
                assert r.json()["data"]["setStatus"]["__typename"] == "ApplySuccess"
                order.append("write")

            task = asyncio.create_task(write())
            while not entered.is_set():
                await asyncio.sleep(0.01)
            health = await client.get("/healthz")
            read = await client.post(
                "/graphql", json={"query": "{ nodes { totalCount } }"}, headers=other
            )
            order.append("others")
            assert health.status_code == 200 and read.json()["data"]["nodes"]["totalCount"] == 2
            release.set()
            await task

    asyncio.run(main())
    assert order == ["others", "write"]
    api.store.close()


def test_a_client_mistake_is_one_log_line(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        got = api.q('{ lineOfSight(nodeId: "NOPE") { traced } }', token="viewer")
    assert "no node 'NOPE'" in got["errors"][0]["message"]
    mine = [r for r in caplog.records if r.name.startswith(("stratmap.api", "strawberry"))]
    assert len(mine) == 1 and mine[0].exc_info is None and "lineOfSight" in mine[0].getMessage()
    assert "{ lineOfSight" not in mine[0].getMessage()  # never the query text


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ('{ node(id: "I1") { ...missing } }', "Unknown fragment 'missing'."),
        (  # and the depth limit still holds when every fragment is defined
            '{ node(id: "I1") { ...f } } fragment f on StrategyNode { parents { node { '
            "parents { node { parents { node { id } } } } } } }",
            "exceeds maximum operation depth",
        ),
    ],
)
def test_fragments_are_validated_not_crashed_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, query: str, says: str
) -> None:
    """strawberry's depth rule raised KeyError on a spread of an undefined fragment: the client
    got the message "'missing'" and the log a traceback."""
    api = make_api(tmp_path, ApiLimits(max_depth=4))
    with caplog.at_level(logging.INFO):
        got = api.q(query, token="viewer")
    assert any(says in e["message"] for e in got["errors"]), got["errors"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    api.store.close()


def test_every_answer_says_which_version_answered_and_whether_it_is_stale(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from service.engine.engine import Engine
    from service.store.base import ChangeSet
    from tests.conftest import node

    body = api.q("{ alignment { score } }")
    version = body["extensions"]["version"]
    assert body["extensions"]["stale"] is False and version == api.store.version("acme")
    # rebuilds hang from here on: what answers is what a patch made, or the previous version
    gate = threading.Event()

    def slow(*args, **kwargs):
        assert gate.wait(20)
        return Engine(*args, **kwargs)

    monkeypatch.setattr("service.engine.cache.Engine", slow)
    try:
        made = api.data(
            'mutation { link(childId: "O2", parentId: "G1") { ... on ApplySuccess { version } } }'
        )
        assert made["link"]["version"] == version + 1
        # the write's process patched its engine: everyone reads the write at once ...
        now = api.q("{ alignment { score } }", token="viewer")
        assert now["extensions"] == {"version": version + 1, "stale": False}
        # ... except the whole-graph analyses, the previous version's until the rebuild lands
        carried = api.q("{ loadBearing { totalCount } alignment { counts } }", token="viewer")
        assert carried["extensions"] == {
            "version": version + 1,
            "stale": True,
            "staleAnalyses": ["loadBearing", "ownershipOverlaps", "unitFocus"],
        }
        # a write from another process is not patched: answered at once from the old version
        other = api.store.apply("acme", ChangeSet(nodes=[node("G9", "Goal", "V")]))
        api.app.app.state.cache.check_interval = 0  # notice it at once, as a probe would
        stale = api.q("{ alignment { score } }", token="viewer")
        assert stale["extensions"] == {
            "version": version + 1,
            "stale": True,
            "latest": other.version,
        }
        # ... and a bad minVersion is the client's error, named
        bad = api.post(
            json.dumps({"query": "{ alignment { score } }", "extensions": {"minVersion": "x"}}),
            "viewer",
        )
        assert "extensions.minVersion" in bad.json()["errors"][0]["message"]
    finally:
        gate.set()
    waited = api.post(
        json.dumps(
            {
                "query": "{ loadBearing { totalCount } }",
                "extensions": {"minVersion": other.version},
            }
        ),
        "viewer",
    ).json()
    assert waited["extensions"] == {"version": other.version, "stale": False}


def test_a_request_past_its_time_budget_starts_no_further_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from service.engine.engine import Engine

    slow = make_api(tmp_path, ApiLimits(request_timeout_seconds=0.2))
    real = Engine.line_of_sight
    calls: list[str] = []

    def crawl(self, node_id, max_paths=100):
        calls.append(node_id)
        time.sleep(0.15)
        return real(self, node_id, max_paths)

    monkeypatch.setattr(Engine, "line_of_sight", crawl)
    query = (
        "{ " + " ".join(f'l{i}: lineOfSight(nodeId: "I1") {{ traced }}' for i in range(10)) + " }"
    )
    body = slow.q(query)
    messages = {e["message"] for e in body["errors"]}
    assert any(
        "time budget of 0.2 s" in m and "STRATMAP_REQUEST_TIMEOUT_SECONDS" in m for m in messages
    )
    assert len(calls) <= 3  # ten fields of 0.15 s each: the budget stopped the rest
    slow.store.close()


def test_readyz_says_ready_only_once_the_tenants_engine_answers(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    import httpx

    from service.engine.engine import Engine

    gate = threading.Event()

    def slow(*args, **kwargs):
        assert gate.wait(20)
        return Engine(*args, **kwargs)

    monkeypatch.setattr("service.engine.cache.Engine", slow)

    async def probe() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api.app), base_url="http://t"
        ) as c:
            return await c.get("/readyz")

    cache = api.app.app.state.cache
    tenants = len(api.store.tenants())
    assert tenants > 1  # every tenant must be ready, not just one
    try:
        first = asyncio.run(probe())  # no engine yet: the probe starts the builds, never waits
        assert first.status_code == 503
        assert first.json() == {"status": "starting", "tenants": tenants, "building": tenants}
        assert asyncio.run(probe()).status_code == 503  # still building: one build each, not two
    finally:
        gate.set()
    deadline = time.monotonic() + 20
    while cache.builds < tenants and time.monotonic() < deadline:
        time.sleep(0.01)
    ready = asyncio.run(probe())
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "tenants": tenants, "building": 0}
    assert cache.builds == tenants


def test_readyz_builds_no_engine_a_caller_names(api: Api) -> None:
    """Unauthenticated: a tenant named in the query must not start a build or take a cache
    slot (nine made-up names would evict a real tenant's engine)."""
    import asyncio

    import httpx

    async def probe(path: str) -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api.app), base_url="http://t"
        ) as c:
            return await c.get(path)

    cache = api.app.app.state.cache
    for i in range(12):
        asyncio.run(probe(f"/readyz?tenant=made-up-{i}"))
    assert not [k for k in cache._slots if k[0].startswith("made-up")]
    assert {k[0] for k in cache._slots} <= set(api.store.tenants())
