"""The web app on `stratmap serve`: pages rendered on the server from the engine's views (no
second copy of any analysis), offline (no CDN, no script needed to read them).

    /signin, /signout        a token exchanged once for a session (service.web.sessions)
    /                        overview: score, trend, counts, the gaps ranked, with filters
    /gaps/{id}               one gap: why, who can fix it, suggestions, its focused map
    /units/{id}              a manager's line of sight: the unit's work and where it breaks
    /nodes/{id}, /search     a node's parents, children and paths; search by id or title
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from clients.models import Gap as MapGap
from clients.models import HistoryRecord, MapNode
from clients.report import trend
from clients.report.strategy_map import focused, svg
from graph_schema import NodeKind
from service import usecases
from service.engine.cache import EngineCache
from service.engine.engine import Engine
from service.engine.results import Gap, GapReason
from service.errors import UseCaseError
from service.roles import Principal, Role
from service.store.base import GraphStore, StoreBusy
from service.web.sessions import COOKIE, IDLE_SECONDS, Session, Sessions

__all__ = ["web_routes"]

PAGE = 100  # gaps an overview lists, stranded nodes a gap page names
STATIC = Path(__file__).resolve().parent / "static"
# every page: its own scripts and styles only, never framed, forms posted here only
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'",
    "Referrer-Policy": "same-origin",
}
CROSS_SITE = "Refused: this form was posted from another site."
# what ?error= may say on a gap page: codes, never text from the link
ERRORS = {
    "stale": "That suggestion is no longer offered: the gap changed. Here is what it is now.",
    "busy": "The organisation is busy with another write: try again.",
    "refused": "The link was refused by the level rules or the data; nothing was written.",
}
FOCUS_ABOVE, FOCUS_STRANDED = 20, 40  # what a focused map draws (as the report's)

_env = Environment(
    loader=PackageLoader("service.web", "templates"),
    autoescape=select_autoescape(["j2", "html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
Handler = Callable[[Request, Session | None, Principal], Awaitable[Response]]


def _same_site(request: Request) -> bool:
    """A form post from this site (or typed by hand), never from another: browsers say where
    a request comes from (Sec-Fetch-Site, else Origin); a client that says nothing is no
    browser another site could drive."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == f"{request.url.scheme}://{request.url.netloc}"
    return True


def _csrf_ok(form_value: object, session: Session | None) -> bool:
    if session is None:
        return True  # auth off: loopback only, and _same_site guards every post
    given = str(form_value or "").encode("utf-8", "replace")
    return hmac.compare_digest(given, session.csrf.encode())


def _offset(request: Request, total: int) -> int:
    """The ?start= of a paged list, within it (0 for anything else)."""
    raw = request.query_params.get("start", "0")
    start = int(raw) if raw.isdigit() else 0
    return start if start < total else 0


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def map_node(e: Engine, i: int) -> MapNode:
    """Node `i` as the strategy map draws it (the report's renderer, clients.report)."""
    v = e.node(i)
    return MapNode.model_validate(
        {
            "id": v.id,
            "kind": v.kind.value,
            "title": v.title,
            "status": v.status.value,
            "traced": v.traced,
            "level": v.level,
            "parents": [
                {"id": p.id, "weight": p.weight, "valid": p.valid, "dangling": p.dangling}
                for p in e.parent_links(i)
            ],
        }
    )


def focused_map(e: Engine, gap: Gap, name: str) -> Markup:
    model = MapGap.model_validate(
        {
            "reason": gap.reason.value,
            "cause": e.cause(gap),
            "danglingRefs": list(gap.dangling_refs),
            "strandedNodes": len(gap.stranded),
            "strandedWork": gap.stranded_work,
            "middleManagement": gap.middle_management,
            "breakPoint": map_node(e, gap.break_point).model_dump(by_alias=True),
            "members": [{"id": e.node(m).id} for m in gap.members],
            "inactiveParents": [{"id": e.node(p).id} for p in gap.inactive_parents],
            "stranded": [
                map_node(e, s).model_dump(by_alias=True)
                for s in e.stranded_nearest(gap)[:FOCUS_STRANDED]
            ],
            "above": [
                map_node(e, a).model_dump(by_alias=True)
                for a in e.above(gap.break_point, FOCUS_ABOVE)
            ],
        }
    )
    return Markup(svg(focused(model), name, "focused map of this gap"))


