"""What an independent review of the importers broke, each now a clear error or the right graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import importers
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed
from tests.contract.conftest import dump
from tests.importers.conftest import seed

ALLY = "Row ID,Title,Parent,Owner Email\n"


def _file(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_two_rows_with_one_title_and_owner_stay_two_nodes(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = _file(tmp_path, "ally.csv", ALLY + "1,Grow,,a@x.com\n2,Grow,,a@x.com\n")
    _, result = import_parsed(store, importers.parse(path))
    assert len(result.created) == 2 and len(set(result.created)) == 2
    assert result.created[1] == result.created[0] + "-2"


BAD_RESPONSES = [
    ({"data": [{"resource_type": "goal", "gid": "1", "name": "a"}, 5]}, "data[1]", "not an object"),
    (
        {"data": [{"resource_type": "goal", "gid": "1", "name": "a", "metric": "x"}]},
        "data",
        "not the documented response shape",
    ),
    (
        {
            "data": [
                {"resource_type": "goal", "gid": "1", "name": "a"},
                {"resource_type": "goal", "gid": "1"},
            ]
        },
        "data[1].gid",
        "repeats data[0]",
    ),
    (
        {
            "data": [
                {
                    "resource_type": "goal_relationship",
                    "contribution_weight": "abc",
                    "supported_goal": {"gid": "1"},
                    "supporting_resource": {"gid": "2"},
                }
            ]
        },
        "data",
        "not the documented response shape",
    ),
    (
        {"data": {"initiatives": {"nodes": [{"id": "i", "name": "x", "projects": [{"id": "p"}]}]}}},
        "data",
        "not the documented response shape",
    ),
    ({"data": {"initiatives": {"nodes": []}}}, "data", "holds nothing to import"),
]


@pytest.mark.parametrize(("doc", "path", "message"), BAD_RESPONSES)
def test_a_malformed_api_response_is_an_error_not_a_traceback(
    store: SQLiteStore, tmp_path: Path, doc: dict, path: str, message: str
) -> None:
    before = seed(store, tmp_path)
    response = _file(tmp_path, "resp.json", json.dumps(doc))
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse(response))
    issue = caught.value.issues[0]
    assert (issue.file, issue.path) == (str(response), path) and message in issue.message, issue
    assert dump(store, "default") == before


def test_a_response_saved_with_a_bom_is_still_recognised(tmp_path: Path) -> None:
    doc = {
        "data": [{"resource_type": "goal", "gid": "1", "name": "Grow", "is_workspace_level": True}]
    }
    path = _file(tmp_path, "goals.json", b"\xef\xbb\xbf" + json.dumps(doc).encode())
    assert importers.parse(path).layout == "asana-goals"


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("units", "id,name,colour\nu,U,red\n", "--format units: the header is not a units"),
        (
            "ally-users",
            "Team Name,Owner Email,Parent Team\nA,a@x,\n",
            "--format ally-users: the header is not",
        ),
        (
            "ally",
            "Row ID,Title,Title,Parent,Owner Email\n1,a,b,,a@x\n",
            "column 'Title' appears twice",
        ),
    ],
)
def test_a_header_that_does_not_fit_is_named(
    tmp_path: Path, fmt: str, text: str, message: str
) -> None:
    with pytest.raises(importers.ImportFailed, match=message):
        importers.parse(_file(tmp_path, "f.csv", text), fmt if fmt != "ally" else None)


def test_a_workbook_that_is_no_zip_is_named(tmp_path: Path) -> None:
    with pytest.raises(importers.ImportFailed, match=r"not a readable .xlsx workbook"):
        importers.parse(_file(tmp_path, "okrs.xlsx", "id,kind,title\nV,Vision,v\n"))


def test_a_workbook_with_formatted_empty_columns_and_a_title_row_above(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([])  # a blank row above the header
    sheet.append(["id", "kind", "title"])
    sheet.append(["V", "Vision", "Be trusted"])
    sheet.cell(row=3, column=10).number_format = "0.00"  # touched, never filled
    sheet.cell(row=2, column=10, value="")
    path = tmp_path / "okrs.xlsx"
    book.save(path)
    assert [n.id for n in importers.parse(path).nodes()] == ["V"]


@pytest.mark.parametrize("delimiter", [";;", ""])
def test_a_bad_delimiter_is_named(tmp_path: Path, delimiter: str) -> None:
    with pytest.raises(importers.ImportFailed, match="the delimiter must be one character"):
        importers.parse(
            _file(tmp_path, "f.csv", "id,kind,title\n"),
            options=importers.ReadOptions(delimiter=delimiter),
        )


def test_utf16_without_a_bom_is_detected(tmp_path: Path) -> None:
    path = _file(tmp_path, "f.csv", "id,kind,title\nV,Vision,Caf\u00e9\n".encode("utf-16-le"))
    parsed = importers.parse(path)
    assert parsed.details["encoding"] == "UTF-16 LE (no BOM)" and [
        n.title for n in parsed.nodes()
    ] == ["Caf\u00e9"]
    with pytest.raises(importers.ImportFailed, match="cannot be read as"):
        importers.parse(
            _file(tmp_path, "g.csv", b"id,kind,title\n"),
            options=importers.ReadOptions(encoding="utf-16"),
        )


def test_one_link_in_two_files_and_over_long_ids_are_refused(
    store: SQLiteStore, tmp_path: Path
) -> None:
    before = seed(store, tmp_path)
    goals = _file(tmp_path, "goals.csv", "id,kind,title\nG1,Goal,g\nO1,Objective,o\n")
    one = _file(tmp_path, "links.csv", "child,parent,weight\nO1,G1,0.5\n")
    two = _file(tmp_path, "links2.csv", "child,parent\nO1,G1\n")
    with pytest.raises(importers.ImportFailed, match="link O1 -> G1 is also in"):
        import_parsed(store, importers.parse_files([goals, one, two]))
    long = _file(tmp_path, "long.csv", f"child,parent\nO1,{'x' * 300}\n")
    with pytest.raises(importers.ImportFailed, match="at most 200 characters"):
        import_parsed(store, importers.parse_files([goals, long]))
    assert dump(store, "default") == before


def test_jira_issue_ids_must_be_unique_and_culture_amp_rows_fit_the_header(tmp_path: Path) -> None:
    jira = _file(
        tmp_path,
        "jira.csv",
        "Summary,Issue key,Issue id,Issue Type,Parent\na,A-1,1,Story,\nb,A-2,1,Story,1\n",
    )
    with pytest.raises(importers.ImportFailed, match="Issue id '1' is also A-1's"):
        importers.parse(jira)
    ca = _file(tmp_path, "ca.csv", "email,name,due_at\na@x,Grow,2026-12-31,extra\n")
    with pytest.raises(importers.ImportFailed, match="4 cells but the header has 3 columns"):
        importers.parse(ca)


def test_a_cell_longer_than_the_csv_modules_limit_can_still_be_cut(tmp_path: Path) -> None:
    path = _file(tmp_path, "f.csv", f"id,kind,title,description\nV,Vision,v,{'d' * 200_000}\n")
    with pytest.raises(importers.ImportFailed, match="200000 characters, more than the 10000"):
        importers.parse(path)
    cut = importers.parse(path, options=importers.ReadOptions(truncate=True))
    assert [len(n.description or "") for n in cut.nodes()] == [10_000]


def test_reordered_parents_are_said_in_a_dry_run() -> None:
    from graph_schema import Node, ParentRef
    from service.store.records import classify, describe_change, node_to_rows

    old = node_to_rows(
        Node(id="O1", kind="Objective", title="o", parents=(ParentRef(id="G1"), ParentRef(id="G2")))
    )
    new = node_to_rows(
        Node(id="O1", kind="Objective", title="o", parents=(ParentRef(id="G2"), ParentRef(id="G1")))
    )
    before = (old[0], set(old[1]))
    assert classify(before, *new) == "updated"
    assert describe_change(before, *new) == ["parents: reordered G1 G2 -> G2 G1"]
