"""The alignment over time as static SVG line charts: axes, gridlines, a point per record with
its value, dates on the time axis, and a legend; one line per series (the score, each goal's
share of the traced work, each unit's score). Records are spaced evenly, in the order kept."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from clients.models import HistoryRecord

__all__ = ["Series", "by_goal", "by_unit", "chart", "moment"]

WIDTH, HEIGHT = 820, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 250, 40, 46  # room for the title, the axis labels, the legend
PALETTE = ("#1f5f99", "#b3541e", "#2e7d32", "#7b1fa2", "#00838f", "#ad1457", "#5d4037", "#455a64")
MAX_LINES = 8  # series a chart draws; the legend says how many were left out
TICKS = 6  # dates the time axis names at most


@dataclass
class Series:
    name: str
    values: list[float | None]  # one per record, between 0 and 1; None where not recorded


def moment(at: str) -> str:
    """A recorded time as people read it: 3 Dec 2026 06:31 (UTC)."""
    try:
        t = datetime.fromisoformat(at)
    except ValueError:
        return at
    return f"{t.day} {t:%b %Y %H:%M}"


def by_goal(history: list[HistoryRecord]) -> list[Series]:
    """Each goal's share of the traced work, record by record, the largest last first."""
    names: dict[str, str] = {}
    for h in history:
        for g in h.by_goal:
            names.setdefault(g.goal_id, g.title or g.goal_id)
    series = [
        Series(
            names[goal],
            [next((g.share for g in h.by_goal if g.goal_id == goal), None) for h in history],
        )
        for goal in names
    ]
    return sorted(series, key=lambda s: -(s.values[-1] or 0.0) if s.values else 0.0)


def by_unit(history: list[HistoryRecord], units: list[tuple[str, str]]) -> list[Series]:
    """These units' recorded scores (unit id, name), record by record."""
    return [
        Series(
            name, [next((u.score for u in h.by_unit if u.unit_id == uid), None) for h in history]
        )
        for uid, name in units
    ]


def _x(i: int, n: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner / 2 if n == 1 else inner * i / (n - 1))


def _y(v: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(max(v, 0.0), 1.0))


def _text(s: str) -> str:
    return html.escape(s, quote=True)


def chart(ident: str, title: str, dates: list[str], series: list[Series]) -> Markup:
    """One chart: `dates` label the records, each series draws a line of points."""
    n = len(dates)
    out = [
        f'<svg id="{ident}" class="trend" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_text(title)}">',
        f"<title>{_text(title)}</title>",
        f'<text class="chart-title" x="{LEFT}" y="18">{_text(title)}</text>',
    ]
    for pct in (0, 25, 50, 75, 100):  # the value axis, with its gridlines
        y = _y(pct / 100)
        out.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>'
        )
    out.append(
        f'<line class="axis-line" x1="{LEFT}" y1="{_y(0):.1f}" x2="{WIDTH - RIGHT}" '
        f'y2="{_y(0):.1f}"/>'
    )
    step = max(1, -(-n // TICKS))
    for i in sorted({*range(0, n, step), n - 1}):  # the time axis: the first, the last, between
        x = _x(i, n)
        out.append(
            f'<text class="axis date" x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle">{_text(moment(dates[i]))}</text>'
        )
    shown = series[:MAX_LINES]
    for k, s in enumerate(shown):
        colour = PALETTE[k % len(PALETTE)]
        points = [(i, v) for i, v in enumerate(s.values) if v is not None]
        runs: list[list[tuple[int, float]]] = []
        for i, v in points:  # a record without the value breaks the line
            if runs and runs[-1][-1][0] == i - 1:
                runs[-1].append((i, v))
            else:
                runs.append([(i, v)])
        for run in runs:
            coords = " ".join(f"{_x(i, n):.1f},{_y(v):.1f}" for i, v in run)
            out.append(f'<polyline class="line" stroke="{colour}" points="{coords}"/>')
        label_all = len(points) <= 10
        for j, (i, v) in enumerate(points):
            x, y = _x(i, n), _y(v)
            out.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{_text(s.name)}: {v * 100:.1f}% ({_text(moment(dates[i]))})</title>"
                "</circle>"
            )
            if k == 0 and (label_all or j in (0, len(points) - 1)):
                out.append(
                    f'<text class="value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" '
                    f'fill="{colour}">{v * 100:.1f}%</text>'
                )
        name = s.name if len(s.name) <= 28 else s.name[:27] + "…"
        ly = TOP + 6 + k * 20
        out.append(
            f'<line x1="{WIDTH - RIGHT + 14}" y1="{ly}" x2="{WIDTH - RIGHT + 34}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text class="legend" x="{WIDTH - RIGHT + 40}" y="{ly + 4}">'
            f"<title>{_text(s.name)}</title>{_text(name)}</text>"
        )
    if len(series) > len(shown):
        out.append(
            f'<text class="legend" x="{WIDTH - RIGHT + 14}" y="{TOP + 6 + len(shown) * 20 + 4}">'
            f"+{len(series) - len(shown)} more not drawn</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))
