"""Mutations: Success | Error unions naming field and row, roles, and the data left as it was."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api
from tests.contract.conftest import dump

RESULT = """... on ApplySuccess { created updated unchanged moved removed version dryRun }
            ... on InputError { message issues { field row path file message } }
            ... on NotAllowed { message }"""


def test_import_document_dry_run_then_real_then_again(api: Api) -> None:
    csv = (
        "id,kind,title,parents,unit\nI7,Initiative,New work,K1,web\n"
        "I1,Initiative,Release train renamed,K1,web\n"
    )
    m = (
        "mutation($c: String!, $d: Boolean!) "
        f"{{ importDocument(content: $c, format: CSV, dryRun: $d) {{ {RESULT} }} }}"
    )
    before = dump(api.store, "acme")
    dry = api.data(m, {"c": csv, "d": True})["importDocument"]
    assert (dry["created"], dry["updated"], dry["dryRun"]) == (["I7"], ["I1"], True)
    assert dump(api.store, "acme") == before
    real = api.data(m, {"c": csv, "d": False})["importDocument"]
    assert real["created"] == ["I7"] and real["version"] == before["version"] + 1
    assert api.data('{ node(id: "I7") { traced unit { id } } }')["node"] == {
        "traced": True,
        "unit": {"id": "web"},
    }
    again = api.data(m, {"c": csv, "d": False})["importDocument"]
    assert again["created"] == again["updated"] == [] and again["unchanged"] == 2


def test_import_errors_name_row_and_field_and_write_nothing(api: Api) -> None:
    before = dump(api.store, "acme")
    csv = (
        "id,kind,title,effort\nX1,Initiative,ok,1\nX2,Initiativ,bad kind,\n"
        "X3,Initiative,bad effort,lots\n"
    )
    r = api.data(
        "mutation($c: String!) "
        f'{{ importDocument(content: $c, format: CSV, source: "okrs.csv") {{ {RESULT} }} }}',
        {"c": csv},
    )["importDocument"]
    assert [(i["file"], i["row"], i["field"]) for i in r["issues"]] == [
        ("okrs.csv", 3, "kind"),
        ("okrs.csv", 4, "effort"),
    ]
    yaml_doc = "nodes:\n  - id: Y1\n    kind: Goal\n    title: fine\n  - id: Y2\n    kind: Goal\n"
    r = api.data(
        f"mutation($c: String!) {{ importDocument(content: $c, format: YAML) {{ {RESULT} }} }}",
        {"c": yaml_doc},
    )["importDocument"]
    assert [(i["row"], i["path"], i["field"]) for i in r["issues"]] == [
        (5, "nodes[1].title (id 'Y2')", "title")
    ]
    assert dump(api.store, "acme") == before


def test_upsert_link_unlink_set_status_delete(api: Api) -> None:
    up = api.data(f"""mutation {{ upsertNodes(nodes: [
        {{id: "I8", kind: INITIATIVE, title: "Fresh", unit: "web", effort: 2,
          parents: [{{id: "O2", weight: 0.5}}]}}
      ]) {{ {RESULT} }} }}""")["upsertNodes"]
    assert up["created"] == ["I8"]
    gap = (
        "{ alignmentGaps(reason: DANGLING_PARENT) "
        "{ edges { node { strandedWork stranded { edges { node { id } } } } } } }"
    )
    assert (
        api.data(gap)["alignmentGaps"]["edges"][0]["node"]["strandedWork"] == 4.0
    )  # I2 (2) + I8 (2)
    assert api.data(f'mutation {{ link(childId: "O2", parentId: "G1") {{ {RESULT} }} }}')["link"][
        "updated"
    ] == ["O2"]
    assert api.data('{ node(id: "I8") { traced } }')["node"]["traced"] is True
    assert api.data(f'mutation {{ unlink(childId: "O2", parentId: "G1") {{ {RESULT} }} }}')[
        "unlink"
    ]["updated"] == ["O2"]
    assert api.data('{ node(id: "I8") { traced } }')["node"]["traced"] is False
    assert api.data(f'mutation {{ setStatus(id: "I8", status: DONE) {{ {RESULT} }} }}')[
        "setStatus"
    ]["updated"] == ["I8"]
    deleted = api.data(f'mutation {{ deleteNodes(ids: ["I8"]) {{ {RESULT} }} }}', token="admin")[
        "deleteNodes"
    ]
    assert deleted["removed"] == ["I8"]
    # the deleter reads its own write (another subject may be answered from the version before,
    # flagged stale, until the rebuild lands)
    assert api.data('{ node(id: "I8") { id } }', token="admin")["node"] is None


def test_mutation_errors_name_the_field(api: Api) -> None:
    before = dump(api.store, "acme")
    bad = api.data(f"""mutation {{ upsertNodes(nodes: [
        {{id: "A1", kind: INITIATIVE, title: "ok"}},
        {{id: "A2", kind: INITIATIVE, title: "bad", effort: -1}},
        {{id: "A3", kind: INITIATIVE, title: "bad", scope: TEAM}}
      ]) {{ {RESULT} }} }}""")["upsertNodes"]
    assert [(i["path"], i["field"]) for i in bad["issues"]] == [
        ("nodes[1].effort", "effort"),
        ("nodes[2].scope", "scope"),
    ]
    missing = api.data(f'mutation {{ link(childId: "NOPE", parentId: "G1") {{ {RESULT} }} }}')[
        "link"
    ]
    assert missing["issues"] == [
        {"field": "childId", "row": None, "path": None, "file": None, "message": "no node 'NOPE'"}
    ]
    weight = api.data(
        f'mutation {{ link(childId: "I1", parentId: "G1", weight: 3) {{ {RESULT} }} }}'
    )["link"]
    assert weight["issues"][0]["field"] == "weight"
    gone = api.data(
        f'mutation {{ deleteNodes(ids: ["I1", "NOPE"]) {{ {RESULT} }} }}', token="admin"
    )["deleteNodes"]
    assert gone["issues"][0]["field"] == "ids" and "NOPE" in gone["message"]
    assert dump(api.store, "acme") == before


def test_roles(api: Api) -> None:
    before = dump(api.store, "acme")
    for mutation in (
        'upsertNodes(nodes: [{id: "Z", kind: GOAL, title: "z"}])',
        'link(childId: "I3", parentId: "G1")',
        'unlink(childId: "I1", parentId: "K1")',
        'setStatus(id: "I1", status: DONE)',
        'deleteNodes(ids: ["I1"])',
        'importDocument(content: "id,kind,title\\nZ,Goal,z", format: CSV)',
    ):
        r = api.data(f"mutation {{ x: {mutation} {{ {RESULT} }} }}", token="viewer")["x"]
        assert "viewer" in r["message"] and "issues" not in r, mutation
    assert (
        "admin"
        in api.data(f'mutation {{ deleteNodes(ids: ["I1"]) {{ {RESULT} }} }}')["deleteNodes"][
            "message"
        ]
    )
    prune = api.data(
        'mutation { importDocument(content: "id,kind,title\\nZ,Goal,z", format: CSV, prune: true) '
        f"{{ {RESULT} }} }}"
    )
    assert "admin" in prune["importDocument"]["message"]
    r = api.data("mutation { recordHistory { ... on NotAllowed { message } } }", token="viewer")
    assert "editor" in r["recordHistory"]["message"]
    assert dump(api.store, "acme") == before


def test_history(api: Api) -> None:
    r = api.data(
        'mutation { recordHistory(label: "baseline") '
        "{ ... on HistorySuccess { record { seq label score } } } }"
    )
    assert r["recordHistory"]["record"]["label"] == "baseline"
    api.data('mutation { link(childId: "O2", parentId: "G1") { __typename } }')
    api.data('mutation { recordHistory(label: "fixed O2") { __typename } }')
    h = api.data("{ history { label score counts } }", token="viewer")["history"]
    assert [x["label"] for x in h] == ["baseline", "fixed O2"]
    assert h[0]["score"] < h[1]["score"] and h[1]["counts"]["gaps"] == 1


def test_bad_link_and_source_arguments_are_input_errors(api: Api) -> None:
    before = dump(api.store, "acme")
    for args, field in (
        ('childId: "I1", parentId: "  "', "parentId"),
        (f'childId: "I1", parentId: "{"x" * 300}"', "parentId"),
        ('childId: "I2", parentId: " O2 "', None),
    ):  # O2 is I2's parent already: no change
        r = api.data(f"mutation {{ link({args}) {{ {RESULT} }} }}")["link"]
        if field is None:
            assert r["unchanged"] == 1, r
        else:
            assert r["issues"][0]["field"] == field, r
    for source in ("/", "..", "a\\u0000b", ""):
        r = api.data(
            'mutation { importDocument(content: "id,kind,title\\nZ,Goal,z", format: CSV, '
            f'source: "{source}") '
            f"{{ {RESULT} }} }}"
        )["importDocument"]
        if source == "/":  # harmless labels: only the label, never a path
            assert "issues" not in r and r["created"] == ["Z"], r
        elif source == "..":  # the same content under another label: only its source changes
            assert "issues" not in r and r["moved"] == ["Z"] and r["updated"] == [], r
        else:
            assert r["issues"][0]["field"] == "source", r
    api.data('mutation { deleteNodes(ids: ["Z"]) { __typename } }', token="admin")
    assert dump(api.store, "acme")["nodes"] == before["nodes"]


def test_empty_tenant_tokens_cannot_exist(tmp_path: Path) -> None:
    import pytest

    import importers
    from service.roles import Role
    from service.store.tokens import TokenStore
    from service.usecases import import_parsed

    tokens = TokenStore(tmp_path / "t.db")
    with pytest.raises(ValueError, match="tenant"):
        tokens.create("", Role.ADMIN)
    with pytest.raises(ValueError, match="hexadecimal"):
        tokens.revoke("%%%%%%%%")
    doc = tmp_path / "d.yaml"
    doc.write_text(
        "organisation: {id: victim}\nnodes: [{id: V, kind: Vision, title: v}]\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="empty"):
        import_parsed(
            api_store := __import__("service.store.sqlite", fromlist=["SQLiteStore"]).SQLiteStore(
                tmp_path / "s.db"
            ),
            importers.parse(doc),
            tenant="",
        )
    assert api_store.tenants() == []


def test_import_document_recognises_a_tool_export_from_its_header(api: Api) -> None:
    ally = (
        "Row ID,Title,Parent,Owner Email,Type\\n1,Grow,,ceo@x.example,Goal\\n"
        "2,Win mid-market,1,vp@x.example,Objective\\n"
    )
    r = api.data(
        f'mutation {{ importDocument(content: "{ally}", format: CSV, dryRun: true) '
        f"{{ {RESULT} }} }}"
    )
    assert len(r["importDocument"]["created"]) == 2 and all(
        i.startswith("ally:") for i in r["importDocument"]["created"]
    ), r
    bad = api.data(
        "mutation { importDocument("
        'content: "Row ID,Title,Parent,Owner Email\\n1,A,9,a@x", format: CSV) '
        f"{{ {RESULT} }} }}"
    )["importDocument"]
    assert bad["issues"][0]["row"] == 2 and bad["issues"][0]["field"] == "Parent", bad
    assert bad["issues"][0]["file"] == "api-import.csv"


def test_upsert_nodes_refuses_more_nodes_than_the_limit_and_writes_nothing(
    tmp_path: Path,
) -> None:
    from service.settings import ApiLimits
    from tests.api.conftest import make_api

    small = make_api(tmp_path, ApiLimits(max_upsert_nodes=2))
    before = dump(small.store, "acme")
    nodes = ", ".join(f'{{id: "N{i}", kind: GOAL, title: "g{i}"}}' for i in range(3))
    got = small.data(f"mutation {{ upsertNodes(nodes: [{nodes}]) {{ {RESULT} }} }}")
    answer = got["upsertNodes"]
    assert answer["issues"][0]["field"] == "nodes" and "at most 2 nodes" in answer["message"]
    assert dump(small.store, "acme") == before
    two = ", ".join(f'{{id: "N{i}", kind: GOAL, title: "g{i}"}}' for i in range(2))
    ok = small.data(f"mutation {{ upsertNodes(nodes: [{two}]) {{ {RESULT} }} }}")
    assert ok["upsertNodes"]["created"] == ["N0", "N1"]
    small.store.close()
