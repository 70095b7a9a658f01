"""Render a report as html (self-contained), md (with Mermaid), csv (one row a finding) or json."""

from __future__ import annotations

import csv
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from clients.models import Gap
from clients.report import trend
from clients.report.data import STRANDED_SHOWN, ReportData
from clients.report.strategy_map import focused, svg, whole
from clients.report.trend import Series

__all__ = ["FORMATS", "render"]

FORMATS = ("html", "md", "csv", "json")
COUNT_LABELS = [
    ("alignment gaps", "gaps"),
    ("middle-management gaps", "middleManagementGaps"),
    ("orphaned initiatives", "orphanedInitiatives"),
    ("unsupported strategy", "unsupported"),
    ("ownership overlaps", "ownershipOverlaps"),
    ("units pulled apart", "pulledUnits"),
    ("stranded nodes", "stranded"),
    ("unowned", "unowned"),
]
_env = Environment(
    loader=PackageLoader("clients.report", "templates"),
    autoescape=select_autoescape(["j2", "html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def pct(score: float | None) -> str:
    return "n/a" if score is None else f"{score * 100:.1f}%"


def num(value: float) -> str:
    return f"{value:g}"


def _trends(d: ReportData) -> list[Markup]:
    """The score over time, each goal's share of the traced work, and the units' scores."""
    if len(d.history) < 2:
        return []
    dates = [h.at for h in d.history]
    whose = f"unit {d.unit}" if d.unit else "the organisation"
    charts = [
        trend.chart(
            "trend-score",
            f"Alignment score over time ({whose})",
            dates,
            [Series("alignment score", [h.score for h in d.history])],
        )
    ]
    goals = trend.by_goal(d.history)
    if goals and d.unit is None:
        charts.append(trend.chart("trend-goals", "Each goal's share of traced work", dates, goals))
    # the units below the report's scope with the most work (the scope's own line is above)
    below = [u for u in d.alignment.by_unit if u.unit.id != d.unit and u.work < d.alignment.work]
    units = sorted(below, key=lambda u: -u.work)[: trend.MAX_LINES]
    lines = trend.by_unit(d.history, [(u.unit.id, u.unit.name or u.unit.id) for u in units])
    if any(v is not None for s in lines for v in s.values):
        charts.append(trend.chart("trend-units", "Each unit's score", dates, lines))
    return charts


def _no_initiatives(d: ReportData) -> bool:
    """The organisation (or unit) holds no active initiative: every strategy node is then
    unsupported, and listing them one by one says nothing."""
    initiatives = d.alignment.counts.get("byKind", {}).get("Initiative", {})
    return bool(d.unsupported) and initiatives.get("active") == 0


def why(gap: Gap) -> str:
    """A gap's cause as a sentence."""
    text = gap.cause
    return text[:1].upper() + text[1:] + "."


def html(d: ReportData) -> str:
    """The page, with the strategy map and a focused map of each gap laid out by Graphviz
    (MapUnavailable when its `dot` is missing)."""
    strategy_map = whole(d.nodes, d.gaps, complete=len(d.nodes) >= d.map_nodes)
    # one dot process a map, and a page draws fifty: they run side by side
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        focused_maps = list(
            pool.map(
                lambda ig: svg(focused(ig[1]), f"gap-{ig[0]}-map", f"focused map of gap {ig[0]}"),
                enumerate(d.gaps, start=1),
            )
        )
    return _env.get_template("report.html.j2").render(
        d=d,
        m=strategy_map,
        map_svg=Markup(svg(strategy_map, "strategy-map")),
        focused_maps=[Markup(f) for f in focused_maps],
        why=why,
        stranded_shown=STRANDED_SHOWN,
        pct=pct,
        num=num,
        trend=d.trend(),
        count_labels=COUNT_LABELS,
        trends=_trends(d),
        no_initiatives=_no_initiatives(d),
        moment=trend.moment,
    )


_CONTROL = {i: " " for i in range(32)}
_MD_SPECIAL = set("\\`*_[]()|!~")


def _md(text: object) -> str:
    """Any text from the graph, made inert in Markdown: no markup, HTML, table or line breaks."""
    flat = str(text).translate(_CONTROL)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in flat)


def _mermaid(text: object) -> str:
    """Text inside a quoted Mermaid label: entities for everything that could end or mark it up."""
    flat = str(text).translate(_CONTROL).replace("#", "#35;")
    for char, entity in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;")):
        flat = flat.replace(char, entity)
    return flat


def markdown(d: ReportData, top: int = 10) -> str:
    a = d.alignment
    out = [
        f"# Alignment report{f' for {_md(d.unit)}' if d.unit else ''}",
        "",
        f"From {_md(d.source)}, version {a.version}, generated {_md(d.generated_at)}.",
        "",
        f"**Alignment: {pct(a.score)}** of active work "
        f"({num(a.traced_work)} of {num(a.work)}) traces to the vision.",
    ]
    if (change := d.trend()) is not None:
        out.append(
            f"Trend: {change:+.1f} points since {_md(trend.moment(d.history[0].at))} "
            f"({len(d.history)} records)."
        )
    out += [
        "",
        "| " + " | ".join(label for label, _ in COUNT_LABELS) + " |",
        "|" + "---|" * len(COUNT_LABELS),
        "| " + " | ".join(str(a.counts[k]) for _, k in COUNT_LABELS) + " |",
        "",
        f"## Disconnected objectives: alignment gaps ({d.shown('gaps')})",
        "",
        "MM = middle-management gap: a department or team objective that no longer traces "
        "to strategy.",
        "",
    ]
    if d.gaps:
        out += [
            "| # | break point | why | who can fix it | unit | stranded work "
            "| stranded behind it |",
            "|---|---|---|---|---|---|---|",
        ]
        for i, g in enumerate(d.gaps, start=1):
            stranded = (
                ", ".join(f"{_md(s.title)} ({_md(s.id)})" for s in g.stranded) or "nothing below"
            )
            out.append(
                f"| {i} | {'**MM** ' if g.middle_management else ''}"
                f"{_md(g.break_point.title)} ({_md(g.break_point.id)}) "
                f"| {g.reason}: {_md(g.cause)} "
                f"| {_md(g.fixed_by.name or g.fixed_by.id) if g.fixed_by else '—'} "
                f"| {_md(g.unit.id) if g.unit else '—'} "
                f"| {num(g.stranded_work)} | {stranded} |"
            )
        out += ["", "```mermaid", "graph BT"]
        for i, g in enumerate(d.gaps[:top]):
            out.append(
                f'  g{i}["{_mermaid(g.break_point.kind)} {_mermaid(g.break_point.id)}: '
                f"{_mermaid(g.break_point.title)}"
                f'<br/>{g.reason}"]:::gap'
            )
            for j, s in enumerate(g.stranded[:8]):
                out.append(
                    f'  g{i}s{j}["{_mermaid(s.id)}: {_mermaid(s.title)}"]:::stranded --> g{i}'
                )
            if len(g.stranded) > 8 or g.stranded_nodes > len(g.stranded):
                out.append(
                    f'  g{i}more["+{g.stranded_nodes - min(len(g.stranded), 8)} more"]'
                    f":::stranded --> g{i}"
                )
        out += [
            "  classDef gap fill:#fdecea,stroke:#c62828,stroke-width:3px",
            "  classDef stranded fill:#fff,stroke:#c62828,stroke-dasharray:3 3",
            "```",
        ]
    out += ["", f"## Orphaned initiatives ({d.shown('orphaned_initiatives')})", ""]
    for unit, items in d.orphans_by_unit():
        out.append(
            f"- **{_md(unit)}**: " + ", ".join(f"{_md(n.title)} ({_md(n.id)})" for n in items)
        )
    out += ["", f"## Strategy that nothing executes ({d.shown('unsupported')})", ""]
    if _no_initiatives(d):
        out.append(
            "This organisation holds no initiatives at all, so nothing executes any of its "
            "strategy: import its work to see which has none (CSV and JSON list them)."
        )
    elif d.unsupported_subtrees:
        out += [
            f"- {t.top.kind}: {_md(t.top.title)} ({_md(t.top.id)})"
            + (f" and {t.below} below it" if t.below else "")
            for t in d.unsupported_subtrees
        ]
    else:
        out += [f"- {n.kind}: {_md(n.title)} ({_md(n.id)})" for n in d.unsupported]
    out += ["", f"## Ownership overlaps ({d.shown('overlaps')})", ""]
    out += [
        f"- {o.type}: "
        + ", ".join(f"{_md(n.title)} ({_md(n.id)})" for n in o.nodes)
        + f" — units {', '.join(_md(u.id) for u in o.units)}"
        for o in d.overlaps
    ]
    out += ["", f"## Units pulled in several directions ({d.shown('pulled_units')})", ""]
    out += [
        f"- **{_md(f.unit.name or f.unit.id)}**: focus {f.focus:.2f}; "
        + ", ".join(f"{_md(g.goal.title or g.goal.id)} {g.share * 100:.0f}%" for g in f.goals)
        for f in d.pulled_units
        if f.focus is not None
    ]
    return "\n".join(out) + "\n"


def _safe(cell: object) -> str:
    """Spreadsheets run cells that start with = + - @ (or tab/CR) as formulas: defuse them."""
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(d: ReportData) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "finding",
            "id",
            "kind",
            "title",
            "reason",
            "middle_management",
            "unit",
            "owner",
            "stranded_nodes",
            "stranded_work",
            "detail",
        ]
    )

    def row(*cells: object) -> None:
        w.writerow([_safe(c) for c in cells])

    for g in d.gaps:
        row(
            "alignment_gap",
            g.break_point.id,
            g.break_point.kind,
            g.break_point.title,
            g.reason,
            g.middle_management,
            g.unit.id if g.unit else "",
            g.owner.id if g.owner else "",
            g.stranded_nodes,
            g.stranded_work,
            "; ".join(s.id for s in g.stranded),
        )
    for n in d.orphaned_initiatives:
        row(
            "orphaned_initiative",
            n.id,
            n.kind,
            n.title,
            "UNLINKED",
            "",
            n.unit.id if n.unit else "",
            n.owner.id if n.owner else "",
            "",
            "",
            "",
        )
    for n in d.unsupported:
        row(
            "unsupported_strategy",
            n.id,
            n.kind,
            n.title,
            "",
            "",
            n.unit.id if n.unit else "",
            n.owner.id if n.owner else "",
            "",
            "",
            "",
        )
    for o in d.overlaps:
        row(
            "ownership_overlap",
            ";".join(n.id for n in o.nodes),
            o.nodes[0].kind,
            " / ".join(n.title for n in o.nodes),
            o.type,
            "",
            ";".join(u.id for u in o.units),
            "",
            "",
            "",
            o.similarity or "",
        )
    for f in d.pulled_units:
        row(
            "pulled_unit",
            f.unit.id,
            "Unit",
            f.unit.name or f.unit.id,
            "",
            "",
            f.unit.id,
            "",
            "",
            f.traced_work,
            "; ".join(f"{g.goal.id}={g.share:.2f}" for g in f.goals),
        )
    return buf.getvalue()


def json_report(d: ReportData) -> str:
    return json.dumps(d.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"


def render(d: ReportData, fmt: str) -> str:
    return {"html": html, "md": markdown, "csv": csv_rows, "json": json_report}[fmt](d)
