"""Cell values as spreadsheets write them: decimal commas, percentages, lists in one cell."""
from __future__ import annotations

import re

_GROUPED_POINT = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234.5
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234,5


class CellError(ValueError):
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
    parts = [cell]
    for sep in separators:
        parts = [piece for part in parts for piece in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]
