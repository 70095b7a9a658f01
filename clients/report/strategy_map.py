"""The strategy map: vision -> goals -> objectives -> key results / behaviours -> initiatives, as
a layered layout. Traced parts are calm; disconnected parts and break points are marked.

Beyond MAX_NODES the traced work is folded into one "N initiatives" box per parent (then traced
key results and behaviours too), so that what is broken always stays drawn individually.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clients.models import MapNode

MAX_NODES = 300
# what is folded first, then next: a fold's name and the kinds it counts
FOLDED = {"Initiative": {"Initiative"}, "KeyResult": {"KeyResult", "Behaviour"}}
BOX_W, GAP_X, ROW_H, BAND_GAP, PER_ROW = 170, 14, 58, 36, 12


@dataclass
class Box:
    id: str
    kind: str
    title: str
    state: str  # traced | disconnected | break | inactive | folded
    level: int  # the API's level of the kind: the layer the box is drawn in
    x: float = 0.0
    y: float = 0.0
    parents: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # dangling parent ids
    count: int = 1  # > 1 for a folded box

    @property
    def label(self) -> str:
        return self.title if len(self.title) <= 24 else self.title[:23] + "…"


@dataclass
class StrategyMap:
    boxes: list[Box]
    edges: list[tuple[Box, Box, bool]]  # child, parent, broken
    width: float
    height: float
    folded: int  # how many nodes were folded into count boxes


def _fold(nodes: list[MapNode], kinds: set[str]) -> tuple[list[MapNode], dict[str, int]]:
    """Fold traced nodes of these kinds into a count under their first valid parent."""
    keep: list[MapNode] = []
    folded: dict[str, int] = {}
    for n in nodes:
        valid = [p.id for p in n.parents if p.valid and not p.dangling]
        if n.kind in kinds and n.traced and valid:
            folded[valid[0]] = folded.get(valid[0], 0) + 1
        else:
            keep.append(n)
    return keep, folded


def layout(nodes: list[MapNode], breaks: set[str]) -> StrategyMap:
    live = [n for n in nodes if n.status == "active"]
    folds: dict[tuple[str, str], int] = {}  # (parent, folded kind) -> count
    level_of = {n.kind: n.level for n in nodes}
    for kind, kinds in FOLDED.items():
        if len(live) + len(folds) <= MAX_NODES:
            break
        live, more = _fold(live, kinds)
        folds.update({(parent, kind): count for parent, count in more.items()})
    boxes: dict[str, Box] = {}
    for n in live:
        state = "break" if n.id in breaks else ("traced" if n.traced else "disconnected")
        boxes[n.id] = Box(
            n.id,
            n.kind,
            n.title,
            state,
            n.level,
            parents=[p.id for p in n.parents if not p.dangling],
            missing=[p.id for p in n.parents if p.dangling],
        )
    for (parent, kind), count in folds.items():
        # a folded parent's own fold hangs under its parent instead, so nothing is lost from the map
        anchor = parent if parent in boxes else None
        if anchor is not None:
            fid = f"{parent}::{kind}"
            boxes[fid] = Box(
                fid,
                kind,
                f"{count} traced {'initiatives' if kind == 'Initiative' else 'results'}",
                "folded",
                max(level_of.get(k, 0) for k in FOLDED[kind]),
                parents=[anchor],
                count=count,
            )
    # layers, each ordered by the mean position of its parents (one barycentre sweep down)
    layers: dict[int, list[Box]] = {}
    for b in boxes.values():
        layers.setdefault(b.level, []).append(b)
    order: dict[str, float] = {}
    y = 20.0
    width = 0.0
    for level in sorted(layers):
        layer = layers[level]
        layer.sort(
            key=lambda b: (sum(order.get(p, 1e9) for p in b.parents) / max(len(b.parents), 1), b.id)
        )
        for i, b in enumerate(layer):
            row, col = divmod(i, PER_ROW)
            b.x = 20 + col * (BOX_W + GAP_X)
            b.y = y + row * ROW_H
            order[b.id] = i
            width = max(width, b.x + BOX_W + 20)
        y += ((len(layer) - 1) // PER_ROW + 1) * ROW_H + BAND_GAP
    edges = []
    for b in boxes.values():
        for p in b.parents:
            above = boxes.get(p)
            if above is not None:
                edges.append((b, above, b.state in ("disconnected", "break")))
    return StrategyMap(list(boxes.values()), edges, max(width, 400), y + 10, sum(folds.values()))
