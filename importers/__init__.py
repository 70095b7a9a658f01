"""Importers: each parses and validates a file into records and never touches a database."""
from pathlib import Path

from importers.csv_generic import parse_csv
from importers.errors import ImportFailed, ImportIssue
from importers.native import parse_document
from importers.records import ParsedImport

FORMATS = ("yaml", "json", "csv")


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"yml": "yaml", "yaml": "yaml", "json": "json", "csv": "csv"}.get(suffix, "")


def parse(path: str | Path, fmt: str | None = None, *, source: str | None = None) -> ParsedImport:
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        return parse_csv(path, source=source)
    if fmt in ("yaml", "json"):
        return parse_document(path, fmt, source=source)
    raise ImportFailed([ImportIssue(str(path), f"cannot tell the format from the name; pass --format ({', '.join(FORMATS)})")])


__all__ = ["FORMATS", "ImportFailed", "ImportIssue", "ParsedImport", "detect_format", "parse"]
