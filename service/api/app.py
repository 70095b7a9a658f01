"""The ASGI application: /graphql (API and GraphiQL), the web app at / (service.web), /healthz,
/readyz, /static; auth, limits and logs."""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request, cookie_parser
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

try:  # the exception strawberry turns into an HTTP error response; it moved between releases
    from cross_web import HTTPException
except ImportError:  # pragma: no cover - older strawberry
    from strawberry.http.exceptions import HTTPException  # type: ignore[attr-defined,no-redef]

from service.api.context import Context
from service.api.errors import BodyTooLarge
from service.api.graphiql import ASSETS, PAGE
from service.api.schema import build_schema
from service.engine.cache import EngineCache
from service.engine.snapshot import Snapshots
from service.roles import Principal, Role
from service.settings import ApiLimits
from service.store.base import GraphStore
from service.store.tokens import TokenStore
from service.web import COOKIE, Sessions, web_routes

access_log = logging.getLogger("stratmap.access")
NOBODY = Principal("", Role.VIEWER)


class StratmapGraphQL(GraphQL[Context, None]):
    def __init__(self, cache: EngineCache, store: GraphStore, limits: ApiLimits) -> None:
        super().__init__(build_schema(limits), graphql_ide="graphiql", allow_queries_via_get=False)
        self.cache, self.store, self.limits = cache, store, limits

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        # Only POST carries a query and the gate has authenticated it; a GET only fetches the IDE
        # page, so its context gets a principal of no tenant that can read nothing.
        principal = request.scope["state"].get("principal", NOBODY)
        return Context(
            deadline=time.monotonic() + self.limits.request_timeout_seconds,
            principal=principal,
            cache=self.cache,
            store=self.store,
            limits=self.limits,
            request_id=request.scope["state"]["request_id"],
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(PAGE)

    def parse_json(self, data: str | bytes) -> Any:
        # strawberry assumes the JSON body is an object (or a batch list); a bare string, number
        # or null made it fail with a 500, and so did a body nested a hundred thousand deep, one
        # that is not UTF-8, and a lone surrogate (it parses, then no store can encode it).
        # Refuse each as the client error it is.
        try:
            parsed = super().parse_json(data)
        except RecursionError:
            raise HTTPException(400, "the request body is nested too deeply") from None
        except UnicodeDecodeError as exc:
            raise HTTPException(400, f"the request body is not UTF-8 (byte {exc.start})") from None
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "the request body must be a JSON object with a 'query'")
        try:
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise HTTPException(
                400, "the request body holds a lone surrogate (\\ud800-\\udfff): not text"
            ) from None
        return parsed

    def encode_json(self, data: object) -> str | bytes:
        """The answer, unless it is over the response limit: then one error, never a partial
        body (a 361-character query once produced a 1.6 GB response)."""
        body = super().encode_json(data)
        cap = self.limits.max_response_bytes
        size = len(body) if isinstance(body, bytes) or len(body) * 4 <= cap else len(body.encode())
        if size <= cap:
            return body
        message = (
            f"the response would be {size:,} bytes, over the limit of {cap:,} "
            "(STRATMAP_MAX_RESPONSE_BYTES): ask for fewer items or fields"
        )
        return json.dumps({"data": None, "errors": [{"message": message}]})


def _error(status: int, message: str, request_id: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"requestId": request_id}}]},
        status_code=status,
        headers={"X-Request-ID": request_id},
    )


