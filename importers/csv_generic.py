"""The generic CSV of DESIGN section 5: one row a node.

One read of the file validates every row and collects every problem, keeping only the ids in
memory and the rows the store will write in a spool on disk (importers.spool); the store replays
the spool inside its one transaction. Nothing but the id set is held, whatever the file's size.
A row is validated by graph_schema.rows.record_of, which applies the model's rules without
building a model; the model itself judges (and names the problem in) only the rows the fast
path does not vouch for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph_schema import Node, NodeKind, Scope, Status
from graph_schema.rows import node_to_rows, record_of, rows_to_node
from importers.cells import CellError, number, split_ids
from importers.csv_rows import ENUM, LIST, NUMBER, PARENTS, TEXT, RowPlan
from importers.errors import ImportFailed, ImportIssue
from importers.records import (
    TEXT_LIMITS,
    ParsedImport,
    ReadOptions,
    cut_long_text,
    validate_node,
)
from importers.spool import RecordSpool
from importers.table import Table, check_decodes, describe, header_key, open_table

COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "title",
    "parents",
    "owner",
    "unit",
    "scope",
    "status",
    "period",
    "effort",
    "description",
    "start",
    "target",
    "current",
    "measure_unit",
    "depends_on",
    "conflicts_with",
    "expresses",
    "co_owners",  # co_owners: our extension, person ids separated by ';'
)
REQUIRED: tuple[str, ...] = ("id", "kind", "title")
NUMBERS = ("effort", "start", "target", "current")
LISTS = ("depends_on", "conflicts_with", "expresses", "co_owners")
_ENUMS: dict[str, dict[str, str]] = {
    "kind": {k.value.lower(): k.value for k in NodeKind}
    | {"key result": "KeyResult", "key_result": "KeyResult", "behavior": "Behaviour"},
    "status": {s.value: s.value for s in Status},
    "scope": {s.value: s.value for s in Scope},
}
_BY_KEY: dict[str, str] = {header_key(c): c for c in COLUMNS}
# what each column holds, looked up once a cell (plain text is most cells: it is tested first)
_KIND_OF: dict[str, int] = {c: TEXT for c in COLUMNS}
_KIND_OF |= {c: ENUM for c in _ENUMS} | {c: NUMBER for c in NUMBERS} | {c: LIST for c in LISTS}
_KIND_OF["parents"] = PARENTS
# no cell this long or shorter can exceed its field's limit: a row of such cells skips the check
_SHORT = min(TEXT_LIMITS.values())
MAX_ISSUES = 1000  # past this many, a file is wrong wholesale; listing more helps nobody


def _row_to_fields(
    names: list[str],
    cells: list[str],
    source: str,
    decimal_comma: bool = False,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Turn one row's cells (under the columns `names`) into model fields; returns the fields
    and (field, problem) pairs."""
    data: dict[str, Any] = {"source": source}
    problems: list[tuple[str, str]] = []
    for name, raw in zip(names, cells, strict=True):
        cell = raw.strip()
        if not cell:
            continue
        what = _KIND_OF[name]
        if what == TEXT:
            data[name] = cell
        elif what == ENUM:
            value = _ENUMS[name].get(cell.lower())
            if value is None:
                problems.append(
                    (
                        name,
                        f"unknown {name} '{cell}' (expected one of: "
                        f"{', '.join(sorted(set(_ENUMS[name].values())))})",
                    )
                )
            else:
                data[name] = value
        elif what == NUMBER:
            try:
                data[name] = number(cell, decimal_comma=decimal_comma)[0]
            except CellError as exc:
                problems.append((name, str(exc)))
        elif what == PARENTS:
            parents: list[dict[str, str | float]] = []
            for part in split_ids(cell):
                pid, _, weight = part.partition("=")
                if not weight:
                    parents.append({"id": pid.strip()})
                    continue
                try:
                    parents.append(
                        {
                            "id": pid.strip(),
                            "weight": number(weight, decimal_comma=decimal_comma)[0],
                        }
                    )
                except CellError:
                    problems.append(
                        (
                            name,
                            f"weight '{weight.strip()}' of parent '{pid.strip()}' is not a number",
                        )
                    )
            data["parents"] = parents
        else:
            data[name] = split_ids(cell)
    return data, problems


