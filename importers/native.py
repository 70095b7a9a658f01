"""The native document (YAML or JSON) of DESIGN section 5.

YAML is read as a stream of parser events, JSON value by value (importers.json_stream): each
entry of `nodes` is read, validated and dropped in turn, so memory grows with the number of
ids, not with the file. The file is read twice, like the CSV: once to find every problem, once
(inside the store's transaction) to apply. Problems name the document path (nodes[3].kind), the
node's id and the line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import ValidationError

from graph_schema import Node, Person, Unit, Value
from graph_schema.document import ImportDocument, NodeEntry
from importers import json_stream
from importers.errors import ImportFailed, ImportIssue
from importers.records import ParsedImport, clean_message, pydantic_field


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(tree: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest part of `loc` found in a composed YAML tree."""
    node, line = tree, None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


@dataclass
class _Entry:
    """One part of the document: a header key with its value, or one entry of `nodes`."""

    key: str
    value: Any
    tree: yaml.Node | None  # for line numbers
    index: int = -1  # position in `nodes`
    line_offset: int = 0  # added to the tree's lines (a JSON value's tree is of its own text)
    first_line: int | None = None  # where the value starts, when the tree cannot say more


def _row(entry: _Entry | None, loc: tuple[int | str, ...]) -> int | None:
    if entry is None:
        return None
    line = _line_of(entry.tree, loc)
    return line + entry.line_offset if line is not None else entry.first_line


def _yaml_error(file: str, exc: yaml.YAMLError) -> ImportFailed:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and cmark is not None:  # where the unclosed thing began is what the user must fix
        problem += f" ({context} that starts at line {cmark.line + 1})"
    return ImportFailed(
        [ImportIssue(file, f"malformed YAML: {problem}", row=mark.line + 1 if mark else None)]
    )


def _not_a_mapping(file: str) -> ImportFailed:
    return ImportFailed(
        [
            ImportIssue(
                file,
                "expected a mapping with 'organisation', 'units', 'people', 'values', 'nodes'",
                row=1,
            )
        ]
    )


# libyaml's parser (the C one shipped in PyYAML's wheels) is many times faster than the pure-Python
# one; it has no public composer, so nodes are composed here from its events.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _marks(event: yaml.Event) -> tuple[yaml.error.Mark | None, yaml.error.Mark | None]:
    """PyYAML's C loader puts its own Mark type on events; the node types only read its fields,
    so it serves them as well, but the type stubs name only the Python one."""
    return cast("yaml.error.Mark | None", event.start_mark), cast(
        "yaml.error.Mark | None", event.end_mark
    )


def _shown(text: str, limit: int = 60) -> str:
    """Input quoted in a message, cut: a message never echoes unbounded input back."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _check_key(key: yaml.Node, seen: set[tuple[str, str]]) -> None:
    """A mapping key must be a plain value, and each only once: a mapping or list as a key (an
    alias bomb fits in a few hundred bytes) is refused before it is constructed, and a second
    equal key would silently replace the first."""
    if not isinstance(key, yaml.ScalarNode):
        raise yaml.composer.ComposerError(
            None, None, "a key must be a plain value, not a list or mapping", key.start_mark
        )
    if (key.tag, key.value) in seen:
        raise yaml.composer.ComposerError(
            None, None, f"the key {_shown(key.value)} appears twice in one mapping", key.start_mark
        )
    seen.add((key.tag, key.value))


def _compose(loader: Any, anchors: dict[str, yaml.Node]) -> yaml.Node:
    """The next node of the event stream, with implicit tags resolved as PyYAML's composer does."""
    event = loader.get_event()
    if isinstance(event, yaml.AliasEvent):
        if event.anchor not in anchors:
            raise yaml.composer.ComposerError(
                None, None, f"found undefined alias {event.anchor!r}", _marks(event)[0]
            )
        return anchors[event.anchor]
    node: yaml.Node
    if isinstance(event, yaml.ScalarEvent):
        tag = (
            event.tag
            if event.tag not in (None, "!")
            else loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        )
        node = yaml.ScalarNode(tag, event.value, *_marks(event), style=event.style)
    elif isinstance(event, yaml.SequenceStartEvent):
        tag = (
            event.tag
            if event.tag not in (None, "!")
            else loader.resolve(yaml.SequenceNode, None, event.implicit)
        )
        node = yaml.SequenceNode(tag, [], _marks(event)[0], None, flow_style=event.flow_style)
        while not loader.check_event(yaml.SequenceEndEvent):
            node.value.append(_compose(loader, anchors))
        node.end_mark = loader.get_event().end_mark
    elif isinstance(event, yaml.MappingStartEvent):
        tag = (
            event.tag
            if event.tag not in (None, "!")
            else loader.resolve(yaml.MappingNode, None, event.implicit)
        )
        node = yaml.MappingNode(tag, [], _marks(event)[0], None, flow_style=event.flow_style)
        keys: set[tuple[str, str]] = set()
        while not loader.check_event(yaml.MappingEndEvent):
            key = _compose(loader, anchors)
            _check_key(key, keys)
            node.value.append((key, _compose(loader, anchors)))
        node.end_mark = loader.get_event().end_mark
    else:
        raise yaml.composer.ComposerError(
            None, None, f"unexpected {type(event).__name__}", event.start_mark
        )
    if getattr(event, "anchor", None):
        anchors[event.anchor] = node
    return node


