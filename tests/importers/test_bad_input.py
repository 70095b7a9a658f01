"""Every kind of bad input: a clear error naming file, row and field, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

import importers
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed
from tests.contract.conftest import dump
from tests.importers.conftest import HEADER, seed

CSV_CASES = [
    ("missing column", "id,kind\nV,Vision\n", [(1, "title", "missing column 'title'")]),
    (
        "unknown column",
        HEADER.strip() + ",colour\nV,Vision,x,,,,,,,,red\n",
        [(1, "colour", "unknown column 'colour'")],
    ),
    ("unknown kind", HEADER + "X1,Goall,t,,,,,,,\n", [(2, "kind", "unknown kind 'Goall'")]),
    (
        "bad number",
        HEADER + "X1,Initiative,t,,,,,,,three\n",
        [(2, "effort", "'three' is not a number")],
    ),
    (
        "negative effort",
        HEADER + "X1,Initiative,t,,,,,,,-2\n",
        [(2, "effort", "greater than or equal to 0")],
    ),
    (
        "bad weight",
        HEADER + "X1,Initiative,t,G1=1.5,,,,,,\n",
        [(2, "parents", "less than or equal to 1")],
    ),
    (
        "duplicate id",
        HEADER + "X1,Goal,a,,,,,,,\nX2,Goal,b,,,,,,,\nX1,Goal,c,,,,,,,\n",
        [(4, "id", "duplicate id 'X1' (first at row 2)")],
    ),
    (
        "unknown status",
        HEADER + "X1,Goal,t,,,,,paused,,\n",
        [(2, "status", "unknown status 'paused'")],
    ),
    (
        "scope on a goal",
        HEADER + "X1,Goal,t,,,,team,,,\n",
        [(2, "scope", "applies only to Objective")],
    ),
    ("empty title", HEADER + "X1,Goal,,,,,,,,\n", [(2, "title", "")]),
    (
        "too many cells",
        HEADER + "X1,Goal,t,,,,,,,,,extra\n",
        [(2, None, "cells but the header has")],
    ),
    ("empty file", "", [(1, None, "the file is empty")]),
    ("header only", HEADER, [(2, None, "no data rows")]),
]


@pytest.mark.parametrize(("case", "text", "expected"), CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_bad_csv(store: SQLiteStore, tmp_path: Path, case: str, text: str, expected: list) -> None:
    before = seed(store, tmp_path)
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse(path))
    got = [(i.row, i.field, i.message) for i in caught.value.issues]
    assert len(got) == len(expected), got
    for (row, field, message), (want_row, want_field, want_text) in zip(got, expected, strict=True):
        assert (row, field) == (want_row, want_field) and want_text in message
    assert all(i.file == str(path) for i in caught.value.issues)
    assert dump(store, "default") == before


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(
        HEADER + "A,Goall,t,,,,,,,\nB,Goal,t,,,,,,,x\nC,Goal,t,,,,,nope,,\n", encoding="utf-8"
    )
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    assert [(i.row, i.field) for i in caught.value.issues] == [
        (2, "kind"),
        (3, "effort"),
        (4, "status"),
    ]


def test_wrong_encoding_names_the_row(store: SQLiteStore, tmp_path: Path) -> None:
    # neither UTF-8 nor Windows-1252 (0x81 is undefined there): the line is named
    before = seed(store, tmp_path)
    path = tmp_path / "binary.csv"
    path.write_bytes(HEADER.encode() + b"X1,Goal,fine,,,,,,,\n" + b"X2,Goal,Caf\xe9 \x81,,,,,,,\n")
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse(path))
    (issue,) = caught.value.issues
    assert "cannot be read as Windows-1252 on line 3" in issue.message and issue.row == 3
    assert "--encoding" in issue.message
    assert dump(store, "default") == before


YAML_CASES = [
    (
        "malformed",
        "nodes:\n  - id: A\n    kind: [Goal\n",
        4,
        None,
        "flow sequence that starts at line 3",
    ),
    (
        "unknown kind",
        "nodes:\n  - id: A\n    kind: Goal\n    title: a\n"
        "  - id: B\n    kind: Goall\n    title: b\n",
        6,
        "kind",
        "Input should be",
    ),
    (
        "bad number",
        "nodes:\n  - id: A\n    kind: Initiative\n    title: a\n    effort: lots\n",
        5,
        "effort",
        "valid number",
    ),
    (
        "unknown field",
        "nodes:\n  - id: A\n    kind: Goal\n    title: a\n    colour: red\n",
        5,
        "colour",
        "Extra inputs",
    ),
    (
        "duplicate id",
        "nodes:\n  - {id: A, kind: Goal, title: a}\n  - {id: A, kind: Goal, title: b}\n",
        3,
        "id",
        "duplicate id 'A'",
    ),
    ("not a mapping", "- just\n- a list\n", 1, None, "expected a mapping"),
    ("empty", "   \n", 1, None, "the file is empty"),
]


@pytest.mark.parametrize(
    ("case", "text", "row", "field", "message"), YAML_CASES, ids=[c[0] for c in YAML_CASES]
)
def test_bad_yaml(
    store: SQLiteStore,
    tmp_path: Path,
    case: str,
    text: str,
    row: int,
    field: str | None,
    message: str,
) -> None:
    before = seed(store, tmp_path)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse(path))
    (issue,) = caught.value.issues
    assert (issue.row, issue.field) == (row, field) and message in issue.message, issue
    assert dump(store, "default") == before


def test_yaml_error_names_the_node_id_and_path(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(
        "nodes:\n  - id: OK1\n    kind: Goal\n    title: fine\n  - id: BAD7\n    kind: Goal\n"
        "    title: t\n    parents: [{id: OK1, weight: 2}]\n",
        encoding="utf-8",
    )
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    text = str(caught.value.issues[0])
    assert "doc.yaml, row 8, nodes[1].parents[0].weight (id 'BAD7')" in text


def test_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"nodes": [\n  {"id": "A", "kind": "Goal",}\n]}', encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    assert caught.value.issues[0].row == 2 and "malformed JSON" in caught.value.issues[0].message


def test_a_windows_1252_byte_far_down_decides_the_encoding_of_the_whole_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "late.csv"
    good = "".join(f"X{i},Goal,title \u2013 {i},,,,,,,\n" for i in range(5000))  # an en dash
    path.write_bytes(
        (HEADER + good).encode("cp1252") + "Y1,Goal,Caf\u00e9,,,,,,,\n".encode("cp1252")
    )
    parsed = importers.parse(path)
    assert parsed.details["encoding"] == "Windows-1252"
    titles = {n.id: n.title for n in parsed.nodes()}
    assert titles["X0"] == "title \u2013 0" and titles["Y1"] == "Caf\u00e9"


def test_wrong_encoding_far_down_names_the_exact_line(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    good = "".join(f"X{i},Goal,title {i},,,,,,,\n" for i in range(5000))
    path.write_bytes((HEADER + good).encode() + b"Y1,Goal,Caf\x8f,,,,,,,\n")  # undefined in both
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert issue.row == 5002 and "line 5002" in issue.message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "nodes:\n  - " + "[" * 5_000 + "]" * 5_000 + "\n"),
    ],
)
def test_absurd_nesting_is_a_clear_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    assert caught.value.issues and caught.value.issues[0].file == str(path)


@pytest.mark.parametrize("cells", ["X1,Initiative,t,,,,,,,inf", "X1,Initiative,t,,,,,,,nan"])
def test_non_finite_numbers_are_refused(tmp_path: Path, cells: str) -> None:
    path = tmp_path / "inf.csv"
    path.write_text(HEADER + cells + "\n", encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    assert [(i.row, i.field) for i in caught.value.issues] == [(2, "effort")]


def test_repeated_link_targets_are_refused_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        "id,kind,title,depends_on,co_owners\nX1,Initiative,t,A;A,p;q;p\n", encoding="utf-8"
    )
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    assert [(i.row, i.field) for i in caught.value.issues] == [
        (2, "depends_on")
    ] and "'A' twice" in str(caught.value)
