"""Import problems: each names the file, the row (or document path) and the field."""

from __future__ import annotations

from dataclasses import dataclass

from graph_schema.errors import StratmapError


@dataclass(frozen=True, slots=True)
class ImportIssue:
    file: str
    message: str
    row: int | None = None  # CSV record (header = 1) or YAML/JSON line
    path: str | None = None  # document path such as nodes[3].kind
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.path is not None:
            where += f", {self.path}"
        if self.field is not None and (self.path is None or not self.path.endswith(self.field)):
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class ImportInputError(StratmapError, ValueError):
    """One cell, token or byte sequence could not be read; the parser turns it into an issue."""


class ImportFailed(StratmapError):
    """The file was not imported; every problem found is listed, nothing was written."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        self.issues = issues
        super().__init__(f"{len(issues)} problem(s):\n" + "\n".join(f"  {i}" for i in issues))
