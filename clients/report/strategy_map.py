"""The strategy map: which boxes the report draws and why they look as they do, laid out by
Graphviz's `dot` as static SVG (prints, needs no script).

Rows are not kinds: dot puts every box below all of its parents, so an objective that hangs under
a key result sits under it. Traced boxes are calm; a break point is red, says BREAK and why; what
is stranded below it is red and says NOT TRACED; a parent that does not exist is a dashed
placeholder. Beyond MAX_NODES boxes, traced work folds into "N traced ..." boxes under its parent
(initiatives first, then key results and behaviours, then objectives), so what is broken stays
drawn one by one. A focused map draws one gap: the chain above its break point, the break, and
what is stranded below it, nothing else.
"""

from __future__ import annotations

import html
import itertools
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

import graphviz

from clients.errors import MapUnavailable
from clients.models import Gap, MapNode

__all__ = ["MAX_NODES", "Box", "StrategyMap", "focused", "svg", "whole"]

MAX_NODES = 300
# what folds first, then next: the fold's name and the kinds it counts
FOLDS = (
    ("initiatives", {"Initiative"}),
    ("key results and behaviours", {"KeyResult", "Behaviour"}),
    ("objectives", {"Objective"}),
)
WRAP = 26  # characters a title line holds (at 14 pt, boxes about 190 pt wide)
FONT = "DejaVu Sans"  # Graphviz measures the text in it; the page names the same font
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Box:
    id: str
    kind: str
    title: str
    # traced | disconnected | break | inactive | folded | stranded (a count) | missing
    state: str
    parents: list[tuple[str, bool]] = field(default_factory=list)  # (id, link valid)
    note: str | None = None  # why the chain breaks here, on a break point
    count: int = 1  # > 1 for a folded box


@dataclass
class StrategyMap:
    boxes: list[Box]
    folded: int = 0  # how many nodes were folded into count boxes
    gaps_drawn: int = 0  # gaps whose break point the map draws
    gaps_left: int = 0  # gaps left out to keep the map under MAX_NODES
    hidden: int = 0  # boxes left out when folding could not keep the map under MAX_NODES

    def edges(self) -> list[tuple[Box, Box, str]]:
        """(child, parent, style) for every link between two drawn boxes: style is traced,
        broken (the child is not traced), invalid (the link breaks the level rules) or
        missing (to a placeholder)."""
        by_id = {b.id: b for b in self.boxes}
        out = []
        for b in self.boxes:
            for parent, valid in b.parents:
                above = by_id.get(parent)
                if above is None:
                    continue
                if above.state == "missing":
                    style = "missing"
                elif not valid:
                    style = "invalid"
                elif b.state in ("disconnected", "break", "inactive", "stranded"):
                    style = "broken"
                else:
                    style = "traced"
                out.append((b, above, style))
        return out


def _box(n: MapNode, notes: dict[str, str]) -> Box:
    if n.id in notes:
        state = "break"
    elif n.status != "active":
        state = "inactive"
    else:
        state = "traced" if n.traced else "disconnected"
    return Box(
        n.id,
        n.kind,
        n.title,
        state,
        parents=[(p.id, p.valid) for p in n.parents],
        note=notes.get(n.id),
    )


def _placeholders(boxes: dict[str, Box], nodes: Iterable[MapNode]) -> None:
    """A dashed box for each parent id that names no node, so the break shows where it is."""
    for n in nodes:
        for p in n.parents:
            if p.dangling and p.id not in boxes:
                boxes[p.id] = Box(p.id, "missing", "no such node", "missing")


def _fold(boxes: dict[str, Box], limit: int) -> int:
    """Fold traced boxes into counts under their first valid parent until at most `limit`
    remain (or nothing traced is left to fold); what is broken never folds."""
    folded = 0
    for name, kinds in FOLDS:
        if len(boxes) <= limit:
            break
        counts: dict[str, int] = {}
        for b in list(boxes.values()):
            valid = [p for p, ok in b.parents if ok and p in boxes]
            if b.kind in kinds and b.state == "traced" and valid:
                del boxes[b.id]
                counts[valid[0]] = counts.get(valid[0], 0) + 1
        for parent, count in counts.items():
            fid = f"{parent}::{name}"
            boxes[fid] = Box(
                fid, "folded", f"{count} traced {name}", "folded", [(parent, True)], count=count
            )
            folded += count
    return folded


