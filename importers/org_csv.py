"""The companions of the generic CSV (DESIGN section 5): the unit tree and the people.

units  `id,name,parent,leader`          (parent and leader optional; leader a person id)
people `id,name,email,unit,reports_to`  (all but id optional)

Both are small next to the nodes, so they are read whole, in one pass.
"""

from __future__ import annotations

from pydantic import ValidationError

from graph_schema import Person, Unit
from importers.errors import ImportFailed, ImportIssue
from importers.records import ParsedImport, clean_message, pydantic_field
from importers.table import Table, check_decodes, describe

UNIT_COLUMNS = ("id", "name", "parent", "leader")
PEOPLE_COLUMNS = ("id", "name", "email", "unit", "reports_to")


def is_units(keys: tuple[str, ...]) -> bool:
    return {"id", "name"} <= set(keys) <= set(UNIT_COLUMNS)


def is_people(keys: tuple[str, ...]) -> bool:
    return (
        "id" in keys
        and set(keys) <= {"id", "name", "email", "unit", "reportsto"}
        and bool(set(keys) & {"email", "unit", "reportsto"})
    )


def _cells(table: Table, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    by_key = {c.replace("_", ""): c for c in columns}
    names = [by_key[k] for k in table.keys]
    rows = []
    for number, cells in table.records():
        if len(cells) > len(names):
            raise ImportFailed(
                [
                    ImportIssue(
                        table.file,
                        f"{len(cells)} cells but the header has {len(names)} columns",
                        row=number,
                    )
                ]
            )
        rows.append(
            (number, {n: c.strip() for n, c in zip(names, cells, strict=False) if c.strip()})
        )
    return rows


def _issues(table: Table, number: int, exc: ValidationError) -> list[ImportIssue]:
    return [
        ImportIssue(
            table.file,
            clean_message(e["msg"]),
            row=number,
            field=pydantic_field(e["loc"], e["msg"]),
        )
        for e in exc.errors()
    ]


def _duplicates(table: Table, rows: list[tuple[int, dict[str, str]]]) -> list[ImportIssue]:
    first: dict[str, int] = {}
    issues = []
    for number, cells in rows:
        rid = cells.get("id", "")
        if rid in first:
            issues.append(
                ImportIssue(
                    table.file,
                    f"duplicate id '{rid}' (first at row {first[rid]})",
                    row=number,
                    field="id",
                )
            )
        first.setdefault(rid, number)
    return issues


def parse_units(table: Table, source: str) -> ParsedImport:
    check_decodes(table)
    rows = _cells(table, UNIT_COLUMNS)
    issues = _duplicates(table, rows)
    units: list[Unit] = []
    leads: dict[str, list[str]] = {}
    for number, cells in rows:
        try:
            units.append(
                Unit(id=cells.get("id", ""), name=cells.get("name", ""), parent=cells.get("parent"))
            )
        except ValidationError as exc:
            issues += _issues(table, number, exc)
            continue
        if "leader" in cells:
            leads.setdefault(cells["leader"], []).append(units[-1].id)
    known = {u.id for u in units}
    for number, cells in rows:
        parent = cells.get("parent")
        if parent is not None and parent not in known:
            issues.append(
                ImportIssue(
                    table.file,
                    f"parent unit '{parent}' is not in the file",
                    row=number,
                    field="parent",
                )
            )
    if issues:
        raise ImportFailed(issues)
    # leaders become LEADS of people named in a people file of the same run (importers.bundle)
    return ParsedImport.without_nodes(
        table.file,
        source,
        "units",
        describe(table),
        units=units,
        leads={p: tuple(ids) for p, ids in leads.items()},
        leader_rows={p: n for n, c in reversed(rows) if (p := c.get("leader"))},
    )


def parse_people(table: Table, source: str) -> ParsedImport:
    check_decodes(table)
    rows = _cells(table, PEOPLE_COLUMNS)
    issues = _duplicates(table, rows)
    people: list[Person] = []
    for number, cells in rows:
        pid = cells.get("id", "")
        try:
            people.append(
                Person(
                    id=pid,
                    name=cells.get("name") or cells.get("email") or pid,
                    email=cells.get("email"),
                    unit=cells.get("unit"),
                    reports_to=cells.get("reports_to"),
                )
            )
        except ValidationError as exc:
            issues += _issues(table, number, exc)
    if issues:
        raise ImportFailed(issues)
    return ParsedImport.without_nodes(table.file, source, "people", describe(table), people=people)
