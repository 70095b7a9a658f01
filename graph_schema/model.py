"""The domain model: frozen records that know nothing of GraphQL, HTTP or any database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
# Every text and number is bounded: one cell must not cost a hundred times its size in a store,
# a response or a sum (a 1 MB unit name came back as a 1.6 GB response; 1.7e308 summed to inf).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Measure = Annotated[float, Field(ge=-1e12, le=1e12)]
MAX_IDS = 1_000  # ids in any one list of a node or person (parents, dependsOn, leads, ...)
IdList = Annotated[tuple[Id, ...], Field(max_length=MAX_IDS)]


def progress_of(start: float | None, target: float | None, current: float | None) -> float | None:
    """(current - start) / (target - start): None when a value is missing or start == target."""
    if start is None or target is None or current is None or target == start:
        return None
    return (current - start) / (target - start)


def _repeated(ids: Sequence[str]) -> list[str]:
    """The ids that occur more than once, sorted; one pass (a 20k-id list must not be O(n^2))."""
    seen: set[str] = set()
    twice: set[str] = set()
    for i in ids:
        if i in seen:
            twice.add(i)
        seen.add(i)
    return sorted(twice)


_KR_ONLY = ("start", "target", "current", "measure_unit")


def misplaced_field(kind: str, field: Callable[[str], object]) -> str | None:
    """The problem with a field that the kind does not have, or None. `field(name)` gives a
    field's value (a scalar is given unless None, a list unless empty). Each message names the
    field, so an importer can point at the exact cell; graph_schema.rows's fast path asks the
    same question, of nodes that name a field of KIND_SPECIFIC (every field asked about here)."""
    if kind != NodeKind.KEY_RESULT:
        for name in _KR_ONLY:
            if field(name) is not None:
                return f"field '{name}' applies only to KeyResult, not {kind}"
        if field("conflicts_with"):
            return f"field 'conflicts_with' applies only to KeyResult, not {kind}"
    if kind != NodeKind.OBJECTIVE and field("scope") is not None:
        return f"field 'scope' applies only to Objective, not {kind}"
    if kind != NodeKind.INITIATIVE and field("depends_on"):
        return f"field 'depends_on' applies only to Initiative, not {kind}"
    if kind != NodeKind.BEHAVIOUR and field("expresses"):
        return f"field 'expresses' applies only to Behaviour, not {kind}"
    return None


# the fields misplaced_field asks about: a node naming none of them misplaces none
KIND_SPECIFIC = frozenset((*_KR_ONLY, "conflicts_with", "scope", "depends_on", "expresses"))


def repeated_id(*lists: tuple[str, Sequence[str]]) -> str | None:
    """The problem with the first (field, ids) pair that names an id twice, or None. Lists of
    fewer than two ids are decided without a set: a million imported rows mostly hold those."""
    for name, ids in lists:
        if len(ids) < 2:
            continue
        twice = _repeated(ids)
        if twice:
            shown = ", ".join(repr(i) for i in twice[:5])
            more = f" and {len(twice) - 5} more" if len(twice) > 5 else ""
            return f"field '{name}' names {shown}{more} twice"
    return None


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


class Node(Frozen):
    id: Id
    kind: NodeKind
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    status: Status = Status.ACTIVE
    period: Annotated[str, StringConstraints(max_length=50)] | None = None
    # bounded, so a document cannot make one string cost a hundred times its size in the store
    description: LongText | None = None
    effort: float | None = Field(default=None, ge=0.0, le=1e6)
    owner: Id | None = None
    unit: Id | None = None
    co_owners: IdList = ()
    scope: Scope | None = None
    start: Measure | None = None
    target: Measure | None = None
    current: Measure | None = None
    measure_unit: Annotated[str, StringConstraints(max_length=50)] | None = None
    parents: Annotated[tuple[ParentRef, ...], Field(max_length=MAX_IDS)] = ()
    depends_on: IdList = ()
    conflicts_with: IdList = ()
    expresses: IdList = ()
    source: Annotated[str, StringConstraints(max_length=200)] | None = None

    @model_validator(mode="after")
    def _kind_specific_fields(self) -> Node:
        problem = misplaced_field(self.kind, self.__getattribute__) or repeated_id(
            ("parents", [p.id for p in self.parents] if len(self.parents) > 1 else ()),
            ("depends_on", self.depends_on),
            ("conflicts_with", self.conflicts_with),
            ("expresses", self.expresses),
            ("co_owners", self.co_owners),
        )
        if problem:
            raise ValueError(problem)
        return self

    @property
    def progress(self) -> float | None:
        """Share of the way from start to target a key result has come (None: not measurable)."""
        return progress_of(self.start, self.target, self.current)


class Unit(Frozen):
    """A company, department or team; `parent` gives the PART_OF tree."""

    id: Id
    name: Name
    parent: Id | None = None


class Person(Frozen):
    id: Id
    name: Name
    email: Email | None = None
    unit: Id | None = None  # MEMBER_OF
    leads: IdList = ()  # LEADS
    reports_to: Id | None = None  # REPORTS_TO
    commits_to: IdList = ()  # COMMITS_TO behaviours


class Value(Frozen):
    id: Id
    name: Name
    description: LongText | None = None


class Organisation(Frozen):
    id: Id
    name: Name | None = None
