"""Everything a report shows, collected through the API (never the database)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from clients.client import StratmapClient
from clients.errors import ApiError
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

__all__ = ["FOCUS_STRANDED", "MAP_ALL", "STRANDED_SHOWN", "TOP", "collect"]


class ReportData(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    generated_at: str
    source: str
    unit: str | None
    alignment: Alignment
    gaps: list[Gap]
    orphaned_initiatives: list[NodeRef]
    unsupported: list[NodeRef]
    # the top of each unsupported subtree with how many nodes hang below it (pages only)
    unsupported_subtrees: list[UnsupportedSubtree] = Field(default_factory=list)
    overlaps: list[Overlap]
    pulled_units: list[UnitFocus]
    history: list[HistoryRecord]
    # a unit's report: the line of sight of its first `top` objectives, results and initiatives
    line_of_sight: list[LineOfSight] = Field(default_factory=list)
    nodes: list[MapNode] = Field(default_factory=list)
    version: int | None = None  # the one version of the organisation every section shows
    # how many of each listed finding there are in all: a report lists the first `top` of each
    totals: dict[str, int] = Field(default_factory=dict)
    map_nodes: int = 0  # how many nodes the organisation has, of which `nodes` are drawn

    def work_nodes(self) -> int:
        """Active objectives, key results, behaviours and initiatives: what a unit's line of
        sight lists."""
        kinds = self.alignment.counts.get("byKind", {})
        names = ("Objective", "KeyResult", "Behaviour", "Initiative")
        return sum(int(kinds.get(k, {}).get("active", 0)) for k in names)

    def total(self, name: str) -> int:
        """How many findings the section `name` (a field of this model) has in all."""
        listed: list[object] = getattr(self, name)
        return max(self.totals.get(name, 0), len(listed))

    def shown(self, name: str) -> str:
        """A section's count as a heading shows it: "12", or "50 of 1,234" when cut."""
        listed, total = len(getattr(self, name)), self.total(name)
        return f"{listed:,}" if listed == total else f"{listed:,} of {total:,}"

    @property
    def score_pct(self) -> float | None:
        return None if self.alignment.score is None else self.alignment.score * 100

    def orphans_by_unit(self) -> list[tuple[str, list[NodeRef]]]:
        groups: dict[str, list[NodeRef]] = {}
        for n in self.orphaned_initiatives:
            groups.setdefault(n.unit.id if n.unit else "(no unit)", []).append(n)
        return sorted(groups.items())

    def trend(self) -> float | None:
        """Change of the score since the first recorded point, in percentage points."""
        scores = [h.score for h in self.history if h.score is not None]
        if self.alignment.score is None or not scores:
            return None
        return (self.alignment.score - scores[0]) * 100


ATTEMPTS = 3


TOP = 50  # findings a report lists per section (HTML, Markdown); CSV and JSON take them all
MAP_ALL = 300  # an organisation this small is drawn whole; a larger one, its top levels
STRANDED_SHOWN = 12  # stranded nodes a page names per gap (it says how many there are)
HISTORY = 60  # records a report's trend charts draw, the newest
FOCUS_STRANDED = 40  # stranded nodes a gap's focused map draws (it counts the rest in a box)


def collect(
    client: StratmapClient,
    source: str,
    unit: str | None = None,
    top: int | None = TOP,
    *,
    with_nodes: bool = True,
    focus: bool = False,
) -> ReportData:
    """The report's data, every section from one version of the organisation; with `top`, the
    first `top` findings of each section and how many there are, in about ten requests
    whatever the organisation's size (a 100k-node report took 2,200 before). Without
    `with_nodes` no node is fetched for the map (CSV and Markdown draw none). With `focus`, each
    gap brings what its focused map draws: the chain above its break point and the first
    FOCUS_STRANDED stranded nodes, with their links (a page of HTML draws one map a gap).

    A report takes a dozen requests; a write landing between two of them would make its
    sections disagree. The client asks each request for at least the newest version it has seen
    (a stale answer names the newest), so a second pass is all one version unless writes keep
    landing; after ATTEMPTS passes the report says which versions it mixes.
    """
    for attempt in range(ATTEMPTS):
        client.versions.clear()
        data = _collect_once(client, source, unit, top, with_nodes, focus)
        if len(client.versions) <= 1 or attempt == ATTEMPTS - 1:
            break
    seen = sorted(client.versions)
    if len(seen) > 1:
        raise ApiError(
            f"the organisation changed {ATTEMPTS} times while the report was collected "
            f"(versions {seen[0]} to {seen[-1]}): run it again when the writes settle"
        )
    return data.model_copy(update={"version": seen[0] if seen else None})


def _collect_once(
    client: StratmapClient,
    source: str,
    unit: str | None,
    top: int | None,
    with_nodes: bool,
    focus: bool,
) -> ReportData:
    alignment = client.alignment(unit)  # with a unit: its score, its counts, its units
    listed_overlaps = client.overlaps(limit=top, unit_id=unit)
    listed_pulled = client.unit_focus(min_goals=2, limit=top, unit_id=unit)
    listed_unsupported = client.unsupported(limit=top, unit_id=unit)
    # a page shows unsupported strategy as the top of each unsupported subtree
    subtrees = client.unsupported_subtrees(limit=top, unit_id=unit) if top is not None else []
    totals = {
        "overlaps": listed_overlaps.total,
        "pulled_units": listed_pulled.total,
        "unsupported": listed_unsupported.total,
        "unsupported_subtrees": getattr(subtrees, "total", len(subtrees)),
    }
    overlaps: list[Overlap] = listed_overlaps
    pulled: list[UnitFocus] = listed_pulled
    unsupported: list[NodeRef] = listed_unsupported
    # a page names the first few stranded nodes of each gap and counts the rest (a 100k-node
    # organisation's gaps strand hundreds each: the page ran to metres)
    if focus:
        gaps = client.gaps(unit, limit=top, stranded_first=FOCUS_STRANDED, focus=True)
    else:
        gaps = client.gaps(unit, limit=top, stranded_first=None if top is None else STRANDED_SHOWN)
    orphans = client.orphans(unit, "INITIATIVE", limit=top)
    totals |= {"gaps": gaps.total, "orphaned_initiatives": orphans.total}
    size = int(alignment.counts.get("nodes", 0))
    nodes: list[MapNode] = []
    if not with_nodes:
        pass
    elif top is None or size <= MAP_ALL:
        nodes = client.nodes(unit_id=unit)  # a unit's map is its own nodes
    else:  # the top of the cascade: what every gap's chain hangs from
        nodes = [*client.nodes(kind="VISION", limit=MAP_ALL)]
        nodes += client.nodes(kind="GOAL", limit=MAP_ALL - len(nodes))
    return ReportData(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=source,
        unit=unit,
        alignment=alignment,
        gaps=gaps,
        orphaned_initiatives=orphans,
        unsupported=unsupported,
        unsupported_subtrees=subtrees,
        overlaps=overlaps,
        pulled_units=pulled,
        # a unit's trend is its own recorded score; a chart reads the last HISTORY records
        history=client.history(HISTORY, unit_id=unit),
        line_of_sight=(
            client.line_of_sight(unit_id=unit, limit=top) if unit is not None and top else []
        ),
        nodes=nodes,
        totals=totals,
        map_nodes=size,
    )
