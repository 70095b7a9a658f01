"""Level-column outlines (hand-made spreadsheets, Goalscape): `Main, L1, L2, ... Ln`.

The filled level column gives a row's depth and row order gives the tree: a row's parent is the
nearest row above it one level up. Optional columns: `Type`, `Owner`, `Unit`, `Status`, `Period`,
`ID`, `Importance` (the weight among siblings), `Progress`, `Notes`. A row whose `ID` repeats is
the same node under another parent (a work item cited under several key results). Without a
`Type` column, `--levels` names the kind of each depth. Without an `ID` column, ids are derived
from the title path and owner (importers.ids).

Two passes, like every table: the first finds every problem and keeps, per id, only what a
repeat needs (its extra parents and a digest of its fields); the second yields the nodes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph_schema import Node, NodeKind
from importers.cells import CellError, fraction, number
from importers.errors import ImportFailed, ImportIssue
from importers.ids import IdDeriver
from importers.records import ParsedImport, ReadOptions, cut_long_text, node_again, validate_node
from importers.table import Table, check_decodes, describe
from importers.vocab import kind_of, known_kinds, known_statuses, status_of

OPTIONAL = ("type", "owner", "unit", "status", "period", "id", "importance", "progress", "notes")
_LEVEL = re.compile(r"^(?:main|l(\d+))$")
MAX_ISSUES = 1000


def _depth(key: str) -> int | None:
    m = _LEVEL.match(key)
    if m is None:
        return None
    return 0 if m.group(1) is None else int(m.group(1))


def is_outline(keys: tuple[str, ...]) -> bool:
    # unknown columns beside Main and L1 are the parser's to report, not a sign of another format
    return "main" in keys and "l1" in keys


@dataclass
class _Row:
    number: int
    depth: int
    title: str
    cells: dict[str, str]
    node_id: str
    parent: str | None


@dataclass
class _Walk:
    """The tree as the rows build it; shared by both passes so they cannot disagree."""

    table: Table
    columns: list[tuple[int, int]]  # (cell index, depth)
    names: dict[int, str]  # cell index -> optional column key
    derive: IdDeriver | None
    issues: list[ImportIssue] = field(default_factory=list)

    def rows(self) -> Iterator[_Row]:
        stack: list[tuple[str, tuple[str, ...]]] = []  # (id, title path) per depth
        for row_no, cells in self.table.records():
            filled = [
                (d, cells[i].strip())
                for i, d in self.columns
                if i < len(cells) and cells[i].strip()
            ]
            extra = {
                self.names[i]: c.strip()
                for i, c in enumerate(cells)
                if i in self.names and c.strip()
            }
            if len(cells) > len(self.table.header):
                self.issues.append(
                    ImportIssue(
                        self.table.file,
                        f"{len(cells)} cells but the header has {len(self.table.header)} columns",
                        row=row_no,
                    )
                )
                continue
            if len(filled) != 1:
                where = ", ".join(
                    self.table.header[i] for i, d in self.columns if any(d == f[0] for f in filled)
                )
                self.issues.append(
                    ImportIssue(
                        self.table.file,
                        "no title in any level column"
                        if not filled
                        else f"titles in several level columns ({where}): one a row",
                        row=row_no,
                    )
                )
                continue
            depth, title = filled[0]
            if depth > len(stack):
                above = f"L{len(stack) - 1}" if len(stack) > 1 else "Main" if stack else "nothing"
                self.issues.append(
                    ImportIssue(
                        self.table.file,
                        f"sits at {self.table.header[self._index(depth)]} but the row it would "
                        f"hang under is at {above}",
                        row=row_no,
                        field=self.table.header[self._index(depth)],
                    )
                )
                continue
            del stack[depth:]
            path = (*stack[-1][1], title) if stack else (title,)
            node_id = extra.get("id") or (
                self.derive(path, extra.get("owner")) if self.derive else ""
            )
            stack.append((node_id, path))
            yield _Row(row_no, depth, title, extra, node_id, stack[-2][0] if depth else None)

    def _index(self, depth: int) -> int:
        return next(i for i, d in self.columns if d == depth)


def _digest(data: dict[str, Any]) -> bytes:
    fields = ("kind", "title", "owner", "unit", "status", "period", "description")
    return hashlib.blake2b(repr([data.get(f) for f in fields]).encode(), digest_size=8).digest()


def parse_outline(table: Table, source: str, options: ReadOptions | None = None) -> ParsedImport:
    options = options or ReadOptions()
    levels = options.levels
    check_decodes(table)
    file = table.file
    columns = sorted(
        ((i, d) for i, k in enumerate(table.keys) if (d := _depth(k)) is not None),
        key=lambda c: c[1],
    )
    names = {i: k for i, k in enumerate(table.keys) if k in OPTIONAL}
    header: list[ImportIssue] = []
    for want, (i, d) in enumerate(columns):
        if d != want:
            header.append(
                ImportIssue(
                    file,
                    f"level columns must run Main, L1, L2, ... without a gap: "
                    f"'{table.header[i]}' comes where L{want} belongs",
                    row=1,
                    field=table.header[i],
                )
            )
            break
    for i, k in enumerate(table.keys):
        if _depth(k) is None and k not in OPTIONAL:
            header.append(
                ImportIssue(
                    file,
                    f"unknown column '{table.header[i]}' (known: Main, L1..Ln, "
                    "Type, Owner, Unit, Status, Period, ID, Importance, Progress, Notes)",
                    row=1,
                    field=table.header[i],
                )
            )
    kinds_by_depth: list[NodeKind] = []
    for word in levels:
        kind = kind_of(word)
        if kind is None:
            header.append(
                ImportIssue(file, f"--levels: unknown kind '{word}' (expected: {known_kinds()})")
            )
        else:
            kinds_by_depth.append(kind)
    if "type" not in names.values() and not levels:
        header.append(
            ImportIssue(
                file,
                "no Type column: pass --levels with the kind of each depth, e.g. "
                "--levels vision,goal,objective,keyresult,initiative",
                row=1,
            )
        )
    if len(set(table.keys)) != len(table.keys):
        dup = next(table.header[i] for i, k in enumerate(table.keys) if table.keys.index(k) != i)
        header.append(ImportIssue(file, f"column '{dup}' appears twice", row=1, field=dup))
    if header:
        raise ImportFailed(header)
    decimal_comma = table.delimiter == ";"
    derive = None if "id" in names.values() else lambda: IdDeriver("outline")

    def fields(
        row: _Row, problems: list[tuple[str, str]], cuts: list[str] | None = None
    ) -> dict[str, Any]:
        c = row.cells
        data: dict[str, Any] = {"id": row.node_id, "title": row.title, "source": source}
        if "type" in c:
            kind = kind_of(c["type"])
            if kind is None:
                problems.append(
                    ("Type", f"unknown type '{c['type']}' (expected one of: {known_kinds()})")
                )
            data["kind"] = kind
        elif row.depth < len(kinds_by_depth):
            data["kind"] = kinds_by_depth[row.depth]
        else:
            problems.append(
                (
                    "Type",
                    f"no Type, and --levels names {len(kinds_by_depth)} depths, "
                    f"not {row.depth + 1}",
                )
            )
        if "status" in c:
            status = status_of(c["status"])
            if status is None:
                problems.append(
                    (
                        "Status",
                        f"unknown status '{c['status']}' (expected one of: {known_statuses()})",
                    )
                )
            data["status"] = status
        for key, name in (
            ("owner", "owner"),
            ("unit", "unit"),
            ("period", "period"),
            ("notes", "description"),
        ):
            if key in c:
                data[name] = c[key]
        named = {
            "title": table.header[columns[min(row.depth, len(columns) - 1)][0]],
            "description": "Notes",
            "period": "Period",
            "owner": "Owner",
            "unit": "Unit",
        }
        problems += [
            (named.get(f, f), msg)
            for f, msg in cut_long_text(
                data, f"{file}, row {row.number}", cuts if options.truncate else None
            )
        ]
        if "progress" in c and data.get("kind") == NodeKind.KEY_RESULT:
            try:  # a bare share of the way: start 0, target 1
                data.update(
                    start=0.0,
                    target=1.0,
                    current=fraction(c["progress"], decimal_comma=decimal_comma),
                )
            except CellError as exc:
                problems.append(("Progress", str(exc)))
        return data

    def importance(row: _Row, problems: list[tuple[str, str]]) -> float | None:
        if "importance" not in row.cells or row.parent is None:
            return None
        try:
            value = number(row.cells["importance"], decimal_comma=decimal_comma)[0]
        except CellError as exc:
            problems.append(("Importance", str(exc)))
            return None
        if value < 0:
            problems.append(("Importance", f"{value:g} is negative"))
            return None
        return value

    # pass 1: every problem; per id only a digest and the parents of its repeats
    walk = _Walk(table, columns, names, derive() if derive else None)
    first: dict[str, tuple[int, bytes, str | None]] = {}  # id -> (row, digest, first parent)
    repeats: dict[str, list[tuple[str, float | None, int]]] = {}
    sibling_sum: dict[str, float] = {}
    issues = walk.issues
    cuts: list[str] = []
    for row in walk.rows():
        problems: list[tuple[str, str]] = []
        data = fields(row, problems, cuts)
        imp = importance(row, problems)
        if imp is not None and row.parent is not None:
            sibling_sum[row.parent] = sibling_sum.get(row.parent, 0.0) + imp
        issues.extend(ImportIssue(file, msg, row=row.number, field=f) for f, msg in problems)
        if problems:
            continue
        digest = _digest(data)
        if row.node_id in first:
            at, was, parent0 = first[row.node_id]
            if digest != was:
                issues.append(
                    ImportIssue(
                        file,
                        f"ID '{row.node_id}' repeats row {at} with other values "
                        "(a repeated ID is the same node under another parent)",
                        row=row.number,
                        field="ID",
                    )
                )
            elif row.parent is None:
                issues.append(
                    ImportIssue(
                        file,
                        f"ID '{row.node_id}' repeats row {at} at the top level",
                        row=row.number,
                        field="ID",
                    )
                )
            elif row.parent == parent0 or any(
                p == row.parent for p, *_ in repeats.get(row.node_id, ())
            ):
                issues.append(
                    ImportIssue(
                        file,
                        f"ID '{row.node_id}' repeats row {at} under the same parent",
                        row=row.number,
                        field="ID",
                    )
                )
            else:
                repeats.setdefault(row.node_id, []).append((row.parent, imp, row.number))
            continue
        first[row.node_id] = (row.number, digest, row.parent)
        if row.parent is not None:
            data["parents"] = [{"id": row.parent}]
        issues += validate_node(file, row.number, data)[1]
        if len(issues) >= MAX_ISSUES:
            issues.append(ImportIssue(file, f"stopped after {MAX_ISSUES} problems"))
            break
    if not issues and not first:
        issues.append(ImportIssue(file, "no data rows: nothing to import", row=2))
    if issues:
        raise ImportFailed(issues)
    count = len(first)
    del first  # the digests were for pass 1 only

    def weight(parent: str, imp: float | None) -> float:
        if imp is None:
            return 1.0
        total = sibling_sum.get(parent, 0.0)
        return imp / total if total else 0.0

    def nodes() -> Iterator[Node]:
        again = _Walk(table, columns, names, derive() if derive else None)
        done: set[str] = set()
        for row in again.rows():
            if row.node_id in done:
                continue
            done.add(row.node_id)
            problems: list[tuple[str, str]] = []
            data = fields(row, problems, [])
            imp = importance(row, problems)
            parents = (
                []
                if row.parent is None
                else [{"id": row.parent, "weight": weight(row.parent, imp)}]
            )
            parents += [
                {"id": p, "weight": weight(p, i)} for p, i, _ in repeats.get(row.node_id, ())
            ]
            if parents:
                data["parents"] = parents
            yield node_again(file, row.number, data, changed=bool(problems))
        if again.issues:
            raise ImportFailed(again.issues)

    return ParsedImport(
        file=file,
        source=source,
        organisation=None,
        node_count=count,
        nodes=nodes,
        layout="outline",
        details=describe(table),
        cuts=cuts,
    )
