"""Ally.io's org templates: teams (`Team Name, Owner Email, Parent Team, Team Type`) and users
(`User Name, User Email, Teams, Manager, Manager Email, User Account Type, Is Org Admin`).

A team's id is its name, as Ally's OKR export names a goal's team (`Entity`) by name; a person's
id is their email, as its `Owner Email` names an owner. Team types, account types and admin
flags say nothing about alignment and are dropped.
"""

from __future__ import annotations

from pydantic import ValidationError

from graph_schema import Person, Unit
from importers.cells import split_ids
from importers.errors import ImportFailed, ImportIssue
from importers.records import ParsedImport, clean_message, pydantic_field
from importers.table import Table, check_decodes, describe, header_key

TEAMS = {
    header_key(h): r
    for h, r in (
        ("Team Name", "name"),
        ("Owner Email", "owner"),
        ("Parent Team", "parent"),
        ("Team Type", "drop"),
    )
}
USERS = {
    header_key(h): r
    for h, r in (
        ("User Name", "name"),
        ("User Email", "email"),
        ("Teams", "teams"),
        ("Manager", "drop"),
        ("Manager Email", "manager"),
        ("User Account Type", "drop"),
        ("Is Org Admin", "drop"),
    )
}


def is_teams(keys: tuple[str, ...]) -> bool:
    return {"teamname", "parentteam"} <= set(keys) and set(keys) <= set(TEAMS)


def is_users(keys: tuple[str, ...]) -> bool:
    return {"username", "useremail"} <= set(keys) and set(keys) <= set(USERS)


def _rows(table: Table, roles: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    names = [roles[k] for k in table.keys]
    out = []
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
        out.append(
            (
                number,
                {
                    n: c.strip()
                    for n, c in zip(names, cells, strict=False)
                    if c.strip() and n != "drop"
                },
            )
        )
    return out


def _column(table: Table, roles: dict[str, str], role: str) -> str:
    return next(h for h, k in zip(table.header, table.keys, strict=False) if roles[k] == role)


def parse_teams(table: Table, source: str) -> ParsedImport:
    check_decodes(table)
    rows = _rows(table, TEAMS)
    issues: list[ImportIssue] = []
    units: list[Unit] = []
    first: dict[str, int] = {}
    leads: dict[str, list[str]] = {}
    leader_rows: dict[str, int] = {}
    for number, c in rows:
        name = c.get("name", "")
        if name in first:
            issues.append(
                ImportIssue(
                    table.file,
                    f"team '{name}' repeats row {first[name]}",
                    row=number,
                    field=_column(table, TEAMS, "name"),
                )
            )
            continue
        first[name] = number
        try:
            units.append(Unit(id=name, name=name, parent=c.get("parent")))
        except ValidationError as exc:
            issues += [
                ImportIssue(
                    table.file,
                    clean_message(e["msg"]),
                    row=number,
                    field=_column(table, TEAMS, "name")
                    if pydantic_field(e["loc"]) == "id"
                    else pydantic_field(e["loc"]),
                )
                for e in exc.errors()
            ]
            continue
        if "owner" in c:
            owner = c["owner"].lower()
            leads.setdefault(owner, []).append(name)
            leader_rows.setdefault(owner, number)
    for number, c in rows:
        if c.get("parent") and c["parent"] not in first:
            issues.append(
                ImportIssue(
                    table.file,
                    f"parent team '{c['parent']}' is not a team of the file",
                    row=number,
                    field=_column(table, TEAMS, "parent"),
                )
            )
    if issues:
        raise ImportFailed(issues)
    return ParsedImport.without_nodes(
        table.file,
        source,
        "ally-teams",
        describe(table),
        units=units,
        leads={p: tuple(u) for p, u in leads.items()},
        leader_rows=leader_rows,
    )


def parse_users(table: Table, source: str) -> ParsedImport:
    check_decodes(table)
    issues: list[ImportIssue] = []
    people: list[Person] = []
    first: dict[str, int] = {}
    for number, c in _rows(table, USERS):
        email = c.get("email", "").lower()
        if not email:
            issues.append(
                ImportIssue(
                    table.file,
                    "no user email: it is the person's id",
                    row=number,
                    field=_column(table, USERS, "email"),
                )
            )
            continue
        if email in first:
            issues.append(
                ImportIssue(
                    table.file,
                    f"user '{email}' repeats row {first[email]}",
                    row=number,
                    field=_column(table, USERS, "email"),
                )
            )
            continue
        first[email] = number
        teams = split_ids(c.get("teams", ""), "\n,;")
        try:
            people.append(
                Person(
                    id=email,
                    name=c.get("name") or email,
                    email=email,
                    unit=teams[0] if teams else None,
                    reports_to=c["manager"].lower() if c.get("manager") else None,
                )
            )
        except ValidationError as exc:
            issues += [
                ImportIssue(
                    table.file, clean_message(e["msg"]), row=number, field=pydantic_field(e["loc"])
                )
                for e in exc.errors()
            ]
    if issues:
        raise ImportFailed(issues)
    return ParsedImport.without_nodes(
        table.file, source, "ally-users", describe(table), people=people
    )
