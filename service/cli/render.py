"""Terminal rendering of the analysis and of line of sight (rich tables and trees)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree


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
    text = str(gap.get("cause") or gap["reason"])
    if gap.get("suggestedParents"):
        text += f" (did you mean {', '.join(gap['suggestedParents'])}?)"
    return text


def _step(step: dict[str, Any]) -> str:
    who = ", ".join(x for x in (step.get("owner"), step.get("unit")) if x)
    return f"{step['kind']} [bold]{step['id']}[/bold] {step['title']}" + (
        f" [dim]({who})[/dim]" if who else ""
    )


def line_of_sight_tree(item: dict[str, Any]) -> Tree:
    node = item["node"]
    tree = Tree(_step(node))
    if not item["active"]:
        tree.add("[dim]not active: takes no part in the analysis[/dim]")
        return tree
    for path in item["paths"]:
        chain = " -> ".join(f"{s['kind']} {s['id']}" for s in path["steps"][1:])
        tree.add(f"[green]✓[/green] {chain} [dim](strength {path['strength']:.2f})[/dim]")
    if item["truncated"]:
        tree.add("[dim]... more paths not shown[/dim]")
    for brk in item["breaks"]:
        chain = " -> ".join(f"{s['kind']} {s['id']}" for s in brk["chain"][1:]) or "(here)"
        why = escape(gap_sentence(brk))
        tree.add(f"[red]✗ BREAK[/red] {chain} [red]{brk['reason']} at {brk['gap']}[/red]: {why}")
    if item["traced"] is False and not item["breaks"]:
        tree.add("[red]✗ does not trace to the vision[/red]")
    return tree
