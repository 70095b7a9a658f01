"""What every importer produces: validated records, with the nodes re-readable as a stream."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from graph_schema import Node, Person, Unit, Value
from graph_schema.rows import NodeRecord
from importers.errors import ImportFailed, ImportIssue

__all__ = [
    "TEXT_LIMITS",
    "LinkRecord",
    "ParsedImport",
    "ReadOptions",
    "clean_message",
    "cut_long_text",
    "node_again",
    "pydantic_field",
    "validate_node",
]


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file where it cannot tell by itself (the CLI's flags)."""

    encoding: str | None = None
    delimiter: str | None = None
    levels: tuple[str, ...] = ()  # kinds by depth, for trees without a Type column
    date_order: str | None = None  # 'dmy' or 'mdy', for slashed dates that never say
    truncate: bool = False  # cut text longer than its field allows, and list every cut
    link_column: str | None = (
        None  # work exports: the column holding the stratmap ids an item supports
    )
    link_label_prefix: str | None = None  # ... or the prefix of labels that name them (okr:O-DIG)
    sheet: str | None = None  # a workbook's sheet (default: the first)
    columns: dict[str, str | None] | None = None  # --columns: their header -> ours (None drops it)


@dataclass(frozen=True)
class LinkRecord:
    """One row of a links file (or item of an API response): `child` supports `parent`."""

    child: str
    parent: str
    weight: float
    row: int | None
    path: str | None = None  # where in a JSON response, for an item that has no row


@dataclass
class ParsedImport:
    file: str
    source: str
    organisation: str | None
    node_count: int
    # A fresh iterator over the validated nodes each call: a large CSV is read again rather than
    # held in memory, so memory grows with the number of ids, not with the file.
    nodes: Callable[[], Iterator[Node]]
    # The same nodes already in the form the store writes, where the importer can give them
    # without building models (the generic CSV: the hot path of a large import); None: use nodes
    records: Callable[[], Iterator[NodeRecord]] | None = None
    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    # a units file's leaders: person id -> the units they lead, and the row naming them first
    leads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    leader_rows: dict[str, int] = field(default_factory=dict)
    links: list[LinkRecord] = field(default_factory=list)  # a links file's child -> parent rows
    layout: str = ""  # the format it was read as, e.g. "csv", "outline"
    parts: list[ParsedImport] = field(default_factory=list)  # the files a joined import was made of
    cuts: list[str] = field(default_factory=list)  # what --truncate cut: file, row, field, lengths
    # what --dry-run shows of how the file was read: encoding, delimiter, columns -> fields
    details: dict[str, str] = field(default_factory=dict)

    @classmethod
    def without_nodes(
        cls, file: str, source: str, layout: str, details: dict[str, str], **records: Any
    ) -> ParsedImport:
        """What a units, people, teams or links file gives: records beside the nodes of its run."""
        return cls(
            file=file,
            source=source,
            organisation=None,
            node_count=0,
            nodes=lambda: iter(()),
            layout=layout,
            details=details,
            **records,
        )


def pydantic_field(loc: tuple[int | str, ...], msg: str = "") -> str | None:
    """The field a pydantic error is about: its location, else the one its message names."""
    names = [p for p in loc if isinstance(p, str)]
    if names:
        return names[0]
    named = re.search(r"field '([a-z_]+)'", msg)
    return named.group(1) if named else None


def clean_message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _text_limits() -> dict[str, int]:
    """Each text field's longest allowed value, read off the domain model (one source of truth)."""
    out: dict[str, int] = {}
    for name, prop in Node.model_json_schema()["properties"].items():
        for alt in (prop, *prop.get("anyOf", ())):
            if "maxLength" in alt:
                out[name] = int(alt["maxLength"])
    return out


TEXT_LIMITS = _text_limits()


def cut_long_text(
    data: dict[str, Any], where: str, cuts: list[str] | None
) -> list[tuple[str, str]]:
    """Text longer than its field allows: cut it (and say so in `cuts`) under --truncate, else
    return (field, problem) pairs. Ids are never cut: a cut id would silently name another node."""
    problems = []
    for name, value in list(data.items()):  # a row's own fields: most leave many out
        limit = TEXT_LIMITS.get(name)
        if limit is None:
            continue
        if isinstance(value, str) and len(value.strip()) > limit:
            if cuts is None or name in ("id", "owner", "unit"):
                problems.append(
                    (
                        name,
                        f"{len(value.strip())} characters, more than the {limit} a {name} may have"
                        + ("" if name in ("id", "owner", "unit") else " (--truncate cuts it)"),
                    )
                )
            else:
                data[name] = value.strip()[:limit]
                cuts.append(
                    f"{where}, field '{name}': cut from {len(value.strip())} to {limit} characters"
                )
    return problems


def validate_node(
    file: str, row: int | None, data: dict[str, Any]
) -> tuple[Node | None, list[ImportIssue]]:
    """The node `data` describes, or every problem found, each naming file, row and field."""
    try:
        return Node.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            msg = clean_message(err["msg"])
            issues.append(ImportIssue(file, msg, row=row, field=pydantic_field(err["loc"], msg)))
        return None, issues


def node_again(file: str, row: int | None, data: dict[str, Any], changed: bool = False) -> Node:
    """Pass 2 of an import (inside the store's transaction): the row was valid in pass 1, so a
    problem now means the file changed between the passes; the import then fails whole."""
    node, issues = validate_node(file, row, data)
    if node is None or changed:
        raise ImportFailed(issues or [ImportIssue(file, "file changed while importing", row=row)])
    return node
