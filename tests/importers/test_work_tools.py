"""Work from the tools teams work in: Asana, Linear and Jira, one graph across them.

The fixtures in examples/imports/ follow each vendor's documented response or export shape;
the expected graphs below were read off those files by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import importers
from service.engine.engine import Engine
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed
from tests.contract.conftest import dump
from tests.importers.conftest import seed

IMPORTS = Path(__file__).resolve().parents[2] / "examples" / "imports"
ASANA = [IMPORTS / "asana-goals.json", IMPORTS / "asana-goal-relationships.json"]
G1, G2, G3, G4 = (f"asana:120600000000000{i}" for i in range(1, 5))


def test_asana_goals_and_relationships() -> None:
    parsed = importers.parse_files(ASANA)
    assert [p.layout for p in parsed.parts] == ["asana-goals", "asana-relationships"]
    n = {x.id: x for x in parsed.nodes()}
    assert n[G1].kind.value == "Goal" and n[G1].period == "FY26"  # workspace level
    assert n[G2].kind.value == "KeyResult" and (n[G2].start, n[G2].target, n[G2].current) == (
        2.5e6,
        4e6,
        3.1e6,
    )
    assert n[G2].measure_unit == "EUR" and n[G2].unit == "Sales EMEA"
    assert n[G4].kind.value == "Objective"  # a team goal without a metric
    assert [(p.id, p.weight) for p in n[G3].parents] == [
        (G1, 0.5)
    ]  # subgoal, contribution_weight 0.5
    assert [(p.id, p.weight) for p in n[G4].parents] == [(G3, 0.0)]
    assert n["asana:1206000000000005"].status.value == "archived"  # "dropped"
    work = {x.title: [p.id for p in x.parents] for x in n.values() if x.kind.value == "Initiative"}
    assert work == {
        "Onboarding wizard v1": [G4],
        "EMEA Q2 campaigns": [G2],
        "Sign DACH reseller agreement": [G2],
        "project 1209000000000002": [G3],
    }  # a supporting project with an empty name
    assert {p.id: p.name for p in parsed.people}[n[G1].owner or ""] == "Priya Raman"


def test_asana_relationships_without_their_goals_are_refused() -> None:
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse_files([IMPORTS / "asana-goal-relationships.json"])
    assert all(
        "is in none of the files imported with this one" in i.message for i in caught.value.issues
    )
    # an item of a JSON response is named by its path, not by a row it does not have
    first = caught.value.issues[0]
    assert (first.row, first.path) == (None, "data[0]")


def test_linear_initiatives_projects_and_sub_initiatives() -> None:
    n = {x.title: x for x in importers.parse(IMPORTS / "linear-initiatives.json").nodes()}
    ids = {t: x.id for t, x in n.items()}
    assert all(x.kind.value == "Initiative" and x.id.startswith("linear:") for x in n.values())
    assert [p.id for p in n["SOC 2 Type II"].parents] == [
        ids["Enterprise readiness"]
    ]  # a sub-initiative
    # a project held by two initiatives supports both
    assert sorted(p.id for p in n["Audit log export"].parents) == sorted(
        [ids["Enterprise readiness"], ids["SOC 2 Type II"]]
    )
    assert (n["SAML SSO"].owner, n["SAML SSO"].unit, n["SAML SSO"].period) == (
        "lukas@acme.example",
        "Platform",
        "2026-Q3",
    )
    assert n["Self-serve growth"].status.value == "done"  # Completed


def test_jira_issues_nest_by_issue_id_and_link_to_strategy_by_label_or_column(
    tmp_path: Path,
) -> None:
    by_label = {
        x.id: x
        for x in importers.parse(
            IMPORTS / "jira.csv", options=importers.ReadOptions(link_label_prefix="okr:")
        ).nodes()
    }
    assert [p.id for p in by_label["jira:PLAT-10"].parents] == ["O-GROW"]  # the label okr:O-GROW
    assert [p.id for p in by_label["jira:PLAT-13"].parents] == ["jira:PLAT-11"]  # Parent 10011
    assert [p.id for p in by_label["jira:PLAT-15"].parents] == [
        "jira:#10002"
    ]  # a parent not exported
    assert (
        by_label["jira:PLAT-11"].status.value == "done" and by_label["jira:PLAT-12"].owner is None
    )
    by_column = {
        x.id: x
        for x in importers.parse(
            IMPORTS / "jira.csv",
            options=importers.ReadOptions(link_column="Custom field (Start date)"),
        ).nodes()
    }
    assert [p.id for p in by_column["jira:PLAT-10"].parents] == [
        "01/Apr/26"
    ]  # whatever that column holds
    with pytest.raises(importers.ImportFailed, match="--link-column: no column 'Strategy'"):
        importers.parse(IMPORTS / "jira.csv", options=importers.ReadOptions(link_column="Strategy"))


def test_work_from_several_tools_lands_in_one_graph_and_orphans_are_found_across_them(
    store: SQLiteStore, tmp_path: Path
) -> None:
    vision = tmp_path / "strategy.csv"
    vision.write_text("id,kind,title\nV,Vision,Be the platform teams trust\n", encoding="utf-8")
    links = tmp_path / "links.csv"
    linear_root = "linear:4b1f2c1e-6a0d-4c2e-9d1a-0f6c1a2b3c01"
    links.write_text(
        f"child,parent\n{G1},V\njira:PLAT-10,{G4}\n{linear_root},{G1}\n", encoding="utf-8"
    )
    parsed = importers.parse_files(
        [vision, *ASANA, IMPORTS / "linear-initiatives.json", IMPORTS / "jira.csv", links]
    )
    import_parsed(store, parsed)
    engine = Engine(store.read_graph("default"))
    g = engine.graph
    traced = {g.ids[i] for i in range(g.n) if engine.traced[i]}
    assert {
        "jira:PLAT-12",
        "linear:9e8d7c6b-1111-4a2b-8c3d-000000000002",
        "asana:1209000000000001",
    } <= traced
    assert engine.orphans == []  # PLAT-14 is done, Linear's "Self-serve growth" Completed
    # without the link of Linear's root initiative, it and its projects are the orphan work
    links.write_text(f"child,parent\n{G1},V\njira:PLAT-10,{G4}\n", encoding="utf-8")
    other = SQLiteStore(tmp_path / "other.db")
    import_parsed(
        other,
        importers.parse_files(
            [vision, *ASANA, IMPORTS / "linear-initiatives.json", IMPORTS / "jira.csv", links]
        ),
    )
    apart = Engine(other.read_graph("default"))
    assert [apart.graph.ids[i] for i in apart.orphans] == [linear_root]
    reasons = {g.ids[gap.break_point]: gap.reason.value for gap in engine.gaps}
    assert reasons["jira:PLAT-15"] == "DANGLING_PARENT"  # its parent issue 10002 was not exported
    assert reasons["jira:PLAT-13"] == "INACTIVE_PARENT"  # a sub-task of a story that is done


def test_a_bad_api_response_names_the_path_and_writes_nothing(
    store: SQLiteStore, tmp_path: Path
) -> None:
    before = seed(store, tmp_path)
    bad = tmp_path / "goals.json"
    bad.write_text(
        '{"data": [{"gid": "1", "resource_type": "goal", "name": "x", "status": "purple"}]}',
        encoding="utf-8",
    )
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse(bad))
    (issue,) = caught.value.issues
    assert issue.path == "data[0].status" and "unknown status 'purple'" in issue.message
    assert dump(store, "default") == before


def test_pages_of_one_listing_are_imported_together(tmp_path: Path) -> None:
    import json

    def page(nodes: list[dict]) -> dict:
        return {"data": {"initiatives": {"nodes": nodes, "pageInfo": {"hasNextPage": False}}}}

    shared = {"id": "pr", "name": "Shared project"}
    one = tmp_path / "page1.json"
    one.write_text(
        json.dumps(
            page(
                [
                    {
                        "id": "a",
                        "name": "A",
                        "status": "Active",
                        "subInitiatives": {"nodes": [{"id": "c", "name": "C"}]},
                        "projects": {"nodes": [shared]},
                    }
                ]
            )
        ),
        encoding="utf-8",
    )
    two = tmp_path / "page2.json"
    two.write_text(
        json.dumps(
            page(
                [
                    {
                        "id": "c",
                        "name": "C",
                        "status": "Planned",
                        "parentInitiative": {"id": "a"},
                        "projects": {"nodes": [shared]},
                    }
                ]
            )
        ),
        encoding="utf-8",
    )
    parsed = importers.parse_files([one, two])
    n = {x.id: x for x in parsed.nodes()}
    assert sorted(n) == ["linear:a", "linear:c", "linear:pr"]
    assert [p.id for p in n["linear:c"].parents] == ["linear:a"]  # named on both pages: once
    assert sorted(p.id for p in n["linear:pr"].parents) == ["linear:a", "linear:c"]
    assert parsed.parts[0].file == f"{one} + {two}"


@pytest.mark.parametrize(
    "response",
    [
        '{"data": [{"gid": "1", "resource_type": "goal", "name": "Grow", "name": "Shrink"}]}',
        '{"data": {"initiatives": {"nodes": [{"id": "i1", "name": "A", "id": "i2"}]}}}',
    ],
    ids=["asana", "linear"],
)
def test_a_key_twice_in_an_api_response_is_refused_not_last_wins(
    store: SQLiteStore, tmp_path: Path, response: str
) -> None:
    before = seed(store, tmp_path)
    bad = tmp_path / "export.json"
    bad.write_text(response, encoding="utf-8")
    for parse in (lambda: importers.parse(bad), lambda: importers.parse_files([bad], None)):
        with pytest.raises(importers.ImportFailed) as caught:
            import_parsed(store, parse())
        (issue,) = caught.value.issues
        assert issue.file == str(bad) and "appears twice in one object" in issue.message
    assert dump(store, "default") == before
