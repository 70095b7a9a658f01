"""Apply parsed records through the store: one transaction, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from graph_schema import Node
from importers.records import ParsedImport
from service.store.base import ApplyResult, ChangeSet, GraphStore

Progress = Callable[[Iterable[Node], int], Iterator[Node]]


class TenantChoiceError(ValueError):
    """The import cannot tell which organisation it is for; the message lists the stored ones."""


def tenant_for(parsed: ParsedImport, tenant: str | None, stored: list[str]) -> str:
    """--tenant, else the document's organisation, else the store's only organisation, else
    'default' (DESIGN section 5). Where that would guess between organisations, it refuses."""
    # an explicit tenant always wins, even a falsy one: a document must never pick the tenant
    # a caller was bound to (an API token's tenant is passed here)
    if tenant is not None:
        if not tenant.strip():
            raise ValueError("the tenant name is empty")
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


def load(
    store: GraphStore,
    parsed: ParsedImport,
    *,
    tenant: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
) -> tuple[str, ApplyResult]:
    name = tenant_for(parsed, tenant, [] if tenant is not None else store.tenants())
    nodes: Iterable[Node] = parsed.nodes()
    if progress is not None:
        nodes = progress(nodes, parsed.node_count)
    changes = ChangeSet(
        nodes=nodes,
        units=parsed.units,
        people=parsed.people,
        values=parsed.values,
        prune_source=parsed.source if prune else None,
    )
    return name, store.apply(name, changes, dry_run=dry_run)
