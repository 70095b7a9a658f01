"""`.xlsx` workbooks: one sheet (the first, or `--sheet`) read as the table it holds.

openpyxl's read-only mode streams the rows; they are written once to a temporary UTF-8 CSV that
every layout then reads like any other table (twice, as all imports do), so a workbook is
recognised, checked and imported exactly as its CSV export would be. Problems name the workbook
and the sheet's row numbers, never the temporary file.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import datetime as dt
import os
import tempfile
import zipfile
from pathlib import Path

from importers.errors import ImportFailed, ImportIssue
from importers.table import Table, open_table

_TEMPS: list[str] = []


@atexit.register
def _clean() -> None:
    for name in _TEMPS:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def open_workbook(path: Path, sheet: str | None = None) -> Table:
    from openpyxl import load_workbook  # only a workbook import pays for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ImportFailed(
            [ImportIssue(str(path), f"not a readable .xlsx workbook ({exc})")]
        ) from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise ImportFailed(
                [
                    ImportIssue(
                        str(path),
                        f"--sheet: no sheet '{sheet}' (sheets: {', '.join(book.sheetnames)})",
                    )
                ]
            )
        fd, name = tempfile.mkstemp(prefix="stratmap-", suffix=".csv")
        _TEMPS.append(name)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            for row in ws.iter_rows(values_only=True):
                cells = [_text(v) for v in row]
                while cells and not cells[-1].strip():  # a formatted but empty column is no column
                    cells.pop()
                writer.writerow(cells)
    finally:
        book.close()
    label = f"{path}" if sheet is None else f"{path} [{sheet}]"
    table = open_table(name, encoding="utf-8", delimiter=",", label=label)
    return table
