"""Links as a file of their own: `child,parent[,weight]`, one SUPPORTS link a row.

How a user adds the alignment that a flat export lacks: imported in the same run as the goals
(importers.bundle adds each link to its child), so the children must be in that run's files.
"""

from __future__ import annotations

from importers.cells import CellError, number
from importers.errors import ImportFailed, ImportIssue
from importers.records import LinkRecord, ParsedImport
from importers.table import Table, check_decodes, describe

COLUMNS = ("child", "parent", "weight")


def is_links(keys: tuple[str, ...]) -> bool:
    return {"child", "parent"} <= set(keys) <= set(COLUMNS)


def parse_links(table: Table, source: str) -> ParsedImport:
    check_decodes(table)
    names = list(table.keys)
    issues: list[ImportIssue] = []
    links: list[LinkRecord] = []
    first: dict[tuple[str, str], int] = {}
    for row, cells in table.records():
        if len(cells) > len(names):
            issues.append(
                ImportIssue(
                    table.file,
                    f"{len(cells)} cells but the header has {len(names)} columns",
                    row=row,
                )
            )
            continue
        cell = {n: c.strip() for n, c in zip(names, cells, strict=False)}
        child, parent = cell.get("child", ""), cell.get("parent", "")
        for name, value in (("child", child), ("parent", parent)):
            if not value:
                issues.append(ImportIssue(table.file, f"'{name}' is empty", row=row, field=name))
        weight = 1.0
        if cell.get("weight"):
            try:
                weight = number(cell["weight"], decimal_comma=table.delimiter == ";")[0]
            except CellError as exc:
                issues.append(ImportIssue(table.file, str(exc), row=row, field="weight"))
                continue
            if not 0 <= weight <= 1:
                issues.append(
                    ImportIssue(
                        table.file,
                        f"weight {weight:g} is not between 0 and 1",
                        row=row,
                        field="weight",
                    )
                )
                continue
        if not child or not parent:
            continue
        too_long = [n for n, v in (("child", child), ("parent", parent)) if len(v) > 200]
        if too_long:
            issues += [
                ImportIssue(table.file, "an id may have at most 200 characters", row=row, field=n)
                for n in too_long
            ]
            continue
        if (child, parent) in first:
            issues.append(
                ImportIssue(
                    table.file,
                    f"link {child} -> {parent} repeats row {first[child, parent]}",
                    row=row,
                    field="parent",
                )
            )
            continue
        first[child, parent] = row
        links.append(LinkRecord(child, parent, weight, row))
    if not issues and not links:
        issues.append(ImportIssue(table.file, "no data rows: nothing to import", row=2))
    if issues:
        raise ImportFailed(issues)
    return ParsedImport.without_nodes(table.file, source, "links", describe(table), links=links)
