"""What the analyses return. Plain slotted dataclasses: built in bulk, read many times."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class GapReason(StrEnum):
    UNLINKED = "UNLINKED"
    DANGLING_PARENT = "DANGLING_PARENT"
    INACTIVE_PARENT = "INACTIVE_PARENT"
    LEVEL_INVERSION = "LEVEL_INVERSION"
    CYCLE = "CYCLE"


@dataclass(slots=True)
class Gap:
    break_point: int
    reason: GapReason
    members: list[int]
    dangling_refs: list[str]
    inactive_parents: list[int]
    middle_management: bool
    stranded: list[int] = field(default_factory=list)
    stranded_work: float = 0.0


class OverlapType(StrEnum):
    CO_OWNERS = "CO_OWNERS"
    DUPLICATE_TITLE = "DUPLICATE_TITLE"


@dataclass(slots=True)
class Overlap:
    type: OverlapType
    nodes: list[int]
    units: list[str]
    parent: int | None = None
    similarity: float | None = None


@dataclass(slots=True)
class UnitFocus:
    unit: str
    focus: float | None
    traced_work: float
    goals: list[tuple[int, float]]  # (goal index, share of the unit's traced work)

    @property
    def pulled(self) -> bool:
        return len(self.goals) >= 2


@dataclass(slots=True)
class Path:
    steps: list[int]
    strength: float


@dataclass(slots=True)
class GapChain:
    gap: Gap
    chain: list[int]  # from the node up to the gap's break point (or the member reached)


@dataclass(slots=True)
class LineOfSight:
    node: int
    traced: bool
    active: bool
    paths: list[Path]
    truncated: bool
    gaps: list[GapChain]
