"""Everything a report shows, collected through the API (never the database)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from clients.client import StratmapClient
from clients.errors import ApiError
from clients.models import Alignment, Gap, HistoryRecord, MapNode, NodeRef, Overlap, UnitFocus

__all__ = ["collect"]


class ReportData(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    generated_at: str
    source: str
    unit: str | None
    alignment: Alignment
    gaps: list[Gap]
    orphaned_initiatives: list[NodeRef]
    unsupported: list[NodeRef]
    overlaps: list[Overlap]
    pulled_units: list[UnitFocus]
    history: list[HistoryRecord]
    nodes: list[MapNode] = Field(default_factory=list)
    version: int | None = None  # the one version of the organisation every section shows

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


def collect(client: StratmapClient, source: str, unit: str | None = None) -> ReportData:
    """The report's data, every section from one version of the organisation.

    A report takes a dozen requests; a write landing between two of them would make its
    sections disagree. The client asks each request for at least the newest version it has seen
    (a stale answer names the newest), so a second pass is all one version unless writes keep
    landing; after ATTEMPTS passes the report says which versions it mixes.
    """
    for attempt in range(ATTEMPTS):
        client.versions.clear()
        data = _collect_once(client, source, unit)
        if len(client.versions) <= 1 or attempt == ATTEMPTS - 1:
            break
    seen = sorted(client.versions)
    if len(seen) > 1:
        raise ApiError(
            f"the organisation changed {ATTEMPTS} times while the report was collected "
            f"(versions {seen[0]} to {seen[-1]}): run it again when the writes settle"
        )
    return data.model_copy(update={"version": seen[0] if seen else None})


def _collect_once(client: StratmapClient, source: str, unit: str | None) -> ReportData:
    overlaps = client.overlaps()
    pulled = client.unit_focus(min_goals=2)
    if unit is not None:
        in_unit = {u.unit.id for u in client.alignment(unit).by_unit}
        overlaps = [o for o in overlaps if any(u.id in in_unit for u in o.units)]
        pulled = [p for p in pulled if p.unit.id in in_unit]
    return ReportData(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=source,
        unit=unit,
        alignment=client.alignment(unit),
        gaps=client.gaps(unit),
        orphaned_initiatives=client.orphans(unit, "INITIATIVE"),
        unsupported=[
            n for n in client.unsupported() if unit is None or (n.unit and n.unit.id in in_unit)
        ],
        overlaps=overlaps,
        pulled_units=pulled,
        history=client.history(),
        nodes=client.nodes(),
    )
