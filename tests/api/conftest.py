from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_schema import Node, Person, Unit
from service.api.app import create_app
from service.roles import Role
from service.settings import ApiLimits
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from service.store.tokens import TokenStore
from tests.conftest import node


class CountingStore(SQLiteStore):
    """The real store, counting reads: the API must answer bursts from the engine alone."""

    reads = 0
    graph_reads = 0

    def read_graph(self, tenant):
        self.reads += 1
        self.graph_reads += 1
        return super().read_graph(tenant)

    def version(self, tenant):
        self.reads += 1
        return super().version(tenant)


UNITS = [
    Unit(id="co", name="Company"),
    Unit(id="eng", name="Engineering", parent="co"),
    Unit(id="web", name="Web team", parent="eng"),
    Unit(id="ops", name="Operations", parent="co"),
]
PEOPLE = [
    Person(id="ceo", name="Ada CEO", unit="co", leads=("co",)),
    Person(id="em", name="Eve Manager", unit="eng", reports_to="ceo", leads=("eng",)),
    Person(id="op", name="Otto Ops", unit="ops", reports_to="ceo"),
]
# A graph small enough to work out by hand:
#   V <- G1 <- O1(eng) <- K1(start 0, target 10, current 4) <- I1(web, effort 3)
#   V <- G2 <- O3(ops) with no work below: unsupported, and I4(ops) straight under G2
#   O2(eng, department) -> missing "G-OLD": a middle-management DANGLING_PARENT gap,
#     I2(web, 2) stranded
#   I3(web) orphan; I5(ops) under G1 and G2 (pulled), I6 archived
NODES: list[Node] = [
    node("V", "Vision", owner="ceo", unit="co", title="Safe robots everywhere"),
    node("G1", "Goal", "V", owner="ceo", unit="co", title="Grow revenue"),
    node("G2", "Goal", "V", owner="ceo", unit="co", title="Run lean"),
    node(
        "O1", "Objective", "G1", owner="em", unit="eng", title="Ship the platform", period="2026-Q4"
    ),
    node(
        "K1",
        "KeyResult",
        "O1",
        owner="em",
        unit="eng",
        start=0,
        target=10,
        current=4,
        measure_unit="releases",
        title="Ten releases",
    ),
    node(
        "I1",
        "Initiative",
        "K1",
        owner="em",
        unit="web",
        effort=3,
        title="Release train",
        period="2026-Q4",
    ),
    node(
        "O2",
        "Objective",
        "G-OLD",
        owner="em",
        unit="eng",
        title="Legacy <script>alert(1)</script> objective",
    ),
    node("I2", "Initiative", "O2", unit="web", effort=2, title="Keep legacy alive"),
    node("I3", "Initiative", unit="web", owner="em", title="Side project"),
    node("O3", "Objective", "G2", owner="op", unit="ops", title="Cut costs"),
    node("I4", "Initiative", "G2", owner="op", unit="ops", effort=1, title="Renegotiate leases"),
    node(
        "I5",
        "Initiative",
        ("G1", 0.5),
        ("G2", 0.5),
        owner="op",
        unit="ops",
        effort=4,
        title="Automate billing",
    ),
    node("I6", "Initiative", "G1", owner="op", unit="ops", status="archived", title="Old thing"),
]


@dataclass
class Api:
    app: Any
    store: CountingStore
    tokens: dict[str, str]

    def post(
        self, body: bytes | str, token: str | None = "editor", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        hdrs = {"content-type": "application/json", **(headers or {})}
        if token is not None:
            hdrs["authorization"] = f"Bearer {self.tokens.get(token, token)}"

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.post("/graphql", content=body, headers=hdrs)

        return asyncio.run(go())

    def q(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = "editor"
    ) -> dict[str, Any]:
        response = self.post(json.dumps({"query": query, "variables": variables or {}}), token)
        assert response.status_code == 200, response.text
        return response.json()

    def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str = "editor"
    ) -> dict[str, Any]:
        body = self.q(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]


def make_api(
    tmp_path: Path, limits: ApiLimits | None = None, check_interval: float = 3600.0
) -> Api:
    path = tmp_path / "api.db"
    store = CountingStore(path)
    store.apply("acme", ChangeSet(nodes=NODES, units=UNITS, people=PEOPLE))
    store.apply(
        "other",
        ChangeSet(
            nodes=[
                node("SECRET", "Goal", title="Other org's secret goal"),
                node("I9", "Initiative", "SECRET", title="Other org's work"),
            ]
        ),
    )
    tokens = TokenStore(path)
    issued = {role.value: tokens.create("acme", role) for role in Role}
    issued["other"] = tokens.create("other", Role.ADMIN)
    app = create_app(
        store,
        tokens=tokens,
        limits=limits or ApiLimits(page_default=50, page_cap=100),
        check_interval=check_interval,
    )
    return Api(app, store, issued)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    made = make_api(tmp_path)
    yield made
    # the engine cache first, as the app's lifespan does: a build it started in the background
    # (a debounced rebuild) must not run into a closed store, and log, during the next test
    made.app.app.state.cache.close()
    made.store.close()
