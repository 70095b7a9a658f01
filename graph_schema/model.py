"""The domain model: frozen records that know nothing of GraphQL, HTTP or any database."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from graph_schema.kinds import NodeKind, Scope, Status

__all__ = [
    "Frozen",
    "Id",
    "Node",
    "Organisation",
    "ParentRef",
    "Person",
    "Unit",
    "Value",
    "progress_of",
]

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def progress_of(start: float | None, target: float | None, current: float | None) -> float | None:
    """(current - start) / (target - start): None when a value is missing or start == target."""
    if start is None or target is None or current is None or target == start:
        return None
    return (current - start) / (target - start)


class Frozen(BaseModel):
    # Ids such as 1042 arrive as numbers from YAML and spreadsheets: they are ids all the same.
    # NaN and infinities are refused: they break every sum and never compare equal on re-import.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        allow_inf_nan=False,
    )


class ParentRef(Frozen):
    """A SUPPORTS link from the owning node to `id`; `weight` is its share of contribution."""

    id: Id
    weight: float = Field(default=1.0, ge=0.0, le=1.0)


_KR_ONLY = ("start", "target", "current", "measure_unit")


class Node(Frozen):
    id: Id
    kind: NodeKind
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    status: Status = Status.ACTIVE
    period: Annotated[str, StringConstraints(max_length=50)] | None = None
    # bounded, so a document cannot make one string cost a hundred times its size in the store
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    effort: float | None = Field(default=None, ge=0.0)
    owner: Id | None = None
    unit: Id | None = None
    co_owners: tuple[Id, ...] = ()
    scope: Scope | None = None
    start: float | None = None
    target: float | None = None
    current: float | None = None
    measure_unit: Annotated[str, StringConstraints(max_length=50)] | None = None
    parents: tuple[ParentRef, ...] = ()
    depends_on: tuple[Id, ...] = ()
    conflicts_with: tuple[Id, ...] = ()
    expresses: tuple[Id, ...] = ()
    source: Annotated[str, StringConstraints(max_length=200)] | None = None

    @model_validator(mode="after")
    def _kind_specific_fields(self) -> Node:
        # Each check names the offending field so an importer can point at the exact cell.
        if self.kind != NodeKind.KEY_RESULT:
            for name in _KR_ONLY:
                if getattr(self, name) is not None:
                    raise ValueError(
                        f"field '{name}' applies only to KeyResult, not {self.kind.value}"
                    )
            if self.conflicts_with:
                raise ValueError(
                    f"field 'conflicts_with' applies only to KeyResult, not {self.kind.value}"
                )
        if self.scope is not None and self.kind != NodeKind.OBJECTIVE:
            raise ValueError(f"field 'scope' applies only to Objective, not {self.kind.value}")
        if self.depends_on and self.kind != NodeKind.INITIATIVE:
            raise ValueError(
                f"field 'depends_on' applies only to Initiative, not {self.kind.value}"
            )
        if self.expresses and self.kind != NodeKind.BEHAVIOUR:
            raise ValueError(f"field 'expresses' applies only to Behaviour, not {self.kind.value}")
        for name, ids in (
            ("parents", [p.id for p in self.parents]),
            ("depends_on", self.depends_on),
            ("conflicts_with", self.conflicts_with),
            ("expresses", self.expresses),
            ("co_owners", self.co_owners),
        ):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"field '{name}' names {', '.join(repr(i) for i in twice)} twice")
        return self

    @property
    def progress(self) -> float | None:
        """Share of the way from start to target a key result has come (None: not measurable)."""
        return progress_of(self.start, self.target, self.current)


class Unit(Frozen):
    """A company, department or team; `parent` gives the PART_OF tree."""

    id: Id
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    parent: Id | None = None


class Person(Frozen):
    id: Id
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    email: str | None = None
    unit: Id | None = None  # MEMBER_OF
    leads: tuple[Id, ...] = ()  # LEADS
    reports_to: Id | None = None  # REPORTS_TO
    commits_to: tuple[Id, ...] = ()  # COMMITS_TO behaviours


class Value(Frozen):
    id: Id
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    description: str | None = None


class Organisation(Frozen):
    id: Id
    name: str | None = None
