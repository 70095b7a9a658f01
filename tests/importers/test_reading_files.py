"""Files the way spreadsheets save them: BOMs, UTF-16, Windows-1252, `;` and decimal commas,
CRLF.
"""

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


@pytest.mark.parametrize(
    ("name", "encoding", "sep", "newline", "label", "delimiter"),
    [
        ("utf8.csv", "utf-8", ",", "\n", "UTF-8", "comma"),
        ("bom.csv", "utf-8-sig", ",", "\r\n", "UTF-8 with BOM", "comma"),
        ("excel-unicode.txt", "utf-16", "\t", "\r\n", "UTF-16 LE", "tab"),
        ("european.csv", "cp1252", ";", "\r\n", "Windows-1252", "semicolon"),
    ],
)
def test_every_way_a_spreadsheet_saves_reads_the_same(
    tmp_path: Path, name: str, encoding: str, sep: str, newline: str, label: str, delimiter: str
) -> None:
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


@pytest.mark.parametrize(
    ("cell", "comma", "value"),
    [
        ("45%", False, (45.0, True)),
        ("1,234.5", False, (1234.5, False)),
        ("1.234,5", True, (1234.5, False)),
        ("0,5", True, (0.5, False)),
        (" -3 ", False, (-3.0, False)),
        ("12\u00a0000", False, (12000.0, False)),
    ],
)
def test_numbers(cell: str, comma: bool, value: tuple[float, bool]) -> None:
    assert number(cell, decimal_comma=comma) == value


def test_fractions_and_bad_numbers() -> None:
    assert fraction("45%") == fraction("45") == fraction("0.45") == 0.45
    for bad in ("lots", "1e999", "nan"):
        with pytest.raises(CellError):
            number(bad)


BW = "name,type,progress,start_date,end_date,owner_email,categories,description\n"


