"""A typed Python client of the stratmap GraphQL API, over httpx.

`AsyncStratmapClient` is the client; `StratmapClient` is a thin synchronous wrapper that runs it
on a private event loop. The transport is the test seam: pass `httpx.ASGITransport(app=...)` to
talk to an app in-process. Every failure is raised as an `ApiError` carrying the server's
message, of the subclass that says whose it is (clients.errors).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from clients.errors import TransportError, error_for
from clients.models import (
    Alignment,
    Gap,
    HistoryRecord,
    LineOfSight,
    MapNode,
    NodeRef,
    Overlap,
    UnitFocus,
    UnsupportedSubtree,
)

M = TypeVar("M", bound=BaseModel)
LIMITED_PAGE = 100  # the page size of a list fetched with a limit (the API's cap is 200)
FOCUS_PAGE = 5  # gaps with their focused maps' nodes: ~5,800 of the API's cost each
ABOVE_FIRST = 20  # the chain above a break point that a focused map draws
T = TypeVar("T")


@cache
def document(name: str) -> str:
    """A query from clients/queries, with the shared fragments it uses appended."""
    folder = resources.files("clients") / "queries"
    text = (folder / f"{name}.graphql").read_text(encoding="utf-8")
    shared = (folder / "fragments.graphql").read_text(encoding="utf-8")
    for fragment in _fragments(shared):
        name_of = fragment.split()[1]
        if f"...{name_of}" in text:
            text += "\n" + fragment
    return text


def _fragments(text: str) -> list[str]:
    """The fragment definitions of a file, each as its own text."""
    parts = [p.strip() for p in ("\n" + text).split("\nfragment ") if p.strip()]
    return [f"fragment {p}\n" for p in parts]


class Listing(list[M]):
    """Findings as a list, and how many the server holds in all (`total` >= len: a list fetched
    with a limit is its first items)."""

    def __init__(self, items: list[M], total: int) -> None:
        super().__init__(items)
        self.total = max(total, len(items))


class AsyncStratmapClient:
    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout, transport=transport)
        # Every read asks for at least the newest version this client has seen (written, read,
        # or announced by a stale answer), on whichever server process answers it: its reads
        # never go back in time, and it always reads its own writes.
        self.min_version = 0
        self.versions: set[int] = set()  # the versions that answered, since the caller cleared it

    async def __aenter__(self) -> AsyncStratmapClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            body_out: dict[str, Any] = {"query": query, "variables": variables or {}}
            if self.min_version:
                body_out["extensions"] = {"minVersion": self.min_version}
            response = await self._http.post(self.url, json=body_out)
        except httpx.HTTPError as exc:
            raise TransportError(f"cannot reach {self.url}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            raise TransportError(
                f"{self.url} answered HTTP {response.status_code} with no JSON: "
                f"{response.text[:200]}",
                status=response.status_code,
            ) from None
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            message = "; ".join(str(e.get("message")) for e in errors)
            raise error_for(message, response.status_code, errors)
        if response.status_code != 200:
            raise error_for(f"HTTP {response.status_code}", response.status_code)
        self._saw(body.get("extensions"))
        data: dict[str, Any] = body["data"]
        return data

    def _saw(self, extensions: object) -> None:
        if not isinstance(extensions, dict):
            return
        version, latest = extensions.get("version"), extensions.get("latest")
        if isinstance(version, int):
            self.versions.add(version)
            self.min_version = max(self.min_version, version)
        if isinstance(latest, int):
            self.min_version = max(self.min_version, latest)

    async def _pages(
        self,
        name: str,
        field: str,
        variables: dict[str, Any],
        limit: int | None = None,
        total: list[int] | None = None,
        page: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every node of a connection, page by page; with `limit`, the first `limit` in one
        request (`limit` at most the server's page cap). `total`, if given, receives the
        connection's totalCount."""
        after: str | None = None
        seen = 0
        # no `first` for a whole list: the server's own page size, whatever cap it is set to;
        # a limited one in pages of at most LIMITED_PAGE, under any sane page cap
        # (`page` sets both: a query whose items are dear asks for fewer at a time)
        first = page if limit is None else max(1, min(limit, page or LIMITED_PAGE))
        while True:
            asked = {**variables, "after": after, "first": first}
            data = (await self.execute(document(name), asked))[field]
            if total is not None:
                total[:] = [int(data.get("totalCount", 0))]
            for edge in data["edges"]:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield edge["node"]
            if not data["pageInfo"]["hasNextPage"] or (limit is not None and seen >= limit):
                return
            after = data["pageInfo"]["endCursor"]

    async def _all(
        self, model: type[M], name: str, field: str, limit: int | None = None, **variables: Any
    ) -> Listing[M]:
        total = [0]
        pages = self._pages(name, field, variables, limit, total)
        found = [model.model_validate(n) async for n in pages]
        return Listing(found, total[0])

    async def alignment(self, unit_id: str | None = None, period: str | None = None) -> Alignment:
        data = await self.execute(document("alignment"), {"unitId": unit_id, "period": period})
        return Alignment.model_validate(data["alignment"])

    async def gaps(
        self,
        unit_id: str | None = None,
        *,
        middle_management_only: bool = False,
        stranded_first: int | None = None,
        limit: int | None = None,
        focus: bool = False,
    ) -> Listing[Gap]:
        """The gaps, ranked. With `focus`, each also carries what its focused map draws: the
        break point's, the stranded nodes' and the chain above's parent links (`above`), in
        smaller pages, since each gap then costs a hundred nodes."""
        out, total = [], [0]
        variables: dict[str, Any] = {"unitId": unit_id, "strandedFirst": stranded_first}
        if focus:
            variables["aboveFirst"] = ABOVE_FIRST
        else:
            variables["middleManagementOnly"] = middle_management_only
        async for node in self._pages(
            "gap_focus" if focus else "gaps",
            "alignmentGaps",
            variables,
            limit,
            total,
            page=FOCUS_PAGE if focus else None,
        ):
            node = {**node, "stranded": [e["node"] for e in node["stranded"]["edges"]]}
            out.append(Gap.model_validate(node))
        return Listing(out, total[0])

    async def orphans(
        self, unit_id: str | None = None, kind: str | None = None, limit: int | None = None
    ) -> Listing[NodeRef]:
        return await self._all(NodeRef, "orphans", "orphans", limit, unitId=unit_id, kind=kind)

    async def unsupported(
        self, limit: int | None = None, unit_id: str | None = None
    ) -> Listing[NodeRef]:
        return await self._all(NodeRef, "unsupported", "unsupportedStrategy", limit, unitId=unit_id)

    async def unsupported_subtrees(
        self, limit: int | None = None, unit_id: str | None = None
    ) -> Listing[UnsupportedSubtree]:
        return await self._all(
            UnsupportedSubtree, "unsupported_subtrees", "unsupportedSubtrees", limit, unitId=unit_id
        )

    async def overlaps(
        self, limit: int | None = None, unit_id: str | None = None
    ) -> Listing[Overlap]:
        return await self._all(Overlap, "overlaps", "ownershipOverlaps", limit, unitId=unit_id)

    async def unit_focus(
        self, min_goals: int = 0, limit: int | None = None, unit_id: str | None = None
    ) -> Listing[UnitFocus]:
        return await self._all(
            UnitFocus, "unit_focus", "unitFocus", limit, minGoals=min_goals, unitId=unit_id
        )

    async def nodes(
        self, unit_id: str | None = None, kind: str | None = None, limit: int | None = None
    ) -> Listing[MapNode]:
        return await self._all(MapNode, "nodes", "nodes", limit, unitId=unit_id, kind=kind)

    async def line_of_sight(
        self, node_id: str | None = None, unit_id: str | None = None, limit: int | None = None
    ) -> list[LineOfSight]:
        """A node's line of sight, or that of every active objective, key result, behaviour and
        initiative of a unit (read slice by slice; with `limit`, the first `limit`)."""
        found: list[LineOfSight] = []
        while limit is None or len(found) < limit:
            data = await self.execute(
                document("line_of_sight"),
                {
                    "nodeId": node_id,
                    "unitId": unit_id,
                    "skip": len(found),
                },
            )
            page = [LineOfSight.model_validate(x) for x in data["lineOfSight"]]
            found += page
            if node_id is not None or not page:
                return found
        return found[:limit]

    async def history(
        self, last: int | None = None, unit_id: str | None = None
    ) -> list[HistoryRecord]:
        """The recorded alignment, oldest first; with `unit_id`, each score is that unit's."""
        data = await self.execute(document("history"), {"last": last, "unitId": unit_id})
        return [HistoryRecord.model_validate(x) for x in data["history"]]


