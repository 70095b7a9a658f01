"""Jira's CSV export of epics and issues: the work teams do, under the strategy it serves.

Read: `Summary, Issue key, Issue id, Issue Type, Status, Parent, Assignee, Labels` (several
`Labels` columns are one list, as Jira writes a multi-value field). Every issue is an
Initiative with id `jira:<Issue key>`; `Parent` holds the parent's numeric Issue id, so epics,
stories and sub-tasks nest. Where the stratmap id an issue supports is held is named by
`--link-column NAME` (a column, e.g. `Custom field (Strategy)`) or `--link-label-prefix P`
(labels such as `okr:O-DIG`). Every other column of the export (Jira writes dozens) is ignored.
A parent outside the export stays a dangling reference `jira:#<Issue id>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph_schema import Node, NodeKind, Status
from importers.cells import split_ids
from importers.errors import ImportFailed, ImportIssue
from importers.records import ParsedImport, ReadOptions, cut_long_text, node_again, validate_node
from importers.table import Table, check_decodes, describe, header_key

REQUIRED = ("summary", "issuekey", "issueid", "issuetype")
DONE = {"done", "closed", "resolved", "complete", "completed"}
DROPPED = {"won'tdo", "wontdo", "cancelled", "canceled", "rejected", "duplicate"}


def is_jira(keys: tuple[str, ...]) -> bool:
    return set(REQUIRED) <= set(keys)


def _status(text: str) -> Status:
    key = "".join(text.lower().split())
    return Status.DONE if key in DONE else Status.ARCHIVED if key in DROPPED else Status.ACTIVE


def parse_jira(table: Table, source: str, options: ReadOptions | None = None) -> ParsedImport:
    options = options or ReadOptions()
    check_decodes(table)
    file = table.file
    keys = table.keys
    first = {k: keys.index(k) for k in set(keys)}
    labels = [i for i, k in enumerate(keys) if k == "labels"]
    link_col: int | None = None
    if options.link_column is not None:
        wanted = header_key(options.link_column)
        if wanted not in first:
            raise ImportFailed(
                [
                    ImportIssue(
                        file,
                        f"--link-column: no column '{options.link_column}' "
                        f"(columns: {', '.join(table.header)})",
                        row=1,
                    )
                ]
            )
        link_col = first[wanted]
    prefix = options.link_label_prefix

    def cell(cells: list[str], key: str) -> str:
        i = first.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    # pass 1a: Issue id -> key, for the Parent column
    key_of: dict[str, str] = {}
    issues: list[ImportIssue] = []
    seen: dict[str, int] = {}
    for number, cells in table.records():
        issue_key, issue_id = cell(cells, "issuekey"), cell(cells, "issueid")
        if not issue_key:
            issues.append(ImportIssue(file, "no Issue key", row=number, field="Issue key"))
            continue
        if issue_key in seen:
            issues.append(
                ImportIssue(
                    file,
                    f"Issue key '{issue_key}' repeats row {seen[issue_key]}",
                    row=number,
                    field="Issue key",
                )
            )
        seen[issue_key] = number
        if issue_id in key_of:
            issues.append(
                ImportIssue(
                    file,
                    f"Issue id '{issue_id}' is also {key_of[issue_id]}'s",
                    row=number,
                    field="Issue id",
                )
            )
        elif issue_id:
            key_of[issue_id] = issue_key
    if issues:
        raise ImportFailed(issues)

    def fields(
        number: int, cells: list[str], cuts: list[str] | None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        data: dict[str, Any] = {
            "id": f"jira:{cell(cells, 'issuekey')}",
            "kind": NodeKind.INITIATIVE,
            "title": cell(cells, "summary"),
            "source": source,
        }
        if cell(cells, "status"):
            data["status"] = _status(cell(cells, "status"))
        if cell(cells, "assignee"):
            data["owner"] = cell(cells, "assignee")
        if cell(cells, "description"):
            data["description"] = cell(cells, "description")
        parents: list[dict[str, Any]] = []
        parent = cell(cells, "parent")
        if parent:
            parents.append(
                {"id": f"jira:{key_of[parent]}" if parent in key_of else f"jira:#{parent}"}
            )
        strategy: list[str] = []
        if link_col is not None and link_col < len(cells):
            strategy += split_ids(cells[link_col], ",;\n ")
        if prefix:
            for i in labels:
                if i < len(cells):
                    strategy += [
                        w[len(prefix) :]
                        for w in cells[i].split()
                        if w.startswith(prefix) and w != prefix
                    ]
        parents += [{"id": s} for s in dict.fromkeys(strategy)]
        if parents:
            data["parents"] = parents
        return data, cut_long_text(data, f"{file}, row {number}", cuts)

    cuts: list[str] = []
    count = 0
    for number, cells in table.records():  # pass 1b: every field
        data, problems = fields(number, cells, cuts if options.truncate else None)
        issues += [
            ImportIssue(file, msg, row=number, field={"title": "Summary"}.get(f, f))
            for f, msg in problems
        ]
        if not problems:
            issues += validate_node(file, number, data)[1]
        count += 1
    if not issues and not count:
        issues.append(ImportIssue(file, "no data rows: nothing to import", row=2))
    if issues:
        raise ImportFailed(issues)

    def nodes() -> Iterator[Node]:
        for number, cells in table.records():
            data, problems = fields(number, cells, [] if options.truncate else None)
            yield node_again(file, number, data, changed=bool(problems))

    return ParsedImport(
        file=file,
        source=source,
        organisation=None,
        node_count=count,
        nodes=nodes,
        layout="jira",
        details=describe(table),
        cuts=cuts,
    )