def _history(store: GraphStore, tenant: str, unit: str | None) -> list[HistoryRecord]:
    """The recorded points, as the report's trend charts read them."""
    out = []
    for row in store.history(tenant, 60):
        units = usecases.recorded_scores(row)
        out.append(
            HistoryRecord.model_validate(
                {
                    "seq": row["seq"],
                    "at": row["at"],
                    "label": row["label"],
                    "version": row["version"],
                    "score": row["score"] if unit is None else units.get(unit),
                    "counts": row.get("counts", {}),
                    "byGoal": [
                        {"goalId": x["goal"], "title": x.get("title"), "share": x.get("share")}
                        for x in row.get("byGoal", [])
                    ],
                    "byUnit": [{"unitId": u, "score": s} for u, s in units.items()],
                }
            )
        )
    return out


def _trend(history: list[HistoryRecord], ident: str, title: str, goals: bool) -> list[Markup]:
    if len(history) < 2:
        return []
    dates = [h.at for h in history]
    charts = [trend.chart(ident, title, dates, [trend.Series("score", [h.score for h in history])])]
    if goals and (per_goal := trend.by_goal(history)):
        charts.append(trend.chart(f"{ident}-goals", "Each goal's share", dates, per_goal))
    return charts


def _secured(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


def web_routes(
    cache: EngineCache, store: GraphStore, sessions: Sessions | None, open_tenant: str | None
) -> list[Route]:
    """The app's routes. `sessions` None: auth is off, every page serves `open_tenant` (the
    loopback-only mode of `serve --no-auth`) and shows its write controls."""

    def render(template: str, session: Session | None, principal: Principal, **values: Any) -> str:
        return _env.get_template(template).render(
            session=session,
            principal=principal,
            can_edit=principal.role.allows(Role.EDITOR),
            csrf=session.csrf if session else "",
            sentence=_sentence,
            **values,
        )

    def engine(session: Session | None, principal: Principal, period: str | None = None) -> Engine:
        min_version = session.min_version if session else 0
        subject = principal.subject
        served = cache.get(principal.tenant, period, min_version=min_version, subject=subject)
        return served.engine

    def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """Signed in, or off to /signin; every answer is private and never framed."""

        async def run(request: Request) -> Response:
            if request.method == "POST" and not _same_site(request):
                return _secured(
                    HTMLResponse("Refused: this form was posted from another site.", 403)
                )
            if sessions is None:
                session, principal = None, Principal(open_tenant or "default", Role.ADMIN)
            else:
                found = await run_in_threadpool(sessions.get, request.cookies.get(COOKIE))
                if found is None:
                    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return _secured(RedirectResponse(f"/signin?next={quote(back)}", 303))
                session, principal = found, found.principal
            return _secured(await handler(request, session, principal))

        return run

    # -- signing in and out --------------------------------------------------------------------

    async def signin(request: Request) -> Response:
        if sessions is None:
            return _secured(RedirectResponse("/", status_code=303))
        if request.method == "POST" and not _same_site(request):  # no signing anyone in to ours
            return _secured(HTMLResponse(CROSS_SITE, 403))
        next_path = request.query_params.get("next", "/")
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/"  # never a redirect off this site
        error = None
        if request.method == "POST":
            form = await request.form()
            token = str(form.get("token", ""))
            session = await run_in_threadpool(sessions.open, token) if token.strip() else None
            if session is not None:
                if (old := request.cookies.get(COOKIE)) is not None:
                    sessions.close(old)  # signing in again ends the session it replaces
                response = RedirectResponse(next_path, status_code=303)
                # no max_age: the browser forgets it when it closes; the server ends it after
                # IDLE_SECONDS without use (an absolute cookie lifetime would cut active users)
                response.set_cookie(
                    COOKIE,
                    session.id,
                    httponly=True,
                    samesite="strict",
                    secure=request.url.scheme == "https",
                )
                return _secured(response)
            error = "That token is unknown, revoked or expired."
        body = _env.get_template("signin.html.j2").render(
            error=error, next=next_path, idle_hours=IDLE_SECONDS // 3600
        )
        return _secured(HTMLResponse(body, status_code=401 if error else 200))

    async def signout(request: Request) -> Response:
        if sessions is not None:
            if not _same_site(request):
                return _secured(HTMLResponse(CROSS_SITE, 403))
            session = await run_in_threadpool(sessions.get, request.cookies.get(COOKIE))
            form = await request.form()
            if session is not None:
                if not _csrf_ok(form.get("csrf"), session):
                    return _secured(HTMLResponse("This form is stale: reload the page.", 403))
                sessions.close(session.id)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE)
        return _secured(response)

    # -- the pages -----------------------------------------------------------------------------

    async def overview(request: Request, session: Session | None, p: Principal) -> Response:
        q = request.query_params
        unit, reason, kind = q.get("unit") or None, q.get("reason") or None, q.get("kind") or None
        e = await run_in_threadpool(engine, session, p)
        periods = e.periods()
        period = q.get("period") or None
        if period is not None and period not in periods:
            period = None  # the select offers only the periods there are
        if period is not None:  # every analysis of that period: its own engine
            e = await run_in_threadpool(engine, session, p, period)
        units = e.units_below(unit) if unit and e.has_unit(unit) else None
        gaps = [
            gap
            for gap in e.gaps
            if (units is None or e.node(gap.break_point).unit in units)
            and (reason is None or gap.reason.value == reason)
            and (kind is None or e.kind_at(gap.break_point).value == kind)
        ]
        history = await run_in_threadpool(_history, store, p.tenant, None)
        body = render(
            "overview.html.j2",
            session,
            p,
            e=e,
            score=e.score,
            overall=e.overall,
            counts=e.counts(units),
            gaps=[(gap, e.node(gap.break_point), e.cause(gap)) for gap in gaps[:PAGE]],
            total=len(gaps),
            units=sorted(e.by_unit),
            reasons=[r.value for r in GapReason],
            kinds=[k.value for k in NodeKind],
            chosen={"unit": unit, "reason": reason, "kind": kind, "period": period},
            periods=periods,
            trends=_trend(history, "trend", "Alignment score over time", goals=True),
            by_goal=[(e.node(goal), w, share) for goal, w, share in e.by_goal],
        )
        return HTMLResponse(body)

    def _gap_of(e: Engine, node_id: str) -> Gap | None:
        i = e.find_index(node_id)
        return (
            next((gap for gap in e.gaps if gap.break_point == i), None) if i is not None else None
        )

    async def gap_page(request: Request, session: Session | None, p: Principal) -> Response:
        e = await run_in_threadpool(engine, session, p)
        node_id = request.path_params["node_id"]
        gap = _gap_of(e, node_id)
        if gap is None:
            i = e.find_index(node_id)
            body = render(
                "closed.html.j2",
                session,
                p,
                node_id=node_id,
                node=e.node(i) if i is not None else None,
            )
            return HTMLResponse(body, status_code=200 if i is not None else 404)
        fixer = e.fixer(gap)
        body = render(
            "gap.html.j2",
            session,
            p,
            gap=gap,
            node=e.node(gap.break_point),
            why=e.cause(gap),
            fixer=e.people.get(fixer) if fixer else None,
            fixer_id=fixer,
            suggestions=[e.node(s) for s in e.suggested_parents(gap)],
            stranded=[e.node(s) for s in gap.stranded[:PAGE]],
            focused_map=await run_in_threadpool(focused_map, e, gap, "focused-map"),
            people=e.people,
            error=ERRORS.get(request.query_params.get("error", "")),
        )
        return HTMLResponse(body)

    async def accept(request: Request, session: Session | None, p: Principal) -> Response:
        """Accept a suggested parent: one `link`, as the API's mutation makes it."""
        form = await request.form()
        node_id = request.path_params["node_id"]
        back = f"/gaps/{quote(node_id)}"
        if not _csrf_ok(form.get("csrf"), session):
            return HTMLResponse("This form is stale: reload the page and try again.", 403)
        if not p.role.allows(Role.EDITOR):
            return HTMLResponse("Accepting a suggestion needs the editor role.", 403)
        e = await run_in_threadpool(engine, session, p)
        gap = _gap_of(e, node_id)
        parent = str(form.get("parent", ""))
        if gap is None or parent not in e.suggested_parent_ids(gap):
            return RedirectResponse(f"{back}?error=stale", status_code=303)
        actor = f"web session of api token {p.subject} ({p.role.value})"
        try:
            result = await run_in_threadpool(
                usecases.link, store, p.tenant, node_id, parent, 1.0, actor=actor
            )
        except StoreBusy:
            return RedirectResponse(f"{back}?error=busy", status_code=303)
        except UseCaseError:
            return RedirectResponse(f"{back}?error=refused", status_code=303)
        if result.changed:
            await run_in_threadpool(cache.wrote, p.tenant, result.version, p.subject, result.delta)
            if session is not None:
                session.min_version = max(session.min_version, result.version)
        return RedirectResponse(f"{back}?accepted={quote(parent)}", status_code=303)

    async def unit_page(request: Request, session: Session | None, p: Principal) -> Response:
        e = await run_in_threadpool(engine, session, p)
        unit_id = request.path_params["unit_id"]
        if not e.has_unit(unit_id):
            return HTMLResponse(render("missing.html.j2", session, p, what=f"unit {unit_id}"), 404)
        work = e.unit_work(unit_id)
        # a page of the unit's work at a time: a top unit of a large organisation holds all of
        # it, and each row is a line of sight
        start = _offset(request, len(work))
        rows = []
        for i in work[start : start + PAGE]:
            los = e.line_of_sight_at(i, 1)
            chain = [e.node(s) for s in los.paths[0].steps[1:]] if los.paths else []
            breaks = [(e.node(c.gap.break_point).id, e.cause(c.gap)) for c in los.gaps]
            rows.append((e.node(i), los.traced, chain, breaks))
        focus = next((f for f in e.unit_focus if f.unit == unit_id), None)
        history = await run_in_threadpool(_history, store, p.tenant, unit_id)
        body = render(
            "unit.html.j2",
            session,
            p,
            unit_id=unit_id,
            name=u.name if (u := e.units.get(unit_id)) else unit_id,
            score=e.by_unit.get(unit_id),
            rows=rows,
            start=start,
            total=len(work),
            page_size=PAGE,
            focus=focus,
            goal_titles={i: e.node(i).title for f in [focus] if f for i, _ in f.goals},
            trends=_trend(history, "unit-trend", f"The score of {unit_id} over time", goals=False),
        )
        return HTMLResponse(body)

    async def node_page(request: Request, session: Session | None, p: Principal) -> Response:
        e = await run_in_threadpool(engine, session, p)
        node_id = request.path_params["node_id"]
        i = e.find_index(node_id)
        if i is None:
            return HTMLResponse(render("missing.html.j2", session, p, what=f"node {node_id}"), 404)
        los = e.line_of_sight_at(i)
        body = render(
            "node.html.j2",
            session,
            p,
            node=e.node(i),
            parents=[
                (link, e.node(link.index) if link.index is not None else None)
                for link in e.parent_links(i)
            ],
            children=[e.node(c) for c in e.children_of(i)[:PAGE]],
            children_total=len(e.children_of(i)),
            paths=[(path.strength, [e.node(s) for s in path.steps[1:]]) for path in los.paths],
            truncated=los.truncated,
            breaks=[(e.node(c.gap.break_point).id, e.cause(c.gap)) for c in los.gaps],
            gap=_gap_of(e, node_id),
        )
        return HTMLResponse(body)

    async def search(request: Request, session: Session | None, p: Principal) -> Response:
        e = await run_in_threadpool(engine, session, p)
        text = request.query_params.get("q", "").strip()
        exact = e.find_index(text) if text else None
        if exact is not None:
            return RedirectResponse(f"/nodes/{quote(text)}", status_code=303)
        found = e.find(search=text)[:PAGE] if text else []
        body = render("search.html.j2", session, p, q=text, found=[e.node(i) for i in found])
        return HTMLResponse(body)

    async def script(request: Request) -> Response:
        return _secured(FileResponse(STATIC / "zoom.js", media_type="text/javascript"))

    return [
        Route("/web/zoom.js", script),
        Route("/signin", signin, methods=["GET", "POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/", page(overview)),
        Route("/gaps/{node_id:path}/accept", page(accept), methods=["POST"]),
        Route("/gaps/{node_id:path}", page(gap_page)),
        Route("/units/{unit_id:path}", page(unit_page)),
        Route("/nodes/{node_id:path}", page(node_page)),
        Route("/search", page(search)),
    ]
