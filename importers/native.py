"""The native document (YAML or JSON) of DESIGN section 5.

A document is parsed whole (YAML has no cheap streaming form); problems are reported with the
document path (nodes[3].kind) and the line it is on.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from graph_schema import Node
from graph_schema.document import ImportDocument
from importers.errors import ImportFailed, ImportIssue
from importers.records import ParsedImport, clean_message, pydantic_field


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(tree: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest part of `loc` found in the composed YAML tree."""
    node, line = tree, None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _load(path: Path, fmt: str) -> tuple[Any, yaml.Node | None]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ImportFailed([ImportIssue(file, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8", row=line)]) from None
    if not text.strip():
        raise ImportFailed([ImportIssue(file, "the file is empty: expected a document with 'nodes'", row=1)])
    try:
        if fmt == "json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed([ImportIssue(file, f"malformed JSON: {exc.msg} (column {exc.colno})", row=exc.lineno)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None:  # where the unclosed thing began is what the user must fix
            problem += f" ({context} that starts at line {cmark.line + 1})"
        raise ImportFailed([ImportIssue(file, f"malformed YAML: {problem}", row=mark.line + 1 if mark else None)]) from None
    try:
        tree = yaml.compose(text)  # only for line numbers in messages; JSON is YAML here too
    except yaml.YAMLError:
        tree = None
    return data, tree


def parse_document(path: str | Path, fmt: str = "yaml", *, source: str | None = None) -> ParsedImport:
    path = Path(path)
    file = str(path)
    src = source or path.name
    data, tree = _load(path, fmt)
    if not isinstance(data, dict):
        raise ImportFailed([ImportIssue(file, "expected a mapping with 'organisation', 'units', 'people', 'values', 'nodes'", row=1)])
    if isinstance(data.get("nodes"), list):
        for entry in data["nodes"]:
            if isinstance(entry, dict) and "source" not in entry:
                entry["source"] = src
    issues: list[ImportIssue] = []
    try:
        doc = ImportDocument.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = _path(loc)
            # name the node by its id too: "nodes[12]" alone is hard to find in a long file
            if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int):
                entry = data["nodes"][loc[1]]
                if isinstance(entry, dict) and entry.get("id") is not None:
                    where = f"{where} (id '{entry['id']}')"
            issues.append(ImportIssue(file, clean_message(err["msg"]), row=_line_of(tree, loc), path=where,
                                      field=pydantic_field(loc[2:] if loc and loc[0] == "nodes" else loc[1:])))
        raise ImportFailed(issues) from None
    first: dict[str, int] = {}
    for kind, items in (("nodes", doc.nodes), ("units", doc.units), ("people", doc.people), ("values", doc.values)):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in seen:
                issues.append(ImportIssue(file, f"duplicate id '{item.id}' (first at {kind}[{seen[item.id]}])",
                                          row=_line_of(tree, (kind, i, "id")), path=f"{kind}[{i}].id", field="id"))
            else:
                seen[item.id] = i
        if kind == "nodes":
            first = seen
    if issues:
        raise ImportFailed(issues)
    nodes = [Node.model_validate(n.model_dump()) for n in doc.nodes]
    return ParsedImport(
        file=file, source=src, organisation=doc.organisation.id if doc.organisation else None,
        node_count=len(first), nodes=lambda: iter(nodes), units=list(doc.units), people=list(doc.people),
        values=list(doc.values),
    )