def _walk_yaml(path: Path) -> Iterator[_Entry]:
    file = str(path)
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            loader = _Loader(fh)
            anchors: dict[str, yaml.Node] = {}
            try:
                loader.get_event()  # stream start
                if loader.check_event(yaml.StreamEndEvent):
                    raise ImportFailed(
                        [
                            ImportIssue(
                                file, "the file is empty: expected a document with 'nodes'", row=1
                            )
                        ]
                    )
                loader.get_event()  # document start
                if not loader.check_event(yaml.MappingStartEvent):
                    raise _not_a_mapping(file)
                loader.get_event()
                seen: dict[str, int] = {}
                while not loader.check_event(yaml.MappingEndEvent):
                    key_tree = _compose(loader, anchors)
                    if not isinstance(key_tree, yaml.ScalarNode):
                        _check_key(key_tree, set())  # raises: constructing it could explode
                    key = loader.construct_document(key_tree)
                    line = key_tree.start_mark.line + 1
                    if str(key) in seen:  # a YAML loader would silently keep the last one
                        raise ImportFailed(
                            [
                                ImportIssue(
                                    file,
                                    f"the key {_shown(str(key))} appears twice at the top level "
                                    f"(first on line {seen[str(key)]})",
                                    row=line,
                                )
                            ]
                        )
                    seen[str(key)] = line
                    if key == "nodes" and loader.check_event(yaml.SequenceStartEvent):
                        loader.get_event()
                        index = 0
                        while not loader.check_event(yaml.SequenceEndEvent):
                            tree = _compose(loader, anchors)
                            yield _Entry(
                                "nodes",
                                loader.construct_document(tree),
                                tree,
                                index,
                                first_line=tree.start_mark.line + 1,
                            )
                            index += 1
                        loader.get_event()
                    else:
                        tree = _compose(loader, anchors)
                        yield _Entry(
                            str(key),
                            loader.construct_document(tree),
                            tree,
                            first_line=tree.start_mark.line + 1,
                        )
            finally:
                loader.dispose()
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1 if exc.start < 50_000_000 else None
        raise ImportFailed(
            [
                ImportIssue(
                    file,
                    f"not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8",
                    row=line,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(file, exc) from None
    except RecursionError:
        raise ImportFailed(
            [ImportIssue(file, "nested too deeply to be a stratmap document")]
        ) from None


def _walk_json(path: Path) -> Iterator[_Entry]:
    file = str(path)
    try:
        for v in json_stream.walk(path):
            try:  # JSON is YAML too, near enough for line numbers inside one value; YAML also
                # breaks lines at a lone CR, json.loads does not (and JSON strings hold no raw CR)
                text = v.text.replace("\r\n", "\n").replace("\r", " ")
                tree: yaml.Node | None = yaml.compose(text, Loader=_Loader)
            except (
                yaml.YAMLError,
                RecursionError,
            ):  # e.g. escaped surrogate pairs: the value's line will do
                tree = None
            yield _Entry(v.key, v.value, tree, v.index, line_offset=v.line - 1, first_line=v.line)
    except json_stream.NotAnObject:
        raise _not_a_mapping(file) from None
    except json_stream.JsonSyntaxError as exc:
        message = (
            "the file is empty: expected a document with 'nodes'"
            if exc.message == "the file is empty"
            else f"malformed JSON: {exc.message} (column {exc.column})"
        )
        raise ImportFailed([ImportIssue(file, message, row=exc.line)]) from None
    except json_stream.JsonEncodingError as exc:
        raise ImportFailed(
            [
                ImportIssue(
                    file,
                    f"not valid UTF-8 ({exc.reason} at byte {exc.byte}); save the file as UTF-8",
                    row=_line_at_byte(path, exc.byte),
                )
            ]
        ) from None


def _line_at_byte(path: Path, byte: int) -> int:
    lines, seen = 1, 0
    with path.open("rb") as fh:
        while seen < byte and (block := fh.read(min(1 << 20, byte - seen))):
            lines += block.count(b"\n")
            seen += len(block)
    return lines


def _node(file: str, entry: _Entry, source: str) -> tuple[Node | None, list[ImportIssue]]:
    data = entry.value
    if isinstance(data, dict) and "source" not in data:
        data = {**data, "source": source}
    try:
        return Node.model_validate(NodeEntry.model_validate(data).model_dump()), []
    except ValidationError as exc:
        named = (
            f" (id '{data['id']}')" if isinstance(data, dict) and data.get("id") is not None else ""
        )
        issues = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = clean_message(err["msg"])
            issues.append(
                ImportIssue(
                    file,
                    msg,
                    row=_row(entry, loc),
                    path=_path(("nodes", entry.index, *loc)) + named,
                    field=pydantic_field(loc, msg),
                )
            )
        return None, issues


def parse_document(
    path: str | Path, fmt: str = "yaml", *, source: str | None = None
) -> ParsedImport:
    path = Path(path)
    file = str(path)
    src = source or path.name
    walk = _walk_json if fmt == "json" else _walk_yaml
    header: dict[str, Any] = {}
    header_entries: dict[str, _Entry] = {}
    issues: list[ImportIssue] = []
    first: dict[str, int] = {}
    for entry in walk(path):  # pass 1: every problem, keeping only the ids
        if entry.key != "nodes" or entry.index < 0:  # a header value, or a `nodes` that is no list
            header[entry.key], header_entries[entry.key] = entry.value, entry
            continue
        _, found = _node(file, entry, src)
        issues += found
        raw_id = entry.value.get("id") if isinstance(entry.value, dict) else None
        if raw_id is not None and str(raw_id).strip() in first:
            issues.append(
                ImportIssue(
                    file,
                    f"duplicate id '{raw_id}' (first at nodes[{first[str(raw_id).strip()]}])",
                    row=_row(entry, ("id",)),
                    path=f"nodes[{entry.index}].id",
                    field="id",
                )
            )
        elif raw_id is not None:
            first[str(raw_id).strip()] = entry.index
    if "nodes" in header:  # present but not a list
        issues.append(
            ImportIssue(
                file, "'nodes' must be a list", row=_row(header_entries["nodes"], ()), path="nodes"
            )
        )
        del header["nodes"]
    try:
        doc = ImportDocument.model_validate(header)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            issues.append(
                ImportIssue(
                    file,
                    clean_message(err["msg"]),
                    row=_row(header_entries.get(str(loc[0])), loc[1:]),
                    path=_path(loc),
                    field=pydantic_field(loc[1:]),
                )
            )
        doc = None
    if doc is not None:
        groups: tuple[tuple[str, Sequence[Unit | Person | Value]], ...] = (
            ("units", doc.units),
            ("people", doc.people),
            ("values", doc.values),
        )
        for kind, items in groups:
            seen: dict[str, int] = {}
            for i, item in enumerate(items):
                if item.id in seen:
                    issues.append(
                        ImportIssue(
                            file,
                            f"duplicate id '{item.id}' (first at {kind}[{seen[item.id]}])",
                            row=_row(header_entries.get(kind), (i, "id")),
                            path=f"{kind}[{i}].id",
                            field="id",
                        )
                    )
                seen.setdefault(item.id, i)
    if issues:
        raise ImportFailed(issues)
    assert doc is not None

    def nodes() -> Iterator[Node]:  # pass 2, inside the store's transaction
        for entry in walk(path):
            if entry.key == "nodes" and entry.index >= 0:
                node, found = _node(file, entry, src)
                if node is None:  # the file changed between the passes
                    raise ImportFailed(found)
                yield node

    return ParsedImport(
        file=file,
        source=src,
        organisation=doc.organisation.id if doc.organisation else None,
        node_count=len(first),
        nodes=nodes,
        units=list(doc.units),
        people=list(doc.people),
        values=list(doc.values),
        layout=fmt,
    )
