"""Goals and work from the APIs teams work in: Asana's goals and goal relationships, Linear's
initiatives with their projects. Each file is one API response (`{"data": ...}`), as saved from
the documented call; an API page is small, so it is read whole (native documents stream).

Asana (`GET /goals`, `GET /goal_relationships` with the opt_fields docs/importers.md lists):
a workspace-level goal is a Goal, a team goal with a metric target a KeyResult, any other an
Objective; `subgoal` relationships link goal to goal with their `contribution_weight`;
`supporting_work` brings the project, task or portfolio as an Initiative. Ids `asana:<gid>`.
Linear (the query in docs/importers.md): initiatives and their projects are work (Initiatives):
a project under each initiative that holds it, a sub-initiative under its parent. Ids
`linear:<id>`. Import the goals with the relationships, or link the roots with a links file.
"""

from __future__ import annotations

import json
from datetime import date as _date
from pathlib import Path
from typing import Any

from graph_schema import Node, NodeKind, Person, Status
from importers import json_stream
from importers.cells import CellError, date, period_of
from importers.errors import ImportFailed, ImportIssue
from importers.records import LinkRecord, ParsedImport, validate_node

ASANA_STATUS = {
    "green": Status.ACTIVE,
    "yellow": Status.ACTIVE,
    "red": Status.ACTIVE,
    "achieved": Status.DONE,
    "partial": Status.DONE,
    "missed": Status.DONE,
    "dropped": Status.ARCHIVED,
}
LINEAR_STATUS = {
    "planned": Status.ACTIVE,
    "active": Status.ACTIVE,
    "completed": Status.DONE,
    "backlog": Status.ACTIVE,
    "started": Status.ACTIVE,
    "paused": Status.ACTIVE,
    "canceled": Status.ARCHIVED,
}