def _bw(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "bw.csv"
    path.write_text(BW + rows, encoding="utf-8")
    return path


def test_dates_in_every_documented_form_give_the_period(tmp_path: Path) -> None:
    path = _bw(
        tmp_path,
        "A,goal,10,2026-10-01,2026-12-31,a@x,,\nB,goal,10,01.01.2026,30.06.2026,b@x,,\n"
        "C,goal,10,46023,46387,c@x,,\nD,goal,10,2026-11-01,2027-01-31,d@x,,\n"
        "E,goal,10,,31/12/2026,e@x,,\n",
    )  # 31/12 settles the column: day first
    periods = {n.title: n.period for n in importers.parse(path).nodes()}
    assert periods == {
        "A": "2026-Q4",
        "B": "2026-H1",
        "C": "2026",
        "D": "2026-11-01..2027-01-31",
        "E": "2026-Q4",
    }


def test_ambiguous_slashed_dates_need_a_date_order(tmp_path: Path) -> None:
    path = _bw(tmp_path, "A,goal,10,01/02/2026,03/04/2026,a@x,,\n")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    assert [(i.row, i.field) for i in caught.value.issues] == [(1, "start_date"), (1, "end_date")]
    assert "pass --date-order dmy|mdy" in caught.value.issues[0].message
    dmy = importers.parse(path, options=importers.ReadOptions(date_order="dmy"))
    mdy = importers.parse(path, options=importers.ReadOptions(date_order="mdy"))
    assert [n.period for n in dmy.nodes()] == ["2026-H1"]  # 1 Feb .. 3 Apr
    assert [n.period for n in mdy.nodes()] == ["2026-Q1"]  # 2 Jan .. 4 Mar


def test_a_column_mixing_both_orders_is_refused(tmp_path: Path) -> None:
    path = _bw(tmp_path, "A,goal,10,13/01/2026,,a@x,,\nB,goal,10,01/13/2026,,b@x,,\n")
    with pytest.raises(importers.ImportFailed, match="mixes day/month and month/day"):
        importers.parse(path)


def test_a_bad_date_names_row_and_column(tmp_path: Path) -> None:
    path = _bw(tmp_path, "A,goal,10,2026-02-30,,a@x,,\n")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert (issue.row, issue.field) == (2, "start_date") and "is not a date" in issue.message


@pytest.mark.parametrize("layout", ["csv", "outline", "ally"])
def test_long_text_is_refused_or_cut_and_listed(tmp_path: Path, layout: str) -> None:
    long = "x" * 600
    text = {
        "csv": f"id,kind,title\nV,Vision,{long}\n",
        "outline": f"Main,L1,Type\n{long},,Vision\n",
        "ally": f"Row ID,Title,Parent,Owner Email,Type\n1,{long},,a@x,Vision\n",
    }[layout]
    path = tmp_path / "long.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert issue.row == 2 and "600 characters, more than the 500 a title may have" in issue.message
    assert issue.field in ("title", "Main", "Title")
    cut = importers.parse(path, options=importers.ReadOptions(truncate=True))
    assert [len(n.title) for n in cut.nodes()] == [500]
    assert cut.cuts == [f"{path}, row 2, field 'title': cut from 600 to 500 characters"]


@pytest.mark.parametrize(
    "field", ["id", "title", "period", "description", "owner", "unit", "measure_unit"]
)
def test_each_text_column_is_held_to_its_own_limit(tmp_path: Path, field: str) -> None:
    """A generic CSV's rows of short cells skip the length check: a cell one character over
    its field's limit, beside short ones, must still be refused, and one at it accepted."""
    from importers.records import TEXT_LIMITS

    limit = TEXT_LIMITS[field]
    path = tmp_path / "limits.csv"
    for length, refused in ((limit, False), (limit + 1, True)):
        cells = {"id": "KR1", "kind": "KeyResult", "title": "Short", field: "y" * length}
        path.write_text(",".join(cells) + "\n" + ",".join(cells.values()) + "\n", encoding="utf-8")
        if not refused:
            (node,) = importers.parse(path).nodes()
            assert len(getattr(node, field)) == limit
            continue
        with pytest.raises(importers.ImportFailed) as caught:
            importers.parse(path)
        (issue,) = caught.value.issues
        assert issue.field == field and f"more than the {limit} a {field}" in issue.message


def test_an_xlsx_workbook_reads_like_its_csv(tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "Read me"
    notes.append(["This sheet explains the template."])
    sheet = book.create_sheet("Goals")
    sheet.append(
        [
            "name",
            "type",
            "progress",
            "start_date",
            "end_date",
            "owner_email",
            "categories",
            "description",
        ]
    )
    sheet.append(
        [
            "Launch the portal",
            "goal",
            45,
            dt.datetime(2026, 10, 1),
            dt.date(2026, 12, 31),
            "a@x",
            None,
            "multi\nline",
        ]
    )
    sheet.append([None] * 8)  # an empty row
    sheet.append(
        ["Cut onboarding time", "goal", 0.2, 46023, 46387, "b@x", None, None]
    )  # serial day numbers
    path = tmp_path / "goals.xlsx"
    book.save(path)
    with pytest.raises(importers.ImportFailed, match="the header matches no format"):
        importers.parse(path)  # the first sheet holds no table
    parsed = importers.parse(path, options=importers.ReadOptions(sheet="Goals"))
    assert parsed.layout == "betterworks" and parsed.details["read from"] == "an .xlsx sheet"
    nodes = {n.title: n for n in parsed.nodes()}
    assert (
        nodes["Launch the portal"].period == "2026-Q4"
        and nodes["Launch the portal"].description == "multi\nline"
    )
    assert nodes["Cut onboarding time"].period == "2026"
    assert {n.source for n in nodes.values()} == {"goals.xlsx"}
    sheet.cell(row=2, column=4, value="2026-02-30")
    book.save(path)
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path, options=importers.ReadOptions(sheet="Goals"))
    (issue,) = caught.value.issues
    assert (issue.file, issue.row, issue.field) == (f"{path} [Goals]", 2, "start_date")
    with pytest.raises(
        importers.ImportFailed, match="no sheet 'Nope' \\(sheets: Read me, Goals\\)"
    ):
        importers.parse(path, options=importers.ReadOptions(sheet="Nope"))
