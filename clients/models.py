"""Typed results of the client: what the API answered, nothing computed here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from graph_schema import NodeKind

__all__ = [
    "Alignment",
    "Break",
    "BreakGap",
    "Gap",
    "GoalShare",
    "GoalWork",
    "HistoryRecord",
    "LineOfSight",
    "MapNode",
    "Model",
    "Named",
    "NodeRef",
    "Overlap",
    "ParentRef",
    "Path",
    "RecordedGoal",
    "RecordedUnit",
    "Ref",
    "Step",
    "UnitFocus",
    "UnitScore",
    "UnsupportedSubtree",
]


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


def _reader_kind(value: str) -> str:
    """The wire carries the enum's name (KEY_RESULT); people read its value (KeyResult)."""
    return NodeKind[value].value if value in NodeKind.__members__ else value


class Ref(Model):
    id: str
    name: str | None = None
    title: str | None = None


class Named(Model):
    """What every node the API returns carries, kind and status as people read them."""

    id: str
    kind: str
    title: str
    status: str
    owner: Ref | None = None
    unit: Ref | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _reader_kind(value)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return value.lower()


class NodeRef(Named):
    traced: bool
    level: int


class ParentRef(Model):
    id: str
    weight: float
    valid: bool
    dangling: bool


class MapNode(NodeRef):
    parents: list[ParentRef] = Field(default_factory=list)


class Gap(Model):
    reason: str
    cause: str  # why the chain breaks, in words (the API's Gap.cause)
    dangling_refs: list[str]
    stranded_nodes: int
    stranded_work: float
    middle_management: bool
    break_point: MapNode
    members: list[Ref]
    inactive_parents: list[Ref]
    owner: Ref | None = None
    unit: Ref | None = None
    stranded: list[MapNode] = Field(default_factory=list)
    above: list[MapNode] = Field(default_factory=list)  # the chain above the break point
    fixed_by: Ref | None = None  # who can mend it (the API's Gap.fixedBy)


class UnitScore(Model):
    unit: Ref
    score: float | None
    work: float
    traced_work: float


class GoalWork(Model):
    goal: NodeRef
    traced_work: float
    share: float | None


class Alignment(Model):
    version: int
    period: str | None
    score: float | None
    work: float
    traced_work: float
    counts: dict[str, Any]
    by_unit: list[UnitScore]
    by_goal: list[GoalWork]


class Overlap(Model):
    type: str
    similarity: float | None
    nodes: list[NodeRef]
    units: list[Ref]
    parent: Ref | None = None


class GoalShare(Model):
    goal: Ref
    share: float


class UnitFocus(Model):
    unit: Ref
    focus: float | None
    traced_work: float
    pulled: bool
    goals: list[GoalShare]


class Step(Named):
    """A node on a path, as the API summarises it, with the weight of its link up."""

    weight: float | None = None


class Path(Model):
    strength: float
    steps: list[Step]


class BreakGap(Model):
    reason: str
    cause: str
    dangling_refs: list[str]
    break_point: Ref
    inactive_parents: list[Ref]
    suggested_parents: list[Ref] = Field(default_factory=list)


class Break(Model):
    gap: BreakGap
    chain: list[NodeRef]


class LineOfSight(Model):
    active: bool
    traced: bool
    truncated: bool
    node: NodeRef
    paths: list[Path]
    breaks: list[Break]

    @field_validator("paths", mode="before")
    @classmethod
    def _edges(cls, value: Any) -> Any:
        # the API pages paths (a connection); the client holds the page it asked for
        return [e["node"] for e in value["edges"]] if isinstance(value, dict) else value


class RecordedGoal(Model):
    goal_id: str
    title: str | None = None
    share: float | None = None
    traced_work: float = 0.0


class RecordedUnit(Model):
    unit_id: str
    name: str | None = None
    score: float | None = None


class HistoryRecord(Model):
    seq: int
    at: str
    label: str | None
    version: int
    score: float | None  # the organisation's, or the unit's it was asked for
    counts: dict[str, Any]
    by_goal: list[RecordedGoal] = Field(default_factory=list)
    by_unit: list[RecordedUnit] = Field(default_factory=list)


class UnsupportedSubtree(Model):
    top: NodeRef
    below: int  # unsupported nodes below the top one
