"""Files the way spreadsheets save them: BOMs, UTF-16, Windows-1252, `;` and decimal commas, CRLF."""
from __future__ import annotations

from pathlib import Path

import pytest

import importers
from importers.cells import CellError, fraction, number

ROWS = [
    ["id", "kind", "title", "parents", "start", "target", "current"],
    ["V", "Vision", "Caf\u00e9 for everyone \u2013 everywhere", "", "", "", ""],
    ["O1", "Objective", "Grow  ", "V", "", "", ""],
    ["", "", "", "", "", "", ""],  # an empty row
    ["K1", "KeyResult", "Margin", "O1\nV", "0", "12.5", "45%"],
]


def _text(sep: str, newline: str) -> str:
    def cell(c: str) -> str:
        return f'"{c}"' if any(ch in c for ch in (sep, "\n", '"', ",")) else c
    return "".join(sep.join(cell(c) for c in row) + newline for row in ROWS)


@pytest.mark.parametrize(("name", "encoding", "sep", "newline", "label", "delimiter"), [
    ("utf8.csv", "utf-8", ",", "\n", "UTF-8", "comma"),
    ("bom.csv", "utf-8-sig", ",", "\r\n", "UTF-8 with BOM", "comma"),
    ("excel-unicode.txt", "utf-16", "\t", "\r\n", "UTF-16 LE", "tab"),
    ("european.csv", "cp1252", ";", "\r\n", "Windows-1252", "semicolon"),
])
def test_every_way_a_spreadsheet_saves_reads_the_same(tmp_path: Path, name: str, encoding: str, sep: str,
                                                        newline: str, label: str, delimiter: str) -> None:
    text = _text(sep, newline)
    if sep == ";":
        text = text.replace("12.5", "12,5")  # European Excel writes a decimal comma in a `;` file
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    parsed = importers.parse(path)
    assert parsed.details == {"encoding": label, "delimiter": delimiter}
    nodes = {n.id: n for n in parsed.nodes()}
    assert nodes["V"].title == "Caf\u00e9 for everyone \u2013 everywhere"
    assert nodes["O1"].title == "Grow"
    assert [p.id for p in nodes["K1"].parents] == ["O1", "V"]  # a multi-line parent cell
    assert (nodes["K1"].start, nodes["K1"].target, nodes["K1"].current) == (0, 12.5, 45)


def test_an_explicit_encoding_and_delimiter_win(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes("id|kind|title\nV|Vision|Caf\u00e9\n".encode("latin-1"))
    parsed = importers.parse(path, options=importers.ReadOptions(encoding="latin-1", delimiter="|"))
    assert [n.title for n in parsed.nodes()] == ["Caf\u00e9"]


@pytest.mark.parametrize(("cell", "comma", "value"), [
    ("45%", False, (45.0, True)), ("1,234.5", False, (1234.5, False)), ("1.234,5", True, (1234.5, False)),
    ("0,5", True, (0.5, False)), (" -3 ", False, (-3.0, False)), ("12\u00a0000", False, (12000.0, False)),
])
def test_numbers(cell: str, comma: bool, value: tuple[float, bool]) -> None:
    assert number(cell, decimal_comma=comma) == value


def test_fractions_and_bad_numbers() -> None:
    assert fraction("45%") == fraction("45") == fraction("0.45") == 0.45
    for bad in ("lots", "1e999", "nan"):
        with pytest.raises(CellError):
            number(bad)
