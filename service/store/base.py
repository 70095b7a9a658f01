"""The one storage protocol every backend implements, and what a write hands it and gets back.

`read_graph` returns the snapshot rows of graph_schema.rows (flat tuples, not models).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from graph_schema import Node, Person, Unit, Value
from graph_schema.errors import StratmapError
from graph_schema.rows import GraphDelta, GraphRows, NodeRecord


@dataclass(frozen=True)
class NodeEdit:
    """A read-modify-write of some nodes, done inside the write's own transaction.

    The store reads the nodes named by `ids` (those that exist, in that order) after it has
    locked the tenant against other writers, and upserts what `change` makes of them. So two
    edits of one node never both read the old state: the second sees the first's result.
    `change` may run more than once (a retried transaction) and must depend only on its input;
    an exception from it rolls the whole write back.
    """

    ids: Sequence[str]
    change: Callable[[list[Node]], Sequence[Node]]


@dataclass
class ChangeSet:
    """What one import or mutation writes. `nodes` may be a generator: it is consumed once.

    `prune_source`: after the upserts, delete the nodes recorded with this source that the
    change set did not mention (an import that no longer lists them).
    """

    # a node, or its stored rows where an importer validated them so (graph_schema.rows)
    nodes: Iterable[Node | NodeRecord] = ()
    units: Sequence[Unit] = ()
    people: Sequence[Person] = ()
    values: Sequence[Value] = ()
    delete_ids: Sequence[str] = ()
    prune_source: str | None = None
    edit: NodeEdit | None = None
    # for the audit record the store writes in the same transaction: who, and what they did
    actor: str = "unknown"
    action: str = "write"


@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    moved: list[str] = field(default_factory=list)  # only their source changed (a renamed file)
    removed: list[str] = field(default_factory=list)
    # node id -> what changes, field by field; kept on dry runs only (a real import may be large)
    diffs: dict[str, list[str]] = field(default_factory=dict)
    org_changed: int = 0
    version: int = 0
    dry_run: bool = False
    # what the write changed, for engines to update from (None: rebuild from the store instead)
    delta: GraphDelta | None = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.moved or self.removed or self.org_changed)

    def summary(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "moved": len(self.moved),
            "removed": len(self.removed),
            "orgChanged": self.org_changed,
            "version": self.version,
            "dryRun": self.dry_run,
        }


@dataclass(frozen=True)
class AuditRecord:
    """One write: who made it, when, the version it made, and the ids it changed."""

    seq: int
    at: str
    actor: str
    action: str
    version: int
    created: list[str]
    updated: list[str]
    moved: list[str]
    removed: list[str]
    org_changed: int

    def changes_json(self) -> str:
        return json.dumps(
            {
                "created": self.created,
                "updated": self.updated,
                "moved": self.moved,
                "removed": self.removed,
                "orgChanged": self.org_changed,
            }
        )

    @classmethod
    def of(
        cls, seq: int, at: str, actor: str, action: str, version: int, changes: str
    ) -> AuditRecord:
        c = json.loads(changes)
        return cls(
            seq,
            at,
            actor,
            action,
            version,
            c["created"],
            c["updated"],
            c["moved"],
            c["removed"],
            c["orgChanged"],
        )


def audit_of(changes: ChangeSet, result: ApplyResult, seq: int) -> AuditRecord:
    """The audit record of a write that changed something (the stores write it with it)."""
    return AuditRecord(
        seq,
        datetime.now(UTC).isoformat(timespec="seconds"),
        changes.actor,
        changes.action,
        result.version,
        sorted(result.created),
        sorted(result.updated),
        sorted(result.moved),
        sorted(result.removed),
        result.org_changed,
    )


class StoreError(StratmapError):
    """Root of every storage failure; the message is meant for the user."""


class StoreBusy(StoreError):
    """Another writer held the store for longer than the write wait: nothing was written."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class GraphStore(Protocol):
    def apply(self, tenant: str, changes: ChangeSet, *, dry_run: bool = False) -> ApplyResult: ...

    def read_graph(self, tenant: str) -> GraphRows: ...

    def read_ancestry(self, tenant: str, ids: Sequence[str]) -> GraphRows:
        """What read_graph gives, but only of these nodes and every node above them along
        SUPPORTS links (the upward closure: all a node's line of sight reads), with the whole
        organisation's units, people and values. Ids that name no node are left out."""
        ...

    def version(self, tenant: str) -> int: ...

    def get(self, tenant: str, ids: Sequence[str]) -> list[Node]: ...

    def node_ids(self, tenant: str) -> list[str]:
        """Every node id of the tenant, in id order (placeholders of missing parents excluded)."""
        ...

    def node_ids_in_units(self, tenant: str, units: Sequence[str]) -> list[str]:
        """The ids of the nodes whose unit is one of `units`, in id order."""
        ...

    def tenants(self) -> list[str]: ...

    def snapshot_stamp(self, tenant: str) -> str | None:
        """A string that names this state of the tenant and no other: "<version>/" and then what
        tells it from any other tenant of that name and version. None where the store cannot
        tell: then no engine snapshot is persisted or trusted (service.engine.snapshot)."""
        ...

    def record_history(
        self, tenant: str, label: str | None, score: float | None, payload: dict[str, Any]
    ) -> int: ...

    def history(self, tenant: str, last: int | None = None) -> list[dict[str, Any]]: ...

    def audit(self, tenant: str, last: int | None = None) -> list[AuditRecord]:
        """The tenant's audit records, oldest first (the last `last` of them)."""
        ...

    def close(self) -> None: ...