def whole(nodes: list[MapNode], gaps: list[Gap], complete: bool) -> StrategyMap:
    """The organisation's map. `complete`: `nodes` is every node; otherwise it is the top of the
    cascade, and each gap brings its break point and the chain above it, with what is stranded
    below folded into a count."""
    notes = {g.break_point.id: g.cause for g in gaps}
    inactive_parents = {p.id for g in gaps for p in g.inactive_parents}
    pool = {n.id: n for n in nodes if n.status == "active" or n.id in inactive_parents}
    drawn, left = len(gaps), 0
    if not complete:
        drawn = 0
        for g in gaps:
            chain = [g.break_point, *g.above]
            new = [n for n in chain if n.id not in pool]
            if len(pool) + len(new) + 2 > MAX_NODES:
                left = len(gaps) - drawn
                break
            pool.update((n.id, n) for n in new)
            drawn += 1
    boxes = {n.id: _box(n, notes) for n in pool.values()}
    _placeholders(boxes, pool.values())
    folded = _fold(boxes, MAX_NODES)
    if not complete:
        for g in gaps[:drawn]:
            _stranded_count(boxes, g.break_point.id, g.stranded_nodes)
    kept = _cap(list(boxes.values()))
    return StrategyMap(kept, folded, drawn, left, hidden=len(boxes) - len(kept))


_FIRST = {"break": 0, "missing": 2, "stranded": 3, "disconnected": 4, "inactive": 5}


def _cap(boxes: list[Box]) -> list[Box]:
    """At most MAX_NODES boxes for dot, when folding traced work was not enough (an organisation
    of broken work): break points and their placeholders first, then the top of the cascade,
    then what is stranded, the rest last; the page says how many were left out."""
    if len(boxes) <= MAX_NODES:
        return boxes

    def rank(k: int) -> tuple[int, int]:
        b = boxes[k]
        if b.state != "break" and b.kind in ("Vision", "Goal"):
            return 1, k  # the top of the cascade, right after the breaks
        return _FIRST.get(b.state, 6), k

    ranked = sorted(range(len(boxes)), key=rank)
    keep = set(ranked[:MAX_NODES])
    return [b for k, b in enumerate(boxes) if k in keep]


def _stranded_count(boxes: dict[str, Box], under: str, count: int) -> None:
    if count > 0:
        fid = f"{under}::stranded"
        boxes[fid] = Box(
            fid, "stranded", f"{count:,} stranded below", "stranded", [(under, True)], count=count
        )


def focused(gap: Gap) -> StrategyMap:
    """One gap: the chain above its break point, the break, and what is stranded below it."""
    notes = {gap.break_point.id: gap.cause}
    pool: dict[str, MapNode] = {}
    for n in (*gap.above, gap.break_point, *gap.stranded):
        pool.setdefault(n.id, n)
    boxes = {n.id: _box(n, notes) for n in pool.values()}
    _placeholders(boxes, [gap.break_point])
    # the stranded exclude the gap's own members (a cycle's other nodes are in `above`)
    _stranded_count(boxes, gap.break_point.id, gap.stranded_nodes - len(gap.stranded))
    return StrategyMap(list(boxes.values()), 0, 1, 0)


# -- drawing ------------------------------------------------------------------------------------

_HEAD = {  # the first line of a box, by state: the marks do not depend on colour
    "break": "⚠ BREAK · {kind}",
    "disconnected": "✕ NOT TRACED · {kind}",
    "inactive": "INACTIVE · {kind}",
    "traced": "{kind}",
    "folded": "FOLDED",
    "stranded": "✕ NOT TRACED",
    "missing": "MISSING PARENT",
}
_STYLE = {  # fill, border, border width, dashed
    "traced": ("#eef3f8", "#5b7a99", 1.0, False),
    "disconnected": ("#fdecea", "#c62828", 1.5, False),
    "break": ("#fdecea", "#c62828", 3.0, False),
    "inactive": ("#f2f2f2", "#7b8794", 1.0, True),
    "folded": ("#f5f7fa", "#7b8794", 1.0, True),
    "stranded": ("#fdecea", "#c62828", 1.5, True),
    "missing": ("#ffffff", "#c62828", 1.5, True),
}
_EDGE = {  # colour, width, dashed
    "traced": ("#7b93ab", 1.0, False),
    "broken": ("#c62828", 1.4, False),
    "invalid": ("#c62828", 1.4, True),
    "missing": ("#c62828", 1.4, True),
}


def _text(text: str) -> str:
    return html.escape(_CONTROL.sub(" ", text), quote=True)


def _lines(text: str, width: int = WRAP) -> str:
    wrapped = textwrap.wrap(_CONTROL.sub(" ", text), width, break_long_words=True) or [""]
    return '<br align="left"/>'.join(_text(line) for line in wrapped) + '<br align="left"/>'


