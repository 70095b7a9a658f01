"""The layouts teams keep their goals in: outlines, companions, links, several files in one run."""

from __future__ import annotations

from pathlib import Path

import pytest

import importers
from service.engine.engine import Engine
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed
from tests.contract.conftest import dump
from tests.importers.conftest import seed

GITLAB = Path(__file__).resolve().parents[1] / "data" / "gitlab-fy20-q4"
COMPARED = ("id", "kind", "title", "owner", "unit", "status", "period")


def _view(parsed: importers.ParsedImport) -> dict[str, tuple]:
    return {
        n.id: (
            tuple(getattr(n, f) for f in COMPARED),
            frozenset((p.id, p.weight) for p in n.parents),
        )
        for n in parsed.nodes()
    }


def test_gitlab_outline_imports_the_same_graph_as_the_generic_csv() -> None:
    flat = importers.parse_files([GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv"])
    outline = importers.parse_files([GITLAB / "gitlab_outline.csv", GITLAB / "gitlab_units.csv"])
    assert [p.layout for p in outline.parts] == ["outline", "units"]
    assert (
        outline.node_count == flat.node_count == 407
    )  # 419 rows: work items cited twice are one node
    assert _view(outline) == _view(flat)
    assert outline.units == flat.units and len(outline.units) == 54


def test_a_csv_user_gets_a_unit_tree_and_rolled_up_line_of_sight(store: SQLiteStore) -> None:
    import_parsed(
        store,
        importers.parse_files([GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv"]),
        tenant="gitlab",
    )
    engine = Engine(store.read_graph("gitlab"))
    # field-operations (sales -> field-operations -> sales-enablement ...) holds the enablement work
    found = [engine.graph.ids[i] for i in engine.unit_initiatives("field-operations")]
    assert "I-gitlab-com-www-gitlab-com-5743" in found  # owned by sales-enablement, a sub-unit
    assert {"sales-enablement", "sales-operations"} <= engine.units_below("field-operations")
    assert all(engine.line_of_sight(i).traced for i in found)
    assert engine.unit_initiatives("gitlab-nonexistent") == []


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


OUTLINE = (
    "Main,L1,L2,L3,Type,Owner,Importance\n"
    "Be the best,,,,Vision,ceo,\n"
    ",Grow,,,Goal,ceo,\n"
    ",,Win mid-market,,Objective,vp,\n"
    ",,,Ten new logos,KeyResult,ann,3\n"
    ",,,Churn under 5%,KeyResult,bob,1\n"
)


def test_outline_without_ids_derives_them_and_an_inserted_row_is_one_creation(
    store: SQLiteStore, tmp_path: Path
) -> None:
    path = _write(tmp_path / "plan.csv", OUTLINE)
    _, _first = import_parsed(store, importers.parse(path))
    nodes = {n.title: n for n in importers.parse(path).nodes()}
    assert all(n.id.startswith("outline:") for n in nodes.values())
    kr = nodes["Ten new logos"]
    assert kr.parents[0].id == nodes["Win mid-market"].id and kr.parents[0].weight == 0.75
    assert nodes["Churn under 5%"].parents[0].weight == 0.25
    # a new row at the top, before the vision: nothing else changes id
    _write(
        path,
        OUTLINE.replace(
            "Main,L1,L2,L3,Type,Owner,Importance\n",
            "Main,L1,L2,L3,Type,Owner,Importance\nA second vision,,,,Vision,ceo,\n",
        ),
    )
    _, again = import_parsed(store, importers.parse(path))
    assert (len(again.created), len(again.updated), again.unchanged) == (1, 0, 5)


def test_outline_with_levels_instead_of_a_type_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "plan.csv", "Main,L1,L2\nMission,,\n,Grow,\n,,Win\n")
    with pytest.raises(importers.ImportFailed, match="no Type column: pass --levels"):
        importers.parse(path)
    parsed = importers.parse(
        path, options=importers.ReadOptions(levels=("vision", "goal", "objective"))
    )
    assert [n.kind.value for n in parsed.nodes()] == ["Vision", "Goal", "Objective"]


@pytest.mark.parametrize(
    ("text", "row", "field", "message"),
    [
        (
            "Main,L1,L2,Type\nV,,,Vision\n,,O,Objective\n",
            3,
            "L2",
            "sits at L2 but the row it would hang under is at Main",
        ),
        (
            "Main,L1,Type\nV,,Vision\n,G,Goal\n,,\n",
            None,
            None,
            None,
        ),  # an empty row is skipped, not an error
        ("Main,L1,Type\nV,G,Vision\n", 2, None, "titles in several level columns (Main, L1)"),
        ("Main,L1,Type\nV,,Visoin\n", 2, "Type", "unknown type 'Visoin'"),
        (
            "Main,L1,Type,ID\nV,,Vision,V\n,G,Goal,G\n,G2,Goal,G\n",
            4,
            "ID",
            "repeats row 3 with other values",
        ),
        ("Main,L1,L3,Type\nV,,,Vision\n", 1, "L3", "without a gap"),
        ("Main,L1,Type,Colour\nV,,Vision,red\n", 1, "Colour", "unknown column 'Colour'"),
    ],
)
def test_bad_outlines_name_row_and_column_and_write_nothing(
    store: SQLiteStore,
    tmp_path: Path,
    text: str,
    row: int | None,
    field: str | None,
    message: str | None,
) -> None:
    before = seed(store, tmp_path)
    path = _write(tmp_path / "bad.csv", text)
    if message is None:
        assert importers.parse(path).node_count == 2
        return
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse(path))
    (issue,) = caught.value.issues
    assert (
        (issue.row, issue.field) == (row, field)
        and message in issue.message
        and issue.file == str(path)
    )
    assert dump(store, "default") == before


GOALS = (
    "id,kind,title,owner\nV,Vision,Be trusted,ceo@co.example\nG1,Goal,Grow,cfo\n"
    "I1,Initiative,Ship it,ann@co.example\n"
)
PEOPLE = "id,name,email,unit\nceo,Ceo,CEO@co.example,co\nann,Ann,ann@co.example,web\n"
UNITS = "id,name,parent,leader\nco,Company,,ceo\nweb,Web team,co,ann\n"
LINKS = "child,parent,weight\nG1,V,\nI1,G1,0.5\n"


def test_goals_units_people_and_links_in_one_run(store: SQLiteStore, tmp_path: Path) -> None:
    paths = [
        _write(tmp_path / name, text)
        for name, text in (
            ("goals.csv", GOALS),
            ("people.csv", PEOPLE),
            ("units.csv", UNITS),
            ("links.csv", LINKS),
        )
    ]
    parsed = importers.parse_files(paths)
    assert [p.layout for p in parsed.parts] == ["csv", "people", "units", "links"]
    import_parsed(store, parsed)
    rows = store.read_graph("default")
    nodes = {n.id: n for n in store.get("default", ["V", "G1", "I1"])}
    assert nodes["V"].owner == "ceo" and nodes["I1"].owner == "ann"  # owners given by email
    assert [(p.id, p.weight) for p in nodes["I1"].parents] == [("G1", 0.5)]
    assert {p.id: p.leads for p in rows.people} == {"ceo": ("co",), "ann": ("web",)}
    assert {n.source for n in nodes.values()} == {"goals.csv"}
    assert Engine(rows).traced.all()
    # the same run again changes nothing
    _, again = import_parsed(store, importers.parse_files(paths))
    assert not again.changed


@pytest.mark.parametrize(
    ("files", "file", "row", "field", "message"),
    [
        (
            {"goals.csv": GOALS, "links.csv": "child,parent\nI9,G1\n"},
            "links.csv",
            2,
            "child",
            "child 'I9' is in none of the files imported with this one",
        ),
        (
            {"goals.csv": GOALS, "units.csv": UNITS},
            "units.csv",
            2,
            "leader",
            "leader 'ceo' is not a person",
        ),
        (
            {"goals.csv": GOALS, "more.csv": "id,kind,title\nG1,Goal,Again\n"},
            "more.csv",
            None,
            "id",
            "node id 'G1' is also in",
        ),
        (
            {"goals.csv": GOALS, "links.csv": "child,parent,weight\nI1,G1,1.5\n"},
            "links.csv",
            2,
            "weight",
            "not between 0 and 1",
        ),
    ],
)
def test_a_bad_file_in_a_run_writes_none_of_them(
    store: SQLiteStore,
    tmp_path: Path,
    files: dict[str, str],
    file: str,
    row: int | None,
    field: str,
    message: str,
) -> None:
    before = seed(store, tmp_path)
    paths = [_write(tmp_path / name, text) for name, text in files.items()]
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse_files(paths))
    issue = caught.value.issues[0]  # the leaders case has two: ceo and ann
    assert len(caught.value.issues) == (2 if field == "leader" else 1)
    assert (Path(issue.file).name, issue.row, issue.field) == (
        file,
        row,
        field,
    ) and message in issue.message
    assert dump(store, "default") == before


def test_an_unknown_header_names_the_closest_format(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.csv", "Main,Type,Owner\nx,Vision,ceo\n")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    text = caught.value.issues[0].message
    assert "matches no format" in text and "closest: 'outline'" in text and "l1" in text
