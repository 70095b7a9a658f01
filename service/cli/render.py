"""Terminal rendering of the analysis and of line of sight (rich tables and trees)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

if TYPE_CHECKING:  # the models need pydantic: a local line of sight draws without them
    from clients.models import BreakGap, LineOfSight, Named


def pct(score: float | None) -> str:
    return "n/a" if score is None else f"{score * 100:.1f}%"


def render_analysis(console: Console, data: dict[str, Any], *, top: int = 10) -> None:
    c = data["counts"]
    period = f" for period {data['period']}" if data.get("period") else ""
    console.print(
        f"[bold]Alignment score{period}: {pct(data['score'])}[/bold] "
        f"({data['tracedWork']:g} of {data['work']:g} units of active work trace to the vision)"
    )
    counts = Table(title="Counts", show_header=False, box=None)
    for label, key in [
        ("active nodes", "active"),
        ("traced", "traced"),
        ("untraced", "untraced"),
        ("alignment gaps", "gaps"),
        ("  middle-management gaps", "middleManagementGaps"),
        ("orphans", "orphans"),
        ("  orphaned initiatives", "orphanedInitiatives"),
        ("unsupported strategy", "unsupported"),
        ("ownership overlaps", "ownershipOverlaps"),
        ("units pulled in several directions", "pulledUnits"),
        ("unowned", "unowned"),
        ("declared conflicts", "conflicts"),
        ("risky dependencies", "riskyDependencies"),
        ("invalid links", "invalidLinks"),
    ]:
        counts.add_row(label, str(c[key]))
    console.print(counts)

    gaps = Table(title=f"Top alignment gaps by stranded work (of {len(data['gaps'])})", box=None)
    # ids never wrap or shorten; the title and the cause wrap in what width is left
    for col in ("#", "break point", "MM", "stranded", "work"):
        gaps.add_column(col, no_wrap=True, overflow="ignore")
    gaps.add_column("title, and why it breaks", overflow="fold", ratio=1, min_width=24)
    for rank, gap in enumerate(data["gaps"][:top], start=1):
        gaps.add_row(
            str(rank),
            gap["breakPoint"],
            "MM" if gap["middleManagement"] else "",
            str(gap["strandedNodes"]),
            f"{gap['strandedWork']:g}",
            Text.assemble(
                gap["title"],
                "\n",
                (f"{gap['reason']}: {gap_sentence(gap)}", "red"),
                (f" ({gap['unit']})" if gap.get("unit") else "", "dim"),
                (f"\nwho can fix it: {_who(gap)}" if gap.get("fixedBy") else "", "bold"),
            ),
        )
    console.print(gaps)
    console.print(
        "MM = middle-management gap: a department or team objective that no longer traces "
        "to strategy."
    )

    def listing(title: str, rows: list[str]) -> None:
        if rows:
            console.print(f"[bold]{title}[/bold] ({len(rows)})")
            for row in rows[:top]:
                console.print(f"  {row}")
            if len(rows) > top:
                console.print(f"  ... {len(rows) - top} more (see --json)")

    by_unit: dict[str, list[str]] = {}
    for o in data["orphans"]:
        if o["kind"] == "Initiative":
            by_unit.setdefault(o["unit"] or "(no unit)", []).append(o["id"])
    listing(
        "Orphaned initiatives by unit",
        [f"{u}: {', '.join(ids)}" for u, ids in sorted(by_unit.items())],
    )
    listing(
        "Missing parents (names no node has)",
        [
            f"{gap['breakPoint']} names {', '.join(gap['danglingRefs'])}"
            + (
                f"; did you mean {', '.join(gap['suggestedParents'])}?"
                if gap.get("suggestedParents")
                else ""
            )
            for gap in data["gaps"]
            if gap["danglingRefs"]
        ],
    )
    listing(
        "Unsupported strategy (nothing executes it)",
        [f"{n['id']} {n['kind']} {n['title']}" for n in data["unsupported"]],
    )
    listing(
        "Ownership overlaps",
        [
            f"{o['type']}: {', '.join(o['nodes'])} (units {', '.join(o['units'])})"
            for o in data["ownershipOverlaps"]
        ],
    )
    listing(
        "Units pulled in several directions",
        [
            f"{f['unit']}: focus {f['focus']:.2f} over {', '.join(g['goal'] for g in f['goals'])}"
            for f in data["unitFocus"]
            if f["pulled"]
        ],
    )
    listing(
        "Declared conflicts",
        [f"{x['a']} <-> {x['b']} ({' vs '.join(x['units'])})" for x in data["conflicts"]],
    )
    listing(
        "Risky dependencies",
        [f"{x['node']} depends on untraced {x['dependsOn']}" for x in data["riskyDependencies"]],
    )
    listing(
        "Load-bearing nodes (traced work that hangs on them alone)",
        [f"{n['id']} {n['kind']} {n['title']}: {n['work']:g}" for n in data["loadBearing"]],
    )


def _who(gap: dict[str, Any]) -> str:
    name = gap.get("fixedByName")
    return f"{name} ({gap['fixedBy']})" if name else str(gap["fixedBy"])


def gap_sentence(gap: dict[str, Any]) -> str:
    """A gap's cause in words, with the parents the missing id most likely meant."""
    return _sentence(str(gap.get("cause") or gap["reason"]), gap.get("suggestedParents") or [])