def _label(b: Box) -> str:
    head = _HEAD[b.state].format(kind=b.kind)
    small = '<font point-size="11" color="#3e4c59">{}</font><br align="left"/>'
    top = small.format(_text(head))
    if b.state not in ("folded", "stranded"):
        top += small.format(_text(b.id))
    body = _lines(b.title)
    note = ""
    if b.note:
        note = f'<font color="#b71c1c"><b>{_lines("Why: " + b.note)}</b></font>'
    return f"<{top}{body}{note}>"


STACK_MIN = 2  # leaves of one parent drawn as a column from this many on


def _stacks(
    boxes: list[Box], edges: list[tuple[Box, Box, str]]
) -> list[tuple[Box, str, list[Box]]]:
    """Leaves (boxes with nothing drawn below) whose one drawn link goes to the same parent, in
    the same style: (parent, style, leaves), for parents with at least STACK_MIN of them."""
    ups: dict[str, list[tuple[Box, str]]] = {}
    has_children: set[str] = set()
    for child, parent, style in edges:
        ups.setdefault(child.id, []).append((parent, style))
        has_children.add(parent.id)
    groups: dict[tuple[str, str], tuple[Box, list[Box]]] = {}
    for b in boxes:
        links = ups.get(b.id, [])
        if b.id in has_children or len(links) != 1:
            continue
        parent, style = links[0]
        groups.setdefault((parent.id, style), (parent, []))[1].append(b)
    return [
        (parent, style, members)
        for (_, style), (parent, members) in groups.items()
        if len(members) >= STACK_MIN
    ]


def _link(
    dot: graphviz.Digraph, ident: str, parent: Box, child: Box, style: str, lhead: str = ""
) -> None:
    colour, width, dashed = _EDGE[style]
    attributes = {
        "id": ident,
        "class": f"link {style}",
        "color": colour,
        "penwidth": str(width),
        "style": "dashed" if dashed else "solid",
    }
    if lhead:
        attributes["lhead"] = lhead
    dot.edge(parent.id, child.id, _attributes=attributes)


def svg(m: StrategyMap, name: str, label: str = "strategy map") -> str:
    """The map as an inline <svg> element with the id `name` (an HTML id: letters, digits and
    dashes), at its natural size (1 pt = 1.33 px: 14 pt titles)."""
    dot = graphviz.Digraph(
        name,
        graph_attr={
            "rankdir": "TB",
            "nodesep": "0.25",
            "ranksep": "0.45",
            "fontname": FONT,
            "bgcolor": "transparent",
            "id": f"{name}-graph",
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": FONT,
            "fontsize": "14",
            "margin": "0.12,0.06",
        },
        edge_attr={"dir": "back", "arrowtail": "normal", "arrowsize": "0.6"},
    )
    dot.attr(compound="true")
    for i, b in enumerate(m.boxes):
        fill, border, width, dashed = _STYLE[b.state]
        dot.node(
            b.id,
            label=_label(b),
            _attributes={
                "id": f"{name}-n{i}",
                "class": f"box {b.state}",
                "fillcolor": fill,
                "color": border,
                "penwidth": str(width),
                "style": "rounded,filled,dashed" if dashed else "rounded,filled",
            },
        )
    edges = m.edges()
    stacks = _stacks(m.boxes, edges)
    stacked = {child.id for _, _, members in stacks for child in members}
    for k, (parent, style, members) in enumerate(stacks):
        # a parent's leaves in one column, framed: a map as wide as its leaves is unreadable
        cluster = f"cluster_{name}_{k}"
        with dot.subgraph(name=cluster) as column:
            column.attr(
                id=f"{name}-c{k}", style="rounded,dashed", color="#b8c4d0", label="", margin="8"
            )
            for above, below in itertools.pairwise(members):
                column.edge(above.id, below.id, style="invis")
        _link(dot, f"{name}-s{k}", parent, members[0], style, lhead=cluster)
    for j, (child, parent, style) in enumerate(edges):
        if child.id not in stacked:
            _link(dot, f"{name}-e{j}", parent, child, style)
    try:
        # quiet: dot's layout remarks (a link into a stacked column) are not the reader's
        out: str = dot.pipe(format="svg", encoding="utf-8", quiet=True)
    except graphviz.ExecutableNotFound as exc:
        raise MapUnavailable(
            "the strategy map is laid out by Graphviz's `dot`, which is not installed: install "
            "Graphviz (Debian: apt-get install graphviz; `make demo` does it), or use "
            "--format md, csv or json"
        ) from exc
    except graphviz.CalledProcessError as exc:
        raise MapUnavailable(f"Graphviz's dot failed on the strategy map: {exc}") from exc
    start = out.index("<svg")
    head = f'<svg id="{name}" class="map" role="img" aria-label="{label}" '
    return out[start:].replace("<svg ", head, 1)
