"""Mutations: every write goes through a use case, answers a Success | Error union, and
tells the engine cache the version it made, so the writer's next read sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry
from pydantic import ValidationError
from strawberry.types import Info

import importers
from graph_schema import Node
from importers.records import clean_message, pydantic_field
from service import usecases
from service.api.context import Context
from service.api.enums import ImportFormat, NodeKind, Scope, Status
from service.api.types import AlignmentRecordType
from service.errors import UseCaseError
from service.roles import Role
from service.store.base import ApplyResult, StoreBusy


@strawberry.type(name="InputIssue")
class InputIssueType:
    message: str
    field: str | None = None
    row: int | None = None
    path: str | None = None
    file: str | None = None


@strawberry.type(name="InputError")
class InputErrorType:
    message: str
    issues: list[InputIssueType]


@strawberry.type(name="NotAllowed")
class NotAllowedType:
    message: str


@strawberry.type(
    name="Busy",
    description="Another writer held the store past STRATMAP_WRITE_WAIT_SECONDS: nothing was "
    "written; send the same mutation again after retryAfterSeconds.",
)
class BusyType:
    message: str
    retry_after_seconds: float

    @classmethod
    def of(cls, exc: StoreBusy) -> BusyType:
        return cls(message=str(exc), retry_after_seconds=exc.retry_after_seconds)


@strawberry.type(name="ApplySuccess")
class ApplySuccessType:
    created: list[str]
    updated: list[str]
    unchanged: int
    moved: list[str] = strawberry.field(
        description="Nodes whose source alone changed (a renamed file): "
        "written, but not counted as updated."
    )
    removed: list[str]
    org_changed: int
    version: int
    dry_run: bool

    @classmethod
    def from_result(cls, r: ApplyResult) -> ApplySuccessType:
        return cls(
            created=r.created,
            updated=r.updated,
            unchanged=r.unchanged,
            moved=r.moved,
            removed=r.removed,
            org_changed=r.org_changed,
            version=r.version,
            dry_run=r.dry_run,
        )


@strawberry.type(name="HistorySuccess")
class HistorySuccessType:
    record: AlignmentRecordType


WriteResult = Annotated[
    ApplySuccessType | InputErrorType | NotAllowedType | BusyType, strawberry.union("WriteResult")
]
HistoryResult = Annotated[
    HistorySuccessType | NotAllowedType | BusyType, strawberry.union("HistoryResult")
]


@strawberry.input
class ParentInput:
    id: strawberry.ID
    weight: float = 1.0


@strawberry.input
class NodeInput:
    id: strawberry.ID
    kind: NodeKind
    title: str
    status: Status = Status.ACTIVE
    period: str | None = None
    description: str | None = None
    effort: float | None = None
    owner: str | None = None
    unit: str | None = None
    co_owners: list[str] = strawberry.field(default_factory=list)
    scope: Scope | None = None
    start: float | None = None
    target: float | None = None
    current: float | None = None
    measure_unit: str | None = None
    parents: list[ParentInput] = strawberry.field(default_factory=list)
    depends_on: list[str] = strawberry.field(default_factory=list)
    conflicts_with: list[str] = strawberry.field(default_factory=list)
    expresses: list[str] = strawberry.field(default_factory=list)
    source: str | None = "api"

    def to_domain(self) -> Node:
        return Node.model_validate(
            {
                "id": self.id,
                "kind": self.kind,
                "title": self.title,
                "status": self.status,
                "period": self.period,
                "description": self.description,
                "effort": self.effort,
                "owner": self.owner,
                "unit": self.unit,
                "co_owners": self.co_owners,
                "scope": self.scope,
                "start": self.start,
                "target": self.target,
                "current": self.current,
                "measure_unit": self.measure_unit,
                "parents": [{"id": p.id, "weight": p.weight} for p in self.parents],
                "depends_on": self.depends_on,
                "conflicts_with": self.conflicts_with,
                "expresses": self.expresses,
                "source": self.source,
            }
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _write(
    info: Info, role: Role, action: Callable[[Context], ApplyResult]
) -> ApplySuccessType | InputErrorType | NotAllowedType | BusyType:
    ctx: Context = info.context
    if not ctx.principal.role.allows(role):
        return NotAllowedType(
            message=f"this needs the {role.value} role; your token has {ctx.principal.role.value}"
        )
    try:
        result = action(ctx)
    except StoreBusy as exc:
        return BusyType.of(exc)
    except UseCaseError as exc:
        return InputErrorType(
            message=exc.message, issues=[InputIssueType(message=exc.message, field=exc.field)]
        )
    except importers.ImportFailed as exc:
        return InputErrorType(
            message=f"{len(exc.issues)} problem(s); nothing was written",
            issues=[
                InputIssueType(
                    message=i.message, field=i.field, row=i.row, path=i.path, file=i.file
                )
                for i in exc.issues
            ],
        )
    if result.changed and not result.dry_run:
        ctx.wrote(result.version, result.delta)
    return ApplySuccessType.from_result(result)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Import a native YAML/JSON document, or any table layout stratmap reads "
        "(format CSV: the header decides; docs/importers.md), or an Asana or "
        "Linear API response (format JSON): all or nothing. prune needs the admin "
        "role and a source."
    )
    def import_document(
        self,
        info: Info,
        content: str,
        format: ImportFormat,
        dry_run: bool = False,
        prune: bool = False,
        source: str | None = None,
    ) -> WriteResult:
        return _write(
            info,
            Role.ADMIN if prune else Role.EDITOR,
            lambda ctx: usecases.import_content(
                ctx.store,
                ctx.tenant,
                content,
                format.value,
                dry_run=dry_run,
                prune=prune,
                source=source,
                actor=ctx.actor,
            ),
        )

    @strawberry.mutation
    def upsert_nodes(self, info: Info, nodes: list[NodeInput]) -> WriteResult:
        def action(ctx: Context) -> ApplyResult:
            cap = ctx.limits.max_upsert_nodes
            if len(nodes) > cap:
                raise UseCaseError(
                    "nodes", f"at most {cap} nodes per call (got {len(nodes)}); import a file"
                )
            built: list[Node] = []
            issues: list[importers.ImportIssue] = []
            for i, n in enumerate(nodes):
                try:
                    built.append(n.to_domain())
                except ValidationError as exc:
                    for err in exc.errors():
                        msg = clean_message(err["msg"])
                        field = pydantic_field(tuple(err["loc"]), msg)
                        name = _camel(field) if field else None
                        issues.append(
                            importers.ImportIssue(
                                "request",
                                msg,
                                path=f"nodes[{i}]" + (f".{name}" if name else ""),
                                field=name,
                            )
                        )
            if issues:
                raise importers.ImportFailed(issues)
            return usecases.upsert_nodes(ctx.store, ctx.tenant, built, actor=ctx.actor)

        return _write(info, Role.EDITOR, action)

    @strawberry.mutation
    def link(
        self, info: Info, child_id: strawberry.ID, parent_id: strawberry.ID, weight: float = 1.0
    ) -> WriteResult:
        return _write(
            info,
            Role.EDITOR,
            lambda ctx: usecases.link(
                ctx.store, ctx.tenant, child_id, parent_id, weight, actor=ctx.actor
            ),
        )

    @strawberry.mutation
    def unlink(self, info: Info, child_id: strawberry.ID, parent_id: strawberry.ID) -> WriteResult:
        return _write(
            info,
            Role.EDITOR,
            lambda ctx: usecases.unlink(
                ctx.store, ctx.tenant, child_id, parent_id, actor=ctx.actor
            ),
        )

    @strawberry.mutation
    def set_status(self, info: Info, id: strawberry.ID, status: Status) -> WriteResult:
        return _write(
            info,
            Role.EDITOR,
            lambda ctx: usecases.set_status(ctx.store, ctx.tenant, id, status, actor=ctx.actor),
        )

    @strawberry.mutation(
        description="Delete nodes (and their outgoing links); needs the admin role."
    )
    def delete_nodes(self, info: Info, ids: list[strawberry.ID]) -> WriteResult:
        return _write(
            info,
            Role.ADMIN,
            lambda ctx: usecases.delete_nodes(ctx.store, ctx.tenant, list(ids), actor=ctx.actor),
        )

    @strawberry.mutation(description="Keep today's alignment in the history, for the trend.")
    def record_history(self, info: Info, label: str | None = None) -> HistoryResult:
        ctx: Context = info.context
        if not ctx.principal.role.can_write():
            return NotAllowedType(
                message=f"this needs the editor role; your token has {ctx.principal.role.value}"
            )
        try:
            row = usecases.record_history(ctx.store, ctx.tenant, ctx.engine(), label)
        except StoreBusy as exc:
            return BusyType.of(exc)
        return HistorySuccessType(record=AlignmentRecordType.from_domain(row))
