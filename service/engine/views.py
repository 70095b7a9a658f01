"""Frozen, typed views of what the engine holds: how anything outside the engine reads a node.

The API's types, the CLI's JSON and its tables are built from these, so nothing outside the
engine indexes the snapshot's rows or decodes a kind code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from graph_schema import LEVEL, NodeKind, Scope, Status
from graph_schema.model import progress_of

__all__ = ["NodeView", "ParentLinkView"]


class NodeView(NamedTuple):
    """One node of one engine version: its stored fields and what the engine derived.

    A NamedTuple rather than a frozen dataclass: as immutable and as typed, and built at tuple
    speed (an API page or `analyze --json` builds one per node it names, up to every node)."""

    node_index: int  # the position of the node in this engine (valid for this version only)
    id: str
    kind: NodeKind
    title: str
    status: Status
    period: str | None
    description: str | None
    source: str | None
    owner: str | None
    unit: str | None
    traced: bool
    scope: Scope | None  # objectives: declared, else from the unit's depth in the unit tree
    middle_management: bool  # a department or team objective
    start: float | None
    target: float | None
    current: float | None
    measure_unit: str | None
    effort: float | None
    work: float  # what the score counts: an initiative's effort, 1 where not given; else 0

    @property
    def level(self) -> int:
        return LEVEL[self.kind]

    @property
    def progress(self) -> float | None:
        return progress_of(self.start, self.target, self.current)


@dataclass(frozen=True, slots=True)
class ParentLinkView:
    """A SUPPORTS link from a node up to `id`, which may name no node (`index` is then None)."""

    id: str
    index: int | None
    weight: float
    valid: bool  # False where the link breaks the level rules: reported, never followed
    dangling: bool