class Gate:
    """Request id, access log, body-size limit and bearer auth, in front of everything."""

    def __init__(
        self,
        app: ASGIApp,
        tokens: TokenStore | None,
        open_tenant: str | None,
        max_body: int,
        sessions: Sessions | None = None,
    ) -> None:
        self.app, self.tokens, self.open_tenant, self.max_body = app, tokens, open_tenant, max_body
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            response = self._refuse(scope, request_id)
            if response is not None:
                await response(scope, receive, send_logged)
            else:
                await self.app(scope, self._limited(receive, request_id), send_logged)
        finally:
            access_log.info(
                json.dumps(
                    {
                        "requestId": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status_holder["status"],
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "tenant": getattr(scope["state"].get("principal"), "tenant", None),
                    }
                )
            )

    def _refuse(self, scope: Scope, request_id: str) -> Response | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return _error(413, f"request body over the limit of {self.max_body} bytes", request_id)
        if self.tokens is None:
            # With auth off, a page on another site could reach a loopback server by DNS rebinding:
            # only requests addressed to a loopback name get through, to the API and the web app.
            host = headers.get("host", "").rsplit(":", 1)[0].strip("[]").lower()
            if host not in ("localhost", "127.0.0.1", "::1"):
                return _error(
                    403,
                    f"auth is off: only requests to localhost are served (Host: {host or '-'})",
                    request_id,
                )
        if not scope["path"].startswith("/graphql") or scope["method"] != "POST":
            return None  # health, static assets, GraphiQL's page and the web app's own gate
        if self.tokens is None:
            scope["state"]["principal"] = Principal(self.open_tenant or "default", Role.ADMIN)
            return None
        auth = headers.get("authorization", "")
        if not auth and self.sessions is not None:
            session_id = cookie_parser(headers.get("cookie", "")).get(COOKIE)
            if session_id is not None:
                return self._session(session_id, headers, scope, request_id)
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(
                401, "missing bearer token: send 'Authorization: Bearer <token>'", request_id
            )
        principal = self.tokens.verify(token.strip())
        if principal is None:
            return _error(401, "unknown or revoked token", request_id)
        scope["state"]["principal"] = principal
        return None

    def _session(
        self, session_id: str, headers: dict[str, str], scope: Scope, request_id: str
    ) -> Response | None:
        """A browser session's request: only with a JSON body and the session's CSRF token in
        X-CSRF-Token, so a form or a script on another site cannot act with the cookie."""
        assert self.sessions is not None
        session = self.sessions.get(session_id)
        if session is None:
            return _error(401, "the session has ended: sign in again", request_id)
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(403, "a session's requests must send JSON", request_id)
        given = headers.get("x-csrf-token", "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, session.csrf.encode()):
            return _error(403, "missing or wrong X-CSRF-Token for this session", request_id)
        scope["state"]["principal"] = session.principal
        return None

    def _limited(self, receive: Receive, request_id: str) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:  # a chunked body that never declared its length
                    raise BodyTooLarge(self.max_body)
            return message

        return wrapped


def create_app(
    store: GraphStore,
    *,
    tokens: TokenStore | None,
    open_tenant: str | None = None,
    limits: ApiLimits | None = None,
    check_interval: float = 2.0,
    snapshots: Snapshots | None = None,
) -> ASGIApp:
    limits = limits or ApiLimits()
    cache = EngineCache(
        store,
        check_interval=check_interval,
        max_wait=limits.request_timeout_seconds,
        snapshots=snapshots,
    )
    graphql = StratmapGraphQL(cache, store, limits)

    async def healthz(request: Request) -> JSONResponse:
        """Liveness: the process answers HTTP (it may still be building its engines)."""
        return JSONResponse(
            {
                "status": "ok",
                "engineBuilds": cache.builds,
                "engineRefreshes": cache.refreshes,
                "snapshotsLoaded": snapshots.loaded if snapshots is not None else 0,
            }
        )

    def tenants_served() -> list[str]:
        return [open_tenant] if tokens is None and open_tenant else store.tenants()

    async def readyz(request: Request) -> JSONResponse:
        """Readiness: every tenant the store holds has an engine that answers at once. Each
        probe also starts any build missing, so a probe never waits on one. No tenant is named
        by the caller: the probe is unauthenticated, and a name it chose would start a build
        and take a place among the cached engines (eight of them evicted a real tenant's)."""
        tenants = await run_in_threadpool(tenants_served)
        waiting = []
        for tenant in tenants:
            if not cache.answering(tenant):
                cache.warm(tenant)
                waiting.append(tenant)
        # counts only: the probe is unauthenticated, and tenant names are not for everyone
        body = {
            "status": "starting" if waiting else "ready",
            "tenants": len(tenants),
            "building": len(waiting),
        }
        return JSONResponse(body, status_code=503 if waiting else 200)

    async def asset(request: Request) -> Response:
        path = ASSETS.get(request.path_params["name"])
        if path is None or not path.exists():
            return JSONResponse(
                {"error": "no such asset (run `make setup` to fetch GraphiQL)"}, status_code=404
            )
        return FileResponse(path)

    async def too_large(request: Request, exc: Exception) -> Response:
        return _error(413, str(exc), request.scope.get("state", {}).get("request_id", "-"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # every tenant's engine starts building now, not on its first read
        for tenant in await run_in_threadpool(tenants_served):
            cache.warm(tenant)
        yield
        cache.close()
        store.close()  # graceful shutdown: in-flight requests are done, now let the store go

    sessions = Sessions(tokens) if tokens is not None else None
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/static/{name}", asset),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *web_routes(cache, store, sessions, open_tenant),
        ],
        exception_handlers={BodyTooLarge: too_large},
        lifespan=lifespan,
    )
    app.state.cache = cache
    return Gate(app, tokens, open_tenant, limits.max_body_bytes, sessions)
