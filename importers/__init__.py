"""Importers: each parses and validates a file into records and never touches a database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from importers.bundle import join
from importers.errors import ImportFailed, ImportIssue
from importers.layouts import LAYOUTS, closest, layout_named
from importers.native import parse_document
from importers.records import ParsedImport, ReadOptions
from importers.table import open_table, renamed
from importers.work_json import api_response, kind_of_response, merge_pages, parse_api_response
from importers.xlsx import open_workbook

DOCUMENT_FORMATS = ("yaml", "json")
FORMATS = ("auto", *DOCUMENT_FORMATS, *(layout.name for layout in LAYOUTS))


def detect_format(path: str | Path) -> str:
    """The document format a file name says; '' for a table (its header decides) or unknown."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"yml": "yaml", "yaml": "yaml", "json": "json"}.get(suffix, "")


def parse(
    path: str | Path,
    fmt: str | None = None,
    *,
    source: str | None = None,
    options: ReadOptions | None = None,
) -> ParsedImport:
    """One file, in the format given or (None or 'auto') the one its name and header say."""
    options = options or ReadOptions()
    fmt = None if fmt == "auto" else fmt
    path = Path(path)
    if fmt is None:
        fmt = detect_format(path) or None
    if fmt == "json" and (response := api_response(path)) is not None:
        return parse_api_response(
            str(path), response, source or path.name
        )  # Asana's or Linear's API
    if fmt in DOCUMENT_FORMATS:
        return parse_document(path, fmt, source=source)
    if fmt is not None and layout_named(fmt) is None:
        raise ImportFailed(
            [ImportIssue(str(path), f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")]
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = open_workbook(path, options.sheet)
    else:
        table = open_table(path, encoding=options.encoding, delimiter=options.delimiter)
    if options.columns:
        table = renamed(table, options.columns)
    layout = (
        layout_named(fmt)
        if fmt is not None
        else next((lo for lo in LAYOUTS if lo.matches(table.keys)), None)
    )
    if layout is None:
        best, missing = closest(table.keys)
        raise ImportFailed(
            [
                ImportIssue(
                    str(path),
                    "the header matches no format this importer knows "
                    f"({', '.join(FORMATS[1:])}); closest: '{best.name}' ({best.describes}), "
                    f"which also needs: {', '.join(missing)}",
                    row=1,
                )
            ]
        )
    if fmt is not None and layout.name not in ("csv", "outline") and not layout.matches(table.keys):
        missing = [k for k in layout.signature if k not in table.keys]
        raise ImportFailed(
            [
                ImportIssue(
                    str(path),
                    f"--format {fmt}: the header is not a {layout.describes} header "
                    f"(it lacks: {', '.join(missing) or 'its known columns only'})",
                    row=1,
                )
            ]
        )
    # two columns of one name would silently lose one (Jira's repeated Labels columns are one list)
    if layout.name not in ("csv", "outline", "jira") and len(set(table.keys)) < len(table.keys):
        twice = next(
            h for h, k in zip(table.header, table.keys, strict=True) if table.keys.count(k) > 1
        )
        raise ImportFailed(
            [ImportIssue(str(path), f"column '{twice}' appears twice", row=1, field=twice)]
        )
    parsed = layout.parse(table, source or path.name, options)
    if options.columns:
        mapped = {h: options.columns.get(h, h) for h in options.columns}
        parsed.details["columns"] = ", ".join(
            f"{h} -> {v if v is not None else '(dropped)'}" for h, v in mapped.items()
        )
    return parsed


def read_column_map(path: str | Path) -> dict[str, str | None]:
    """A --columns file: YAML mapping their header -> a stratmap column (or null to drop it),
    at the top level or under `columns:`."""
    import yaml

    file = str(path)
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ImportFailed([ImportIssue(file, f"cannot read the column map: {exc}")]) from None
    if isinstance(doc, dict) and isinstance(doc.get("columns"), dict):
        doc = doc["columns"]
    if not isinstance(doc, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in doc.items()
    ):
        raise ImportFailed(
            [ImportIssue(file, "a column map is a mapping of header -> column name (or null)")]
        )
    return {str(k): v for k, v in doc.items()}


def parse_files(
    paths: Sequence[str | Path],
    fmt: str | None = None,
    *,
    source: str | None = None,
    options: ReadOptions | None = None,
) -> ParsedImport:
    """Several files (goals, units, people, links) joined into one import, all or nothing."""
    parts: list[ParsedImport] = []
    issues: list[ImportIssue] = []
    pages: dict[str, list[tuple[Path, dict[str, Any]]]] = {}  # API listings come a page a file
    for path in map(Path, paths):
        response = (
            api_response(path)
            if fmt in (None, "auto", "json") and detect_format(path) == "json"
            else None
        )
        kind = kind_of_response(response) if response is not None else None
        if response is not None and kind is not None:
            pages.setdefault(kind, []).append((path, response))
            continue
        try:
            parts.append(parse(path, fmt, source=source, options=options))
        except ImportFailed as exc:
            issues += exc.issues
    for listing in pages.values():
        label = " + ".join(str(p) for p, _ in listing)
        try:
            parts.append(
                parse_api_response(
                    label, merge_pages([d for _, d in listing]), source or listing[0][0].name
                )
            )
        except ImportFailed as exc:
            issues += exc.issues
    if issues:
        raise ImportFailed(issues)
    return join(parts)


__all__ = [
    "FORMATS",
    "ImportFailed",
    "ImportIssue",
    "ParsedImport",
    "ReadOptions",
    "detect_format",
    "parse",
    "parse_files",
    "read_column_map",
]
