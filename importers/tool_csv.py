"""Goal exports of OKR tools that keep one row a goal and name parents by row or goal id.

Each tool is a `ToolSpec`: which of its documented columns plays which role. The rows are read
twice (the first pass finds every problem and keeps, per row id, its parent rows, a title
digest and the owner: what ids and depths need; the second yields nodes), so memory grows with
the number of rows' ids, not with the file.

Kinds: a Type column where the tool has one; else a row with a start or target value is a
KeyResult; else `--levels` names the kind of each depth in the tree; else Objective.
Ids: the tool's stable goal id where it has one, namespaced (`peoplebox:123`); else derived
from the title path and owner (importers.ids), since a row number is no identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph_schema import NodeKind
from importers.cells import (
    CellError,
    date,
    date_order_evidence,
    fraction,
    number,
    period_of,
    slashed_parts,
    split_ids,
)
from importers.errors import ImportFailed, ImportIssue
from importers.ids import derived_id, normalise
from importers.records import ParsedImport, ReadOptions, cut_long_text, node_again, validate_node
from importers.table import Table, check_decodes, describe
from importers.vocab import kind_of, known_kinds, known_statuses, status_of

MAX_ISSUES = 1000
TEXT_ROLES = ("title", "owner", "unit", "period", "description", "measure")
NUMBER_ROLES = ("start", "target", "current")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    namespace: str
    describes: str
    roles: dict[
        str, str
    ]  # header key -> role; role "drop" = known, not imported (said in the docs)
    required: frozenset[str]  # header keys that identify the layout
    list_separators: str = "\n"  # inside a parent or owner cell
    individual_entity: str | None = None  # an Entity value that means "no unit"
    delete_action: str | None = None  # an Action value that asks to delete (refused)
    signature: tuple[str, ...] = field(default=())

    def matches(self, keys: tuple[str, ...]) -> bool:
        return self.required <= set(keys)


@dataclass
class _Row:
    number: int
    cells: dict[str, str]  # role -> cell


def _rows(
    table: Table, spec: ToolSpec
) -> Iterator[tuple[int, dict[str, str] | None, ImportIssue | None]]:
    roles = [spec.roles.get(k) for k in table.keys]
    for number_, cells in table.records():
        if len(cells) > len(roles):
            yield (
                number_,
                None,
                ImportIssue(
                    table.file,
                    f"{len(cells)} cells but the header has {len(roles)} columns",
                    row=number_,
                ),
            )
            continue
        out: dict[str, str] = {}
        for role, cell in zip(roles, cells, strict=False):
            if role is not None and role != "drop" and cell.strip():
                out[role] = cell.strip()
        yield number_, out, None


def parse_tool(
    table: Table, source: str, spec: ToolSpec, options: ReadOptions | None = None
) -> ParsedImport:
    options = options or ReadOptions()
    levels = options.levels
    check_decodes(table)
    file = table.file
    header = [
        ImportIssue(file, f"unknown column '{h}' for the {spec.describes} layout", row=1, field=h)
        for h, k in zip(table.header, table.keys, strict=False)
        if k not in spec.roles
    ]
    kinds_by_depth = []
    for word in levels:
        kind = kind_of(word)
        if kind is None:
            header.append(
                ImportIssue(file, f"--levels: unknown kind '{word}' (expected: {known_kinds()})")
            )
        kinds_by_depth.append(kind)
    if header:
        raise ImportFailed(header)
    decimal_comma = table.delimiter == ";"
    column = {
        role: h
        for h, k in zip(table.header, table.keys, strict=False)
        if (role := spec.roles.get(k))
    }

    # pass 1a: row ids, parents by row, what a derived id needs
    issues: list[ImportIssue] = []
    by_row: dict[
        str, tuple[int, tuple[str, ...], str, str | None]
    ] = {}  # row id -> (row, parent rows, title, owner)
    seen_goal: dict[str, int] = {}
    slashed: dict[str, list[tuple[int, int]]] = {"startdate": [], "enddate": []}
    goal_row: dict[str, str] = {}  # goal id -> row id, for parents named by goal id
    goal_parents: dict[str, list[str]] = {}
    count = 0
    for row_no, cells, problem in _rows(table, spec):
        if problem is not None or cells is None:
            issues.append(problem or ImportIssue(file, "unreadable row", row=row_no))
            continue
        count += 1
        for role, found in slashed.items():
            if role in cells and (parts := slashed_parts(cells[role])) is not None:
                found.append(parts)
        if spec.delete_action and cells.get("action", "").lower() == spec.delete_action:
            issues.append(
                ImportIssue(
                    file,
                    f"Action '{cells['action']}' asks to delete a goal; stratmap imports "
                    "never delete by row (use --prune, or remove the node)",
                    row=row_no,
                    field=column.get("action"),
                )
            )
        rid = cells.get("rowid") or f"#row{row_no}"
        if rid in by_row:
            issues.append(
                ImportIssue(
                    file,
                    f"Row ID '{rid}' repeats row {by_row[rid][0]}",
                    row=row_no,
                    field=column.get("rowid"),
                )
            )
            continue
        goal = cells.get("goalid")
        if goal is not None:
            if goal in seen_goal:
                issues.append(
                    ImportIssue(
                        file,
                        f"goal id '{goal}' repeats row {seen_goal[goal]}",
                        row=row_no,
                        field=column.get("goalid"),
                    )
                )
            seen_goal[goal] = row_no
        owners = split_ids(cells.get("owner", ""), spec.list_separators + ",")
        if goal is not None:
            goal_row[goal] = rid
        goal_parents[rid] = split_ids(cells.get("parentids", ""), ",;\n")
        by_row[rid] = (
            row_no,
            tuple(split_ids(cells.get("parentrows", ""), spec.list_separators + ",")),
            hashlib.blake2b(normalise(cells.get("title", "")).encode(), digest_size=8).hexdigest(),
            owners[0] if owners else None,
        )
    for row_no, parents, _, _ in by_row.values():
        for p in parents:
            if p not in by_row:
                issues.append(
                    ImportIssue(
                        file,
                        f"parent row '{p}' is not a Row ID of the file",
                        row=row_no,
                        field=column.get("parentrows"),
                    )
                )
    orders: dict[str, str | None] = {}
    for role, found in slashed.items():
        if not found:
            continue
        evidence = date_order_evidence(found)
        if evidence is None:
            issues.append(
                ImportIssue(
                    file,
                    "mixes day/month and month/day dates (both 13/01 and 01/13 forms)",
                    row=1,
                    field=column[role],
                )
            )
        elif options.date_order is not None:
            orders[role] = options.date_order
        elif evidence:
            orders[role] = evidence
        else:
            issues.append(
                ImportIssue(
                    file,
                    f"its slashed dates (such as {found[0][0]:02d}/{found[0][1]:02d}/...) "
                    "could all be day/month or month/day: pass --date-order dmy|mdy",
                    row=1,
                    field=column[role],
                )
            )
    if issues:
        raise ImportFailed(issues)

    # the tree: parents by row, then parents by a goal id of this file
    tree_parent: dict[str, str | None] = {}
    for rid, (_, parents, _, _) in by_row.items():
        in_file = [goal_row[g] for g in goal_parents.pop(rid, ()) if g in goal_row]
        tree_parent[rid] = parents[0] if parents else in_file[0] if in_file else None

    # ids and depths over the tree (first parent), cycle-safe
    path_key: dict[str, str] = {}
    depth: dict[str, int] = {}
    for start in by_row:
        chain: list[str] = []
        r: str | None = start
        while r is not None and r not in path_key and r not in chain:
            chain.append(r)
            r = tree_parent[r]
        base, d = (path_key[r], depth[r]) if r is not None and r in path_key else ("", -1)
        for rid in reversed(chain):
            base, d = (
                hashlib.blake2b(f"{base}/{by_row[rid][2]}".encode(), digest_size=8).hexdigest(),
                d + 1,
            )
            path_key[rid], depth[rid] = base, d

    def node_id(rid: str, cells: dict[str, str]) -> str:
        goal = cells.get("goalid")
        if goal is not None:
            return f"{spec.namespace}:{goal}"
        return derived_id(
            spec.namespace, (path_key[rid], normalise(cells.get("title", "x"))), by_row[rid][3]
        )

    ids: dict[str, str] = {}
    repeats: dict[str, int] = {}
    for row_no, cells, _ in _rows(table, spec):
        assert cells is not None
        rid = cells.get("rowid") or f"#row{row_no}"
        base = node_id(rid, cells)
        # two rows with the same title path and owner stay two nodes: -2, -3, ... in file order
        repeats[base] = repeats.get(base, 0) + 1
        ids[rid] = base if repeats[base] == 1 else f"{base}-{repeats[base]}"

    def fields(
        row_no: int,
        cells: dict[str, str],
        problems: list[tuple[str, str]],
        cuts: list[str] | None = None,
    ) -> dict[str, Any]:
        rid = cells.get("rowid") or f"#row{row_no}"
        data: dict[str, Any] = {"id": ids[rid], "source": source, "title": cells.get("title", "")}
        owners = split_ids(cells.get("owner", ""), spec.list_separators + ",")
        if owners:
            data["owner"], data["co_owners"] = owners[0], owners[1:]
        units = split_ids(cells.get("unit", ""), spec.list_separators + ",")
        if units and units[0] != spec.individual_entity:
            data["unit"] = units[0]
        for role, name in (
            ("period", "period"),
            ("description", "description"),
            ("measure", "measure_unit"),
        ):
            if role in cells:
                data[name] = cells[role]
        dates = {}
        for role in ("startdate", "enddate"):
            if role in cells:
                try:
                    dates[role] = date(cells[role], orders.get(role))
                except CellError as exc:
                    problems.append((column[role], str(exc)))
        if "period" not in cells and dates:
            data["period"] = period_of(dates.get("startdate"), dates.get("enddate"))
        for role in NUMBER_ROLES:
            if role in cells:
                try:
                    data[role] = number(cells[role], decimal_comma=decimal_comma)[0]
                except CellError as exc:
                    problems.append((column[role], str(exc)))
        if "status" in cells:
            status = status_of(cells["status"])
            if status is None:
                problems.append(
                    (
                        column["status"],
                        f"unknown status '{cells['status']}' (expected one of: {known_statuses()})",
                    )
                )
            data["status"] = status
        kind: NodeKind | None
        if "type" in cells:
            kind = kind_of(cells["type"])
            if kind is None:
                problems.append(
                    (column["type"], f"unknown type '{cells['type']}' (expected: {known_kinds()})")
                )
        elif "start" in cells or "target" in cells:
            kind = NodeKind.KEY_RESULT
        elif kinds_by_depth:
            d = depth[rid]
            kind = kinds_by_depth[d] if d < len(kinds_by_depth) else None
            if kind is None:
                problems.append(
                    (
                        column.get("parentrows", "Parent"),
                        f"depth {d} in the tree, but --levels names {len(kinds_by_depth)} depths",
                    )
                )
        else:
            kind = NodeKind.OBJECTIVE
        data["kind"] = kind
        if (
            "progress" in cells
            and kind == NodeKind.KEY_RESULT
            and not ({"start", "target", "current"} & set(cells))
        ):
            try:
                data.update(
                    start=0.0,
                    target=1.0,
                    current=fraction(cells["progress"], decimal_comma=decimal_comma),
                )
            except CellError as exc:
                problems.append((column["progress"], str(exc)))
        field_column = {
            "title": "title",
            "description": "description",
            "period": "period",
            "measure_unit": "measure",
            "owner": "owner",
            "unit": "unit",
        }
        problems += [
            (column.get(field_column.get(f, f), f), msg)
            for f, msg in cut_long_text(
                data, f"{file}, row {row_no}", cuts if options.truncate else None
            )
        ]
        parents = [{"id": ids[p]} for p in by_row[rid][1]]
        parents += [
            {"id": f"{spec.namespace}:{g}"} for g in split_ids(cells.get("parentids", ""), ",;\n")
        ]
        if parents:
            data["parents"] = parents
        return data

    cuts: list[str] = []
    for row_no, cells, _ in _rows(table, spec):  # pass 1b: every field of every row
        assert cells is not None
        problems: list[tuple[str, str]] = []
        data = fields(row_no, cells, problems, cuts)
        issues.extend(ImportIssue(file, msg, row=row_no, field=f) for f, msg in problems)
        if not problems:
            issues += validate_node(file, row_no, data)[1]
        if len(issues) >= MAX_ISSUES:
            issues.append(ImportIssue(file, f"stopped after {MAX_ISSUES} problems"))
            break
    if not issues and not count:
        issues.append(ImportIssue(file, "no data rows: nothing to import", row=2))
    if issues:
        raise ImportFailed(issues)

    def nodes() -> Iterator[Any]:
        for row_no, cells, _ in _rows(table, spec):
            assert cells is not None
            problems: list[tuple[str, str]] = []
            data = fields(row_no, cells, problems, [])
            yield node_again(file, row_no, data, changed=bool(problems))

    return ParsedImport(
        file=file,
        source=source,
        organisation=None,
        node_count=count,
        nodes=nodes,
        layout=spec.name,
        cuts=cuts,
        details={
            **describe(table),
            "columns": ", ".join(
                f"{h} -> {spec.roles[k] if spec.roles[k] != 'drop' else '(not imported)'}"
                for h, k in zip(table.header, table.keys, strict=False)
            ),
        },
    )


def _roles(**columns: str) -> dict[str, str]:
    """header key -> role, from documented header names."""
    from importers.table import header_key

    return {header_key(name): role for name, role in columns.items()}


ALLY = ToolSpec(
    "ally",
    "ally",
    "Ally.io / Viva Goals OKR import",
    roles=_roles(
        **{
            "Row ID": "rowid",
            "Title": "title",
            "Parent": "parentrows",
            "Entity": "unit",
            "Owner Email": "owner",
            "Time Period": "period",
            "Start Date": "startdate",
            "End Date": "enddate",
            "Description": "description",
            "Type": "type",
            "Metric Name": "drop",
            "Metric Type": "drop",
            "Unit": "measure",
            "Start Value": "start",
            "Target Value": "target",
            "Current Value": "current",
            "Progress": "progress",
            "Status": "status",
            "Tags": "drop",
        }
    ),
    required=frozenset({"rowid", "title", "parent", "owneremail"}),
    individual_entity="Individual",
    signature=("rowid", "title", "parent", "entity", "owneremail", "timeperiod"),
)
PEOPLEBOX = ToolSpec(
    "peoplebox",
    "peoplebox",
    "Peoplebox goal import",
    roles=_roles(
        **{
            "Row ID": "rowid",
            "Parent Row IDs (comma-separated)": "parentrows",
            "Parent Goal IDs": "parentids",
            "Goal ID": "goalid",
            "Action": "action",
            "Goal Title": "title",
            "Owner Emails": "owner",
            "Goal Cycle": "period",
            "Goal Type": "drop",
            "Scope": "drop",
            "Departments": "unit",
            "Start Date": "startdate",
            "End Date": "enddate",
            "Description": "description",
            "Starting Value": "start",
            "Target Value": "target",
            "Current Value": "current",
            "Progress Status": "status",
            "Tags": "drop",
        }
    ),
    required=frozenset({"goaltitle", "owneremails", "goalcycle"}),
    list_separators=",\n",
    delete_action="delete",
    signature=(
        "rowid",
        "parentrowids(comma-separated)",
        "goalid",
        "goaltitle",
        "owneremails",
        "goalcycle",
    ),
)
BETTERWORKS = ToolSpec(
    "betterworks",
    "betterworks",
    "Betterworks goals (no alignment)",
    roles=_roles(
        name="title",
        type="drop",
        progress="progress",
        start_date="startdate",
        end_date="enddate",
        owner_email="owner",
        categories="drop",
        description="description",
    ),
    required=frozenset({"name", "owneremail", "startdate", "enddate"}),
    signature=("name", "type", "progress", "startdate", "enddate", "owneremail"),
)
TOOLS: tuple[ToolSpec, ...] = (ALLY, PEOPLEBOX, BETTERWORKS)
