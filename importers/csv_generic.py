"""The generic CSV of DESIGN section 5: one row a node.

Two passes over the file: the first validates every row and collects every problem while
keeping only the ids; the second (run by the store, inside its one transaction) reads the rows
again as nodes. Nothing but the id set is held, whatever the file's size.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph_schema import Node, NodeKind, Scope, Status
from importers.errors import ImportFailed, ImportIssue
from importers.records import ParsedImport, clean_message, pydantic_field

COLUMNS: tuple[str, ...] = (
    "id", "kind", "title", "parents", "owner", "unit", "scope", "status", "period", "effort",
    "description", "start", "target", "current", "measure_unit", "depends_on", "conflicts_with",
    "expresses", "co_owners",  # co_owners: our extension, person ids separated by ';'
)
REQUIRED: tuple[str, ...] = ("id", "kind", "title")
NUMBERS = ("effort", "start", "target", "current")
LISTS = ("depends_on", "conflicts_with", "expresses", "co_owners")
_ENUMS: dict[str, dict[str, str]] = {
    "kind": {k.value.lower(): k.value for k in NodeKind} | {"key result": "KeyResult", "key_result": "KeyResult",
                                                          "behavior": "Behaviour"},
    "status": {s.value: s.value for s in Status},
    "scope": {s.value: s.value for s in Scope},
}
MAX_ISSUES = 1000  # past this many, a file is wrong wholesale; listing more helps nobody


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace("\n", ";").split(";") if part.strip()]


def _row_to_fields(row: dict[str, str], source: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Turn one row's cells into model fields; returns the fields and (field, problem) pairs."""
    data: dict[str, Any] = {"source": source}
    problems: list[tuple[str, str]] = []
    for name, raw in row.items():
        cell = (raw or "").strip()
        if not cell:
            continue
        if name in _ENUMS:
            value = _ENUMS[name].get(cell.lower())
            if value is None:
                problems.append((name, f"unknown {name} '{cell}' (expected one of: {', '.join(sorted(set(_ENUMS[name].values())))})"))
            else:
                data[name] = value
        elif name in NUMBERS:
            try:
                data[name] = float(cell)
            except ValueError:
                problems.append((name, f"'{cell}' is not a number"))
        elif name == "parents":
            parents = []
            for part in _split(cell):
                pid, _, weight = part.partition("=")
                if not weight:
                    parents.append({"id": pid.strip()})
                    continue
                try:
                    parents.append({"id": pid.strip(), "weight": float(weight)})
                except ValueError:
                    problems.append((name, f"weight '{weight.strip()}' of parent '{pid.strip()}' is not a number"))
            data["parents"] = parents
        elif name in LISTS:
            data[name] = _split(cell)
        else:
            data[name] = cell
    return data, problems


def _validate(file: str, row_no: int, data: dict[str, Any]) -> tuple[Node | None, list[ImportIssue]]:
    try:
        return Node.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            msg = clean_message(err["msg"])
            field = pydantic_field(err["loc"], msg)
            issues.append(ImportIssue(file, msg, row=row_no, field=field))
        return None, issues


def _first_undecodable_line(path: Path) -> int:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)

    def rows(self) -> Iterator[tuple[int, dict[str, str] | None, ImportIssue | None]]:
        """(row number, cells by column, problem) for every data row; header problems first."""
        row_no = 1
        try:
            with self.path.open("r", encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader, None)
                if header is None or not any(h.strip() for h in header):
                    yield 1, None, ImportIssue(self.file, "the file is empty: expected a header row with at least "
                                               + ", ".join(REQUIRED), row=1)
                    return
                names = [h.strip().lower() for h in header]
                bad = False
                for col in REQUIRED:
                    if col not in names:
                        bad = True
                        yield 1, None, ImportIssue(self.file, f"missing column '{col}'", row=1, field=col)
                for name in names:
                    if name not in COLUMNS:
                        bad = True
                        yield 1, None, ImportIssue(
                            self.file, f"unknown column '{name}' (known: {', '.join(COLUMNS)})", row=1, field=name)
                    elif names.count(name) > 1:
                        bad = True
                        yield 1, None, ImportIssue(self.file, f"column '{name}' appears twice", row=1, field=name)
                if bad:
                    return
                for row_no, cells in enumerate(reader, start=2):
                    if not any(c.strip() for c in cells):
                        continue
                    if len(cells) > len(names):
                        yield row_no, None, ImportIssue(
                            self.file, f"{len(cells)} cells but the header has {len(names)} columns", row=row_no)
                        continue
                    yield row_no, dict(zip(names, cells)), None
        except UnicodeDecodeError as exc:
            # the decoder works ahead of the CSV reader, so find the line itself: a newline byte is
            # never inside a UTF-8 sequence, so lines can be decoded one by one
            line = _first_undecodable_line(self.path)
            yield line, None, ImportIssue(
                self.file, f"not valid UTF-8 on line {line} ({exc.reason}); save the file as UTF-8", row=line)
        except csv.Error as exc:
            yield row_no + 1, None, ImportIssue(self.file, f"malformed CSV: {exc}", row=row_no + 1)


def parse_csv(path: str | Path, *, source: str | None = None) -> ParsedImport:
    path = Path(path)
    reader = _Reader(path)
    src = source or path.name
    issues: list[ImportIssue] = []
    first_row: dict[str, int] = {}
    count = 0
    for row_no, cells, problem in reader.rows():
        if problem is not None:
            issues.append(problem)
        else:
            assert cells is not None
            data, problems = _row_to_fields(cells, src)
            issues.extend(ImportIssue(reader.file, msg, row=row_no, field=f) for f, msg in problems)
            # duplicates are judged on the raw id, so a bad row still claims its id
            raw_id = (cells.get("id") or "").strip()
            if raw_id and raw_id in first_row:
                issues.append(ImportIssue(
                    reader.file, f"duplicate id '{raw_id}' (first at row {first_row[raw_id]})", row=row_no, field="id"))
                continue
            if raw_id:
                first_row[raw_id] = row_no
            if not problems:
                node, found = _validate(reader.file, row_no, data)
                issues.extend(found)
                count += node is not None
        if len(issues) >= MAX_ISSUES:
            issues.append(ImportIssue(reader.file, f"stopped after {MAX_ISSUES} problems"))
            break
    if not issues and not first_row:
        issues.append(ImportIssue(reader.file, "no data rows: nothing to import", row=2))
    if issues:
        raise ImportFailed(issues)

    def nodes() -> Iterator[Node]:
        for row_no, cells, problem in reader.rows():
            if problem is not None or cells is None:  # the file changed between the passes
                raise ImportFailed([problem or ImportIssue(reader.file, "file changed while importing", row=row_no)])
            data, problems = _row_to_fields(cells, src)
            node, found = _validate(reader.file, row_no, data) if not problems else (None, [])
            if node is None:
                raise ImportFailed(found or [ImportIssue(reader.file, "file changed while importing", row=row_no)])
            yield node

    return ParsedImport(file=reader.file, source=src, organisation=None, node_count=count, nodes=nodes)