def header_problems(table: Table) -> list[ImportIssue]:
    issues = []
    keys = table.keys
    for col in REQUIRED:
        if col not in keys:
            issues.append(ImportIssue(table.file, f"missing column '{col}'", row=1, field=col))
    for written, key in zip(table.header, keys, strict=True):
        if key not in _BY_KEY:
            issues.append(
                ImportIssue(
                    table.file,
                    f"unknown column '{written}' (known: {', '.join(COLUMNS)})",
                    row=1,
                    field=written,
                )
            )
        elif keys.count(key) > 1:
            issues.append(
                ImportIssue(table.file, f"column '{written}' appears twice", row=1, field=written)
            )
    return issues


def _columns(table: Table) -> list[str]:
    """The field each of the table's columns holds, in order (its header is valid)."""
    return [_BY_KEY[k] for k in table.keys]


def _rows(
    table: Table, names: list[str]
) -> Iterator[tuple[int, list[str] | None, ImportIssue | None]]:
    """(record number, its cells, one for each of `names`, or the problem) for every record."""
    for row_no, cells in table.records():
        if len(cells) > len(names):
            yield (
                row_no,
                None,
                ImportIssue(
                    table.file,
                    f"{len(cells)} cells but the header has {len(names)} columns",
                    row=row_no,
                ),
            )
            continue
        if len(cells) < len(names):
            # a short row leaves its last cells empty, as spreadsheets write them
            cells = list(cells) + [""] * (len(names) - len(cells))
        yield row_no, cells, None


def row_plan(names: list[str], source: str, decimal_comma: bool) -> RowPlan | None:
    """How this file's plain rows are read in one pass (importers.csv_rows)."""
    return RowPlan.of(
        names,
        _KIND_OF,
        _ENUMS,
        source=source,
        default_status=Status.ACTIVE.value,
        decimal_comma=decimal_comma,
    )


def parse_csv(
    path: str | Path,
    *,
    source: str | None = None,
    table: Table | None = None,
    options: ReadOptions | None = None,
) -> ParsedImport:
    truncate = options is not None and options.truncate
    table = table or open_table(path)
    check_decodes(table)
    header = header_problems(table)
    if header:
        raise ImportFailed(header)
    src = source or table.path.name
    long_source = len(src) > _SHORT
    decimal_comma = table.delimiter == ";"
    issues: list[ImportIssue] = []
    first_row: dict[str, int] = {}
    cuts: list[str] = []
    spool = RecordSpool()
    names = _columns(table)
    at_id = names.index("id")  # a required column: header_problems said so otherwise
    plan = row_plan(names, src, decimal_comma)

    def claim(raw_id: str, row_no: int) -> bool:
        """Whether the row is the first with its id; a later one is listed as a duplicate."""
        if raw_id in first_row:
            issues.append(
                ImportIssue(
                    table.file,
                    f"duplicate id '{raw_id}' (first at row {first_row[raw_id]})",
                    row=row_no,
                    field="id",
                )
            )
            return False
        first_row[raw_id] = row_no
        return True

    for row_no, cells, problem in _rows(table, names):
        record = None if plan is None or cells is None else plan.record(cells)
        if record is not None:  # a plain row, read once (importers.csv_rows)
            if claim(record[0].id, row_no) and not issues:
                spool.add(record)
        elif problem is not None:
            issues.append(problem)
        else:
            assert cells is not None
            data, problems = _row_to_fields(names, cells, src, decimal_comma)
            if long_source or max(map(len, cells)) > _SHORT:
                problems += cut_long_text(
                    data, f"{table.file}, row {row_no}", cuts if truncate else None
                )
            issues.extend(ImportIssue(table.file, msg, row=row_no, field=f) for f, msg in problems)
            # duplicates are judged on the raw id, so a bad row still claims its id
            raw_id = cells[at_id].strip()
            if raw_id and not claim(raw_id, row_no):
                continue
            if not problems:
                # the model judges only what the fast path cannot vouch for, and names why
                record = record_of(data)
                if record is None:
                    node, found = validate_node(table.file, row_no, data)
                    issues.extend(found)
                    record = None if node is None else node_to_rows(node)
                if record is not None and not issues:  # once one row fails, all of it does
                    spool.add(record)
        if len(issues) >= MAX_ISSUES:
            issues.append(ImportIssue(table.file, f"stopped after {MAX_ISSUES} problems"))
            break
    if not issues and not first_row:
        issues.append(ImportIssue(table.file, "no data rows: nothing to import", row=2))
    if issues:
        spool.close()
        raise ImportFailed(issues)
    spool.seal()

    def nodes() -> Iterator[Node]:
        for row, links in spool.replay():
            yield rows_to_node(row, links)

    return ParsedImport(
        file=table.file,
        source=src,
        organisation=None,
        node_count=spool.count,
        nodes=nodes,
        records=spool.replay,
        layout="csv",
        details=describe(table),
        cuts=cuts,
    )