class StratmapClient:
    """The same methods, blocking. One private event loop per client; close() releases it."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._async = AsyncStratmapClient(url, token, timeout, transport)

    @property
    def versions(self) -> set[int]:
        """The versions that answered since this set was last cleared."""
        return self._async.versions

    @property
    def min_version(self) -> int:
        return self._async.min_version

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coro)

    def __enter__(self) -> StratmapClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._loop.is_closed():
            self._run(self._async.aclose())
            self._loop.close()

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._run(self._async.execute(query, variables))

    def alignment(self, unit_id: str | None = None, period: str | None = None) -> Alignment:
        return self._run(self._async.alignment(unit_id, period))

    def gaps(
        self,
        unit_id: str | None = None,
        *,
        middle_management_only: bool = False,
        stranded_first: int | None = None,
        limit: int | None = None,
        focus: bool = False,
    ) -> Listing[Gap]:
        return self._run(
            self._async.gaps(
                unit_id,
                middle_management_only=middle_management_only,
                stranded_first=stranded_first,
                limit=limit,
                focus=focus,
            )
        )

    def orphans(
        self, unit_id: str | None = None, kind: str | None = None, limit: int | None = None
    ) -> Listing[NodeRef]:
        return self._run(self._async.orphans(unit_id, kind, limit))

    def unsupported(self, limit: int | None = None, unit_id: str | None = None) -> Listing[NodeRef]:
        return self._run(self._async.unsupported(limit, unit_id))

    def unsupported_subtrees(
        self, limit: int | None = None, unit_id: str | None = None
    ) -> Listing[UnsupportedSubtree]:
        return self._run(self._async.unsupported_subtrees(limit, unit_id))

    def overlaps(self, limit: int | None = None, unit_id: str | None = None) -> Listing[Overlap]:
        return self._run(self._async.overlaps(limit, unit_id))

    def unit_focus(
        self, min_goals: int = 0, limit: int | None = None, unit_id: str | None = None
    ) -> Listing[UnitFocus]:
        return self._run(self._async.unit_focus(min_goals, limit, unit_id))

    def nodes(
        self, unit_id: str | None = None, kind: str | None = None, limit: int | None = None
    ) -> Listing[MapNode]:
        return self._run(self._async.nodes(unit_id, kind, limit))

    def line_of_sight(
        self, node_id: str | None = None, unit_id: str | None = None, limit: int | None = None
    ) -> list[LineOfSight]:
        return self._run(self._async.line_of_sight(node_id, unit_id, limit))

    def history(self, last: int | None = None, unit_id: str | None = None) -> list[HistoryRecord]:
        return self._run(self._async.history(last, unit_id))
