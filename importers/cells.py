"""Cell values as spreadsheets write them: decimal commas, percentages, lists in one cell."""

from __future__ import annotations

import re
from datetime import date as _date
from datetime import timedelta as _timedelta

from importers.errors import ImportInputError

_GROUPED_POINT = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234.5
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234,5


class CellError(ImportInputError):
    """A cell that cannot be read; the message is for the user."""


def number(cell: str, *, decimal_comma: bool = False) -> tuple[float, bool]:
    """(value, written as a percentage). '45%' is (45.0, True); with `decimal_comma` (a `;`
    file from a European Excel) '1.234,5' is 1234.5 and '0,5' is 0.5."""
    text = cell.strip().replace("\u00a0", "").replace(" ", "")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if decimal_comma:
        if _GROUPED_COMMA.match(text):
            text = text.replace(".", "")
        text = text.replace(",", ".")
    elif _GROUPED_POINT.match(text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise CellError(f"'{cell.strip()}' is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(f"'{cell.strip()}' is not a finite number")
    return value, percent


def fraction(cell: str, *, decimal_comma: bool = False) -> float:
    """A progress or completion: '45%' and '45' are 0.45, '0.45' is 0.45."""
    value, percent = number(cell, decimal_comma=decimal_comma)
    return value / 100 if percent or value > 1 else value


def split_ids(cell: str, separators: str = ";\n") -> list[str]:
    """Ids listed in one cell, one per line or separated by any of `separators`; blanks dropped."""
    if not separators:
        return [cell.strip()] if cell.strip() else []
    first = separators[0]
    for sep in separators[1:]:
        cell = cell.replace(sep, first)
    return [p for p in map(str.strip, cell.split(first)) if p]


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # a spreadsheet's day count since 1899-12-30


def slashed_parts(cell: str) -> tuple[int, int] | None:
    """(first, second) of a DD/MM/YYYY or MM/DD/YYYY date, else None."""
    m = _SLASHED.match(cell.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def date_order_evidence(cells: list[tuple[int, int]]) -> str | None:
    """'dmy' or 'mdy' where some slashed date settles it, '' where none does (ambiguous), None
    where the column holds both kinds (a mistake)."""
    dmy = any(a > 12 for a, _ in cells)
    mdy = any(b > 12 for _, b in cells)
    if dmy and mdy:
        return None
    return "dmy" if dmy else "mdy" if mdy else ""


def date(cell: str, order: str | None = None) -> _date:
    """ISO 8601, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY (by `order`), or a serial day number."""
    text = cell.strip()
    try:
        if m := _ISO.match(text):
            return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DOTTED.match(text):
            return _date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := _SLASHED.match(text):
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if order is None:
                raise CellError(
                    f"'{text}' could be day/month or month/day: pass --date-order dmy|mdy"
                )
            return _date(y, b, a) if order == "dmy" else _date(y, a, b)
        if _SERIAL.match(text):
            return _date(1899, 12, 30) + _timedelta(days=int(float(text)))
    except ValueError as exc:
        raise CellError(f"'{text}' is not a date ({exc})") from None
    raise CellError(
        f"'{text}' is not a date (expected YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY)"
    )


def period_of(start: _date | None, end: _date | None) -> str | None:
    """The period a goal's dates describe: a quarter, a half or a year where they fit one, else
    the span itself; with only one date, its quarter."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        d = start or end
        assert d is not None
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    if start.year == end.year:
        q1, q2 = (start.month - 1) // 3, (end.month - 1) // 3
        if q1 == q2:
            return f"{start.year}-Q{q1 + 1}"
        if q1 // 2 == q2 // 2:
            return f"{start.year}-H{q1 // 2 + 1}"
        return str(start.year)
    return f"{start.isoformat()}..{end.isoformat()}"
