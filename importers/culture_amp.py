"""Culture Amp's goals template: one row a person's goal, its key results in numbered columns.

`email, name, description, visibility, individual_emails, due_at, created_at, priority, status,
completion, key_result_1_title, key_result_1_completion, key_result_2_title, ...`. The goals
carry no alignment, so each imports as an Objective that shows as UNLINKED (the truth a strategy
team needs to see), with its key results under it. Ids are derived from the title (and, for a key
result, its goal's title) and the owner's email: the template has no ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graph_schema import Node, NodeKind, Status
from importers.cells import CellError, date, fraction
from importers.errors import ImportFailed, ImportIssue
from importers.ids import IdDeriver
from importers.records import ParsedImport, ReadOptions, cut_long_text, node_again, validate_node
from importers.table import Table, check_decodes, describe

KNOWN = {
    "email",
    "name",
    "description",
    "visibility",
    "individualemails",
    "dueat",
    "createdat",
    "priority",
    "status",
    "completion",
}
_KR = re.compile(r"^keyresult(\d+)(title|completion)$")
STATUS = {
    "created": Status.ACTIVE,
    "ongoing": Status.ACTIVE,
    "blocked": Status.ACTIVE,
    "accomplished": Status.DONE,
    "completed": Status.DONE,
    "archived": Status.ARCHIVED,
}


def is_culture_amp(keys: tuple[str, ...]) -> bool:
    return {"email", "name", "dueat"} <= set(keys) and all(k in KNOWN or _KR.match(k) for k in keys)


def parse_culture_amp(
    table: Table, source: str, options: ReadOptions | None = None
) -> ParsedImport:
    options = options or ReadOptions()
    check_decodes(table)
    file = table.file
    keys = table.keys
    header = {k: h for k, h in zip(keys, table.header, strict=False)}
    krs = sorted({int(m.group(1)) for k in keys if (m := _KR.match(k))})
    decimal_comma = table.delimiter == ";"

    def rows(
        cuts: list[str] | None,
    ) -> Iterator[tuple[int, list[dict[str, Any]], list[ImportIssue]]]:
        derive = IdDeriver("cultureamp")
        for number, cells in table.records():
            c = {k: v.strip() for k, v in zip(keys, cells, strict=False) if v.strip()}
            problems: list[tuple[str, str]] = []
            if len(cells) > len(keys):
                yield (
                    number,
                    [],
                    [
                        ImportIssue(
                            file,
                            f"{len(cells)} cells but the header has {len(keys)} columns",
                            row=number,
                        )
                    ],
                )
                continue
            owner = c.get("email")
            title = c.get("name", "")
            goal: dict[str, Any] = {
                "id": derive((title,), owner),
                "kind": NodeKind.OBJECTIVE,
                "title": title,
                "owner": owner,
                "source": source,
            }
            if "description" in c:
                goal["description"] = c["description"]
            if "status" in c:
                status = STATUS.get(c["status"].lower())
                if status is None:
                    problems.append(
                        (
                            header["status"],
                            f"unknown status '{c['status']}' (expected one of: "
                            f"{', '.join(STATUS)})",
                        )
                    )
                goal["status"] = status
            if "dueat" in c:
                try:
                    due = date(c["dueat"][:10], options.date_order)
                    goal["period"] = f"{due.year}-Q{(due.month - 1) // 3 + 1}"
                except CellError as exc:
                    problems.append((header["dueat"], str(exc)))
            problems += cut_long_text(goal, f"{file}, row {number}", cuts)
            nodes = [goal]
            for n in krs:
                kr_title = c.get(f"keyresult{n}title")
                if not kr_title:
                    continue
                kr: dict[str, Any] = {
                    "id": derive((title, kr_title), owner),
                    "kind": NodeKind.KEY_RESULT,
                    "title": kr_title,
                    "owner": owner,
                    "source": source,
                    "parents": [{"id": goal["id"]}],
                    "period": goal.get("period"),
                }
                if goal.get("status") is not None:  # a key result has no status of its own here
                    kr["status"] = goal["status"]
                done = c.get(f"keyresult{n}completion")
                if done:
                    try:
                        kr.update(
                            start=0.0,
                            target=1.0,
                            current=fraction(done, decimal_comma=decimal_comma),
                        )
                    except CellError as exc:
                        problems.append((header[f"keyresult{n}completion"], str(exc)))
                problems += cut_long_text(kr, f"{file}, row {number}", cuts)
                nodes.append(kr)
            yield (
                number,
                nodes,
                [ImportIssue(file, msg, row=number, field=f) for f, msg in problems],
            )

    issues: list[ImportIssue] = []
    cuts: list[str] = []
    count = 0
    for number, nodes, found in rows(cuts if options.truncate else None):
        issues += found
        if not found:
            for data in nodes:
                issues += validate_node(file, number, data)[1]
        count += len(nodes)
    if not issues and not count:
        issues.append(ImportIssue(file, "no data rows: nothing to import", row=2))
    if issues:
        raise ImportFailed(issues)

    def stream() -> Iterator[Node]:
        for number, nodes, found in rows([] if options.truncate else None):
            for data in nodes:
                yield node_again(file, number, data, changed=bool(found))

    return ParsedImport(
        file=file,
        source=source,
        organisation=None,
        node_count=count,
        nodes=stream,
        layout="cultureamp",
        details=describe(table),
        cuts=cuts,
    )