def api_response(path: Path) -> Any | None:
    """The document if the file is an API response (`{"data": ...}`), else None."""
    with path.open("rb") as fh:
        head = fh.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{") or b'"data"' not in head:
        return None
    try:
        doc = json_stream.loads(path.read_text(encoding="utf-8-sig"))
    except json_stream.DuplicateKeyError as exc:
        # last-wins would import whichever value came second ({"name":"A","name":"B"} is B)
        raise ImportFailed([ImportIssue(str(path), str(exc))]) from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
    return (
        doc
        if isinstance(doc, dict) and set(doc) <= {"data", "next_page", "errors", "extensions"}
        else None
    )


def kind_of_response(doc: dict[str, Any]) -> str | None:
    data = doc.get("data")
    if isinstance(data, dict) and isinstance(data.get("initiatives"), dict):
        return "linear"
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    types = {i.get("resource_type") for i in items if isinstance(i, dict)}
    if types == {"goal"}:
        return "asana-goals"
    if types == {"goal_relationship"}:
        return "asana-relationships"
    return None


def _fail(file: str, path: str, message: str) -> ImportIssue:
    return ImportIssue(file, message, path=path)


def _day(text: Any) -> _date | None:
    try:
        return date(text) if isinstance(text, str) and text else None
    except CellError:
        return None


def _nodes(
    file: str, entries: list[tuple[str, dict[str, Any]]]
) -> tuple[list[Node], list[ImportIssue]]:
    nodes, issues = [], []
    for path, data in entries:
        node, found = validate_node(file, None, data)
        issues += [
            ImportIssue(
                file, i.message, path=f"{path}.{i.field}" if i.field else path, field=i.field
            )
            for i in found
        ]
        if node is not None:
            nodes.append(node)
    return nodes, issues


def parse_asana_goals(file: str, doc: dict[str, Any], source: str) -> ParsedImport:
    data = doc["data"] if isinstance(doc["data"], list) else [doc["data"]]
    entries: list[tuple[str, dict[str, Any]]] = []
    people: dict[str, Person] = {}
    issues: list[ImportIssue] = []
    seen_gids: dict[str, int] = {}
    for i, goal in enumerate(data):
        if not isinstance(goal, dict):
            issues.append(_fail(file, f"data[{i}]", "not an object"))
            continue
        where = f"data[{i}]"
        gid = str(goal.get("gid") or "")
        if not gid:
            issues.append(_fail(file, f"{where}.gid", "a goal without a gid"))
            continue
        if gid in seen_gids:
            issues.append(_fail(file, f"{where}.gid", f"goal {gid} repeats data[{seen_gids[gid]}]"))
            continue
        seen_gids[gid] = i
        metric = goal.get("metric") or {}
        measured = metric.get("target_number_value") is not None
        kind = (
            NodeKind.GOAL
            if goal.get("is_workspace_level")
            else NodeKind.KEY_RESULT
            if measured
            else NodeKind.OBJECTIVE
        )
        item: dict[str, Any] = {
            "id": f"asana:{gid}",
            "kind": kind,
            "title": goal.get("name") or f"goal {gid}",
            "source": source,
        }
        if goal.get("notes"):
            item["description"] = goal["notes"]
        status = goal.get("status")
        if status:
            if status not in ASANA_STATUS:
                issues.append(
                    _fail(
                        file,
                        f"{where}.status",
                        f"unknown status '{status}' (expected one of: {', '.join(ASANA_STATUS)})",
                    )
                )
                continue
            item["status"] = ASANA_STATUS[status]
        owner = goal.get("owner") or {}
        if owner.get("gid"):
            pid = f"asana:{owner['gid']}"
            item["owner"] = pid
            people.setdefault(
                pid, Person(id=pid, name=owner.get("name") or pid, email=owner.get("email"))
            )
        team = goal.get("team") or {}
        if team.get("name"):
            item["unit"] = team["name"]
        period = goal.get("time_period") or {}
        item["period"] = period.get("display_name") or period_of(
            _day(goal.get("start_on")), _day(goal.get("due_on"))
        )
        if kind == NodeKind.KEY_RESULT:
            item.update(
                start=metric.get("initial_number_value"),
                target=metric.get("target_number_value"),
                current=metric.get("current_number_value"),
                measure_unit={"currency": metric.get("currency_code"), "percentage": "%"}.get(
                    str(metric.get("unit"))
                ),
            )
        entries.append((where, item))
    nodes, found = _nodes(file, entries)
    issues += found
    if issues:
        raise ImportFailed(issues)
    return ParsedImport(
        file=file,
        source=source,
        organisation=None,
        node_count=len(nodes),
        nodes=lambda: iter(nodes),
        people=list(people.values()),
        layout="asana-goals",
    )


def parse_asana_relationships(file: str, doc: dict[str, Any], source: str) -> ParsedImport:
    data = doc["data"] if isinstance(doc["data"], list) else [doc["data"]]
    links: list[LinkRecord] = []
    work: dict[str, dict[str, Any]] = {}  # supporting resource gid -> Initiative being built
    issues: list[ImportIssue] = []
    for i, rel in enumerate(data):
        if not isinstance(rel, dict):
            issues.append(_fail(file, f"data[{i}]", "not an object"))
            continue
        where = f"data[{i}]"
        parent = (rel.get("supported_goal") or {}).get("gid")
        child = rel.get("supporting_resource") or {}
        if not parent or not child.get("gid"):
            issues.append(
                _fail(
                    file,
                    where,
                    "a relationship needs supported_goal and supporting_resource (ask for "
                    "them in opt_fields)",
                )
            )
            continue
        weight = rel.get("contribution_weight")
        weight = 1.0 if weight is None else float(weight)
        if not 0 <= weight <= 1:
            issues.append(
                _fail(file, f"{where}.contribution_weight", f"{weight:g} is not between 0 and 1")
            )
            continue
        ref = {"id": f"asana:{parent}", "weight": weight}
        if rel.get("resource_subtype") == "subgoal" or child.get("resource_type") == "goal":
            links.append(
                LinkRecord(f"asana:{child['gid']}", f"asana:{parent}", weight, None, where)
            )
        else:  # supporting work: a project, task or portfolio
            gid = str(child["gid"])
            title = child.get("name") or f"{child.get('resource_type', 'work')} {gid}"
            node = work.setdefault(
                gid,
                {
                    "id": f"asana:{gid}",
                    "kind": NodeKind.INITIATIVE,
                    "title": title,
                    "source": source,
                    "parents": [],
                },
            )
            if all(p["id"] != ref["id"] for p in node["parents"]):
                node["parents"].append(ref)
    nodes, found = _nodes(file, [(f"supporting_resource {g}", w) for g, w in work.items()])
    issues += found
    if issues:
        raise ImportFailed(issues)
    return ParsedImport(
        file=file,
        source=source,
        organisation=None,
        node_count=len(nodes),
        nodes=lambda: iter(nodes),
        links=links,
        layout="asana-relationships",
    )


def parse_linear(file: str, doc: dict[str, Any], source: str) -> ParsedImport:
    initiatives = doc["data"]["initiatives"].get("nodes") or []
    items: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    issues: list[ImportIssue] = []

    def add(item: dict[str, Any], what: str) -> dict[str, Any]:
        """The work node of a Linear initiative or project, made on first sight (an item may be
        listed on several pages and under several initiatives)."""
        key = item["id"]
        if key not in items:
            items[key] = {
                "id": f"linear:{key}",
                "kind": NodeKind.INITIATIVE,
                "title": item.get("name") or f"{what} {key}",
                "source": source,
            }
            order.append(key)
        return items[key]

    def parent_of(node: dict[str, Any], parent: str) -> None:
        if all(p["id"] != parent for p in node.setdefault("parents", [])):
            node["parents"].append({"id": parent})

    for i, ini in enumerate(initiatives):
        if not isinstance(ini, dict):
            issues.append(_fail(file, f"data.initiatives.nodes[{i}]", "not an object"))
            continue
        where = f"data.initiatives.nodes[{i}]"
        if not ini.get("id"):
            issues.append(_fail(file, f"{where}.id", "an initiative without an id"))
            continue
        status = str(ini.get("status") or "").lower()
        node = add(ini, "initiative")
        if status:
            if status not in LINEAR_STATUS:
                issues.append(_fail(file, f"{where}.status", f"unknown status '{ini['status']}'"))
            node["status"] = LINEAR_STATUS.get(status)
        if ini.get("description"):
            node["description"] = ini["description"]
        if (ini.get("owner") or {}).get("email"):
            node["owner"] = ini["owner"]["email"]
        node["period"] = period_of(None, _day(ini.get("targetDate")))
        if (ini.get("parentInitiative") or {}).get("id"):
            parent_of(node, f"linear:{ini['parentInitiative']['id']}")
        for sub in (ini.get("subInitiatives") or {}).get("nodes") or []:
            if sub.get("id"):
                child = add(sub, "initiative")
                parent_of(child, node["id"])
        for j, project in enumerate((ini.get("projects") or {}).get("nodes") or []):
            if not project.get("id"):
                issues.append(
                    _fail(file, f"{where}.projects.nodes[{j}].id", "a project without an id")
                )
                continue
            p = add(project, "project")
            parent_of(p, node["id"])
            state = str(
                (project.get("status") or {}).get("type") or project.get("state") or ""
            ).lower()
            if state in LINEAR_STATUS:
                p["status"] = LINEAR_STATUS[state]
            if (project.get("lead") or {}).get("email"):
                p["owner"] = project["lead"]["email"]
            teams = (project.get("teams") or {}).get("nodes") or []
            if teams and teams[0].get("name"):
                p["unit"] = teams[0]["name"]
            p["period"] = period_of(None, _day(project.get("targetDate")))
    # a sub-initiative listed twice (under its parent and on its own) keeps its own fields
    nodes, found = _nodes(
        file,
        [
            (f"linear:{k}", {k2: v for k2, v in items[k].items() if v is not None or k2 == "id"})
            for k in order
        ],
    )
    issues += found
    if issues:
        raise ImportFailed(issues)
    return ParsedImport(
        file=file,
        source=source,
        organisation=None,
        node_count=len(nodes),
        nodes=lambda: iter(nodes),
        layout="linear",
    )


def parse_api_response(file: str, doc: dict[str, Any], source: str) -> ParsedImport:
    try:
        parsed = _parse_response(file, doc, source)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        # a value of another type than the vendor documents (an object where a string belongs, ...)
        raise ImportFailed(
            [ImportIssue(file, f"not the documented response shape: {exc}", path="data")]
        ) from None
    if not parsed.node_count and not parsed.links:
        # an empty page would make --prune remove everything this source imported before
        raise ImportFailed([ImportIssue(file, "the response holds nothing to import", path="data")])
    return parsed


def _parse_response(file: str, doc: dict[str, Any], source: str) -> ParsedImport:
    kind = kind_of_response(doc)
    if kind == "linear":
        return parse_linear(file, doc, source)
    if kind == "asana-goals":
        return parse_asana_goals(file, doc, source)
    if kind == "asana-relationships":
        return parse_asana_relationships(file, doc, source)
    raise ImportFailed(
        [
            ImportIssue(
                file,
                "an API response of no kind this importer reads (Asana GET /goals, "
                "GET /goal_relationships, or Linear's initiatives query)",
                path="data",
            )
        ]
    )


def merge_pages(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several pages of one API listing as one response: their items end to end (an item on two
    pages, such as a project of two initiatives, is then one node with both parents)."""
    first = docs[0]
    if kind_of_response(first) == "linear":
        nodes = [n for d in docs for n in (d["data"]["initiatives"].get("nodes") or [])]
        return {"data": {"initiatives": {"nodes": nodes}}}
    items = [i for d in docs for i in (d["data"] if isinstance(d["data"], list) else [d["data"]])]
    return {"data": items}
