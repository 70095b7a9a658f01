"""Write use cases shared by the CLI and the API: plain functions over a store."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

import importers
from graph_schema import Node, Rel, Status
from graph_schema.errors import StratmapError
from graph_schema.rows import LinkRow, NodeRecord
from importers.records import ParsedImport
from service.errors import UseCaseError
from service.gcpause import gc_paused
from service.store.base import ApplyResult, ChangeSet, GraphStore, NodeEdit
from service.store.records import rows_to_node

if TYPE_CHECKING:
    from service.engine.engine import Engine


class TenantChoiceError(UseCaseError, ValueError):
    """The import cannot tell which organisation it is for; the message lists the stored ones."""

    def __init__(self, message: str) -> None:
        self.field, self.message = "tenant", message
        StratmapError.__init__(self, message)


Progress = Callable[[Iterable[Node | NodeRecord], int], Iterator[Node | NodeRecord]]


def tenant_for(parsed: ParsedImport, tenant: str | None, stored: list[str]) -> str:
    """--tenant, else the document's organisation, else the store's only organisation, else
    'default' (DESIGN section 5). Where that would guess between organisations, it refuses."""
    # an explicit tenant always wins, even a falsy one: a document must never pick the tenant
    # a caller was bound to (an API token's tenant is passed here)
    if tenant is not None:
        if not tenant.strip():
            raise TenantChoiceError("the tenant name is empty")
        return tenant
    held = ", ".join(stored)
    if parsed.organisation:
        if stored and parsed.organisation not in stored:
            raise TenantChoiceError(
                f"{parsed.file} names organisation '{parsed.organisation}', which the store "
                f"does not hold (it holds: {held}); pass --tenant to say which"
            )
        return parsed.organisation
    if len(stored) == 1:
        return stored[0]
    if len(stored) > 1:
        raise TenantChoiceError(
            f"{parsed.file} names no organisation and the store holds several ({held}); "
            "pass --tenant"
        )
    return "default"


def import_parsed(
    store: GraphStore,
    parsed: ParsedImport,
    *,
    tenant: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
    actor: str = "unknown",
) -> tuple[str, ApplyResult]:
    """Apply parsed records in one transaction, all or nothing; returns the tenant chosen."""
    name = tenant_for(parsed, tenant, [] if tenant is not None else store.tenants())
    nodes: Iterable[Node | NodeRecord] = (
        parsed.records() if parsed.records is not None else parsed.nodes()
    )
    if progress is not None:
        nodes = progress(nodes, parsed.node_count)
    changes = ChangeSet(
        nodes=nodes,
        units=parsed.units,
        people=parsed.people,
        values=parsed.values,
        prune_source=parsed.source if prune else None,
        actor=actor,
        action=f"import {parsed.source}" + (" --prune" if prune else ""),
    )
    with gc_paused():  # rows by the million, none in a cycle: a full collection only costs
        return name, store.apply(name, changes, dry_run=dry_run)


def import_content(
    store: GraphStore,
    tenant: str,
    content: str,
    fmt: str,
    *,
    dry_run: bool = False,
    prune: bool = False,
    source: str | None = None,
    actor: str = "unknown",
) -> ApplyResult:
    """Import a document given as text (the API's path); same rules as importing a file."""
    suffix = {"yaml": ".yaml", "json": ".json", "csv": ".csv"}[fmt]
    if prune and source is None:
        # pruning by a default name would remove whatever an earlier upload of another name left
        raise UseCaseError(
            "source", "prune needs the source name whose nodes this content replaces"
        )
    name = source if source is not None else f"api-import{suffix}"
    if not name.strip() or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise UseCaseError("source", "must be a name of 1 to 200 printable characters")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"  # the caller's name is only a label, never a path
        path.write_text(content, encoding="utf-8")
        try:
            # CSV means any table layout the importer knows, recognised from its header (an Ally or
            # Jira export as well as the generic CSV); JSON also takes Asana's and Linear's
            # responses
            with gc_paused():
                parsed = importers.parse_files([path], None if fmt == "csv" else fmt, source=name)
        except importers.ImportFailed as exc:
            # report the caller's name for the content, not our temporary path
            raise importers.ImportFailed(
                [importers.ImportIssue(name, i.message, i.row, i.path, i.field) for i in exc.issues]
            ) from None
        return import_parsed(
            store, parsed, tenant=tenant, dry_run=dry_run, prune=prune, actor=actor
        )[1]


def upsert_nodes(
    store: GraphStore, tenant: str, nodes: Sequence[Node], *, actor: str = "unknown"
) -> ApplyResult:
    seen: set[str] = set()
    for i, node in enumerate(nodes):
        if node.id in seen:
            raise UseCaseError(f"nodes[{i}].id", f"duplicate id '{node.id}'")
        seen.add(node.id)
    return store.apply(tenant, ChangeSet(nodes=list(nodes), actor=actor, action="upsertNodes"))


def _edit_one(
    store: GraphStore,
    tenant: str,
    node_id: str,
    field: str,
    change: Callable[[Node], Node],
    *,
    actor: str,
    action: str,
) -> ApplyResult:
    """Change one node as one unit of work: read and written in the same transaction, so two
    concurrent edits of a node both land (NodeEdit)."""

    def edit(found: list[Node]) -> list[Node]:
        if not found:
            raise UseCaseError(field, f"no node '{node_id}'")
        return [change(found[0])]

    return store.apply(
        tenant, ChangeSet(edit=NodeEdit([node_id], edit), actor=actor, action=action)
    )


def _revalidate(node: Node, field: str, **update: object) -> Node:
    """A changed copy of a node, checked by the model like any imported node."""
    try:
        return Node.model_validate({**node.model_dump(), **update})
    except ValidationError as exc:
        raise UseCaseError(
            field, "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        ) from None


def link(
    store: GraphStore,
    tenant: str,
    child_id: str,
    parent_id: str,
    weight: float = 1.0,
    *,
    actor: str = "unknown",
) -> ApplyResult:
    if not 0.0 <= weight <= 1.0:
        raise UseCaseError("weight", "must be between 0 and 1")
    parent_id = parent_id.strip()
    if not parent_id:
        raise UseCaseError("parentId", "must not be empty")

    def add(child: Node) -> Node:
        parents = [p.model_dump() for p in child.parents if p.id != parent_id]
        parents.append({"id": parent_id, "weight": weight})
        return _revalidate(child, "parentId", parents=parents)

    return _edit_one(
        store, tenant, child_id, "childId", add, actor=actor, action=f"link {parent_id}"
    )


def unlink(
    store: GraphStore, tenant: str, child_id: str, parent_id: str, *, actor: str = "unknown"
) -> ApplyResult:

    def drop(child: Node) -> Node:
        if all(p.id != parent_id for p in child.parents):
            raise UseCaseError("parentId", f"'{child_id}' does not support '{parent_id}'")
        parents = tuple(p for p in child.parents if p.id != parent_id)
        return child.model_copy(update={"parents": parents})

    return _edit_one(
        store, tenant, child_id, "childId", drop, actor=actor, action=f"unlink {parent_id}"
    )


def set_status(
    store: GraphStore, tenant: str, node_id: str, status: Status, *, actor: str = "unknown"
) -> ApplyResult:
    return _edit_one(
        store,
        tenant,
        node_id,
        "id",
        lambda node: node.model_copy(update={"status": status}),
        actor=actor,
        action=f"setStatus {status.value}",
    )


def delete_nodes(
    store: GraphStore, tenant: str, ids: Sequence[str], *, actor: str = "unknown"
) -> ApplyResult:
    missing = sorted(set(ids) - {n.id for n in store.get(tenant, list(ids))})
    if missing:
        raise UseCaseError("ids", f"no such node(s): {', '.join(missing)}")
    return store.apply(tenant, ChangeSet(delete_ids=list(ids), actor=actor, action="deleteNodes"))


class ParentCollector:
    """Watches the nodes of an import go by: their ids and every parent they name (O(ids))."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.parents: set[str] = set()

    def watch(self, nodes: Iterable[Node | NodeRecord]) -> Iterator[Node | NodeRecord]:
        supports = Rel.SUPPORTS.value
        seen, named = self.ids.add, self.parents.add
        for node in nodes:
            if isinstance(node, tuple):
                row, links = node
                seen(row.id)
                for link in links:  # a loop, not a generator a node: a third of the time
                    if link.rel == supports:
                        named(link.dst)
            else:
                seen(node.id)
                self.parents.update(p.id for p in node.parents)
            yield node


def dangling_parents(
    store: GraphStore,
    tenant: str,
    seen: ParentCollector,
    limit: int = 20,
    *,
    written: bool,
) -> tuple[int, list[tuple[str, list[str]]]]:
    """Parent ids the import named that no node has (after it), with up to 3 suggested ids each:
    (how many, the first `limit` of them in id order). `written`: the import's nodes are in the
    store (not a dry run), so the store's ids hold them already."""
    unknown = seen.parents - seen.ids
    if unknown:
        unknown -= {n.id for n in store.get(tenant, sorted(unknown))}
    if not unknown:
        return 0, []
    ids = store.node_ids(tenant)
    if written:
        ids.sort()  # in id order already, so a linear pass; merging 1M ids in again took ~1 s
    else:
        ids = sorted(set(ids) | seen.ids)
    from service.engine.suggest import IdIndex  # numpy: only where a parent is missing

    index = IdIndex(ids)
    missing = sorted(unknown)
    return len(missing), [(m, [ids[i] for i in index.suggest(m)]) for m in missing[:limit]]


def recorded_scores(row: dict[str, Any]) -> dict[str, float | None]:
    """A history record's score of each unit, by unit id (empty in records kept before units
    were)."""
    return {u["unit"]: u.get("score") for u in row.get("byUnit", [])}


def record_history(
    store: GraphStore, tenant: str, engine: Engine, label: str | None = None
) -> dict[str, Any]:
    """Keep the engine's alignment (score, counts, by unit, by goal) as the next history record;
    returns that record as the store holds it."""
    from service.engine.engine import Engine  # numpy and scipy: not for an import's command
    from service.engine.findings_json import alignment_record

    if engine.stale:
        # a patched engine carries some counts from the version before (service.engine.patch);
        # history is kept for good, so it is taken from the store's own state instead
        engine = Engine(store.read_graph(tenant), engine.period)
    return record_alignment(store, tenant, alignment_record(engine), label)


def record_alignment(
    store: GraphStore, tenant: str, summary: dict[str, Any], label: str | None = None
) -> dict[str, Any]:
    """Keep an alignment_record, made from the tenant's current state, as its next history
    record; returns that record as the store holds it."""
    summary = dict(summary)
    score = summary.pop("score")
    seq = store.record_history(tenant, label, score, summary)
    return next(r for r in store.history(tenant) if r["seq"] == seq)


EXPORT_LEAVES_OUT = "history (recordHistory) and API tokens"


def export_document(store: GraphStore, tenant: str) -> dict[str, Any]:
    """The tenant as one native document (DESIGN section 5), from one consistent read.

    Every field of every node, unit, person and value is kept; a field at its default is left
    out, since importing it gives the default back. `source` is always written, null included:
    a node without one would otherwise take the export file's name when imported. The history
    and the tokens are the server's records, not the organisation's: EXPORT_LEAVES_OUT.
    """
    rows = store.read_graph(tenant)
    links: dict[str, list[LinkRow]] = {}
    for link in rows.links:
        links.setdefault(link.src, []).append(link)
    nodes = []
    for row in rows.nodes:
        node = rows_to_node(row, links.get(row.id, []))
        entry = node.model_dump(mode="json", exclude_defaults=True)
        entry["source"] = node.source
        nodes.append(entry)

    def dumped(models: Iterable[BaseModel]) -> list[dict[str, Any]]:
        return [m.model_dump(mode="json", exclude_defaults=True) for m in models]

    return {
        "organisation": {"id": tenant},
        "units": dumped(rows.units),
        "people": dumped(rows.people),
        "values": dumped(rows.values),
        "nodes": nodes,
    }