def _sentence(cause: str, suggested: Sequence[str]) -> str:
    return cause + (f" (did you mean {', '.join(suggested)}?)" if suggested else "")


def _head(kind: str, node_id: str, title: str, owner: str | None, unit: str | None) -> str:
    who = ", ".join(x for x in (owner, unit) if x)
    return f"{kind} [bold]{node_id}[/bold] {title}" + (f" [dim]({who})[/dim]" if who else "")


def _tree(
    head: str,
    *,
    active: bool,
    traced: bool,
    truncated: bool,
    paths: Iterable[tuple[float, list[str]]],
    breaks: Iterable[tuple[list[str], str, str, str]],
) -> Tree:
    """paths: (strength, "kind id" of each step above the node); breaks: (the chain above the
    node, reason, break point, why)."""
    tree = Tree(head)
    if not active:
        tree.add("[dim]not active: takes no part in the analysis[/dim]")
        return tree
    for strength, steps in paths:
        tree.add(f"[green]✓[/green] {' -> '.join(steps)} [dim](strength {strength:.2f})[/dim]")
    if truncated:
        tree.add("[dim]... more paths not shown[/dim]")
    any_break = False
    for chain, reason, gap, why in breaks:
        any_break = True
        above = " -> ".join(chain) or "(here)"
        tree.add(f"[red]✗ BREAK[/red] {above} [red]{reason} at {gap}[/red]: {escape(why)}")
    if not traced and not any_break:
        tree.add("[red]✗ does not trace to the vision[/red]")
    return tree


def line_of_sight_tree(item: dict[str, Any]) -> Tree:
    """A line of sight as `line-of-sight --json` prints it (the engine's JSON)."""
    node = item["node"]

    def steps(nodes: list[dict[str, Any]]) -> list[str]:
        return [f"{s['kind']} {s['id']}" for s in nodes[1:]]

    return _tree(
        _head(node["kind"], node["id"], node["title"], node.get("owner"), node.get("unit")),
        active=item["active"],
        traced=item["traced"] is not False,
        truncated=item["truncated"],
        paths=((p["strength"], steps(p["steps"])) for p in item["paths"]),
        breaks=(
            (steps(b["chain"]), b["reason"], b["gap"], gap_sentence(b)) for b in item["breaks"]
        ),
    )


def remote_line_of_sight_tree(los: LineOfSight) -> Tree:
    """A line of sight as the API answered it (the client's model), drawn as the local one."""
    node = los.node

    def steps(nodes: Sequence[Named]) -> list[str]:
        return [f"{s.kind} {s.id}" for s in nodes[1:]]

    def why(gap: BreakGap) -> str:
        return _sentence(gap.cause, [p.id for p in gap.suggested_parents])

    return _tree(
        _head(
            node.kind,
            node.id,
            node.title,
            node.owner.id if node.owner else None,
            node.unit.id if node.unit else None,
        ),
        active=los.active,
        traced=los.traced,
        truncated=los.truncated,
        paths=((p.strength, steps(p.steps)) for p in los.paths),
        breaks=(
            (steps(b.chain), b.gap.reason, b.gap.break_point.id, why(b.gap)) for b in los.breaks
        ),
    )
