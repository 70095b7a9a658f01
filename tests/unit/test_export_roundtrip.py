"""`stratmap export` then import into an empty store: the same graph and the same analysis."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import Node, ParentRef, Person, Unit, Value
from service import usecases
from service.cli.main import cli
from service.engine.engine import Engine
from service.engine.findings_json import analysis_json
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KINDS = ["Vision", "Goal", "Objective", "KeyResult", "Behaviour", "Initiative"]
SOURCES = st.sampled_from([None, "okrs.csv", "api", "Ally export (Q3).csv", "1042"])
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda t: t.strip() != "")


@st.composite
def organisations(draw: st.DrawFn) -> ChangeSet:
    units = [
        Unit(id=f"u{i}", name=draw(TEXT), parent=f"u{i // 2}" if i else None) for i in range(3)
    ]
    people = [
        Person(id="p1", name=draw(TEXT), email="p1@example.org", unit="u1", leads=("u1",)),
        Person(id="p2", name=draw(TEXT), unit="u2", reports_to="p1"),
    ]
    values = [Value(id="val", name=draw(TEXT), description=draw(st.none() | TEXT))]
    nodes: list[Node] = []
    for i in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(KINDS))
        # parents among the earlier nodes, or a dangling id (a placeholder in Neo4j)
        pool = [n.id for n in nodes] + ["MISSING"]
        parents = draw(st.lists(st.sampled_from(pool), max_size=2, unique=True)) if i else []
        weight = draw(st.sampled_from([1.0, 0.5, 0.25]))
        fields: dict = {}
        if kind == "KeyResult":
            fields = {"start": 0.0, "target": draw(st.floats(1, 1e6)), "current": 3.5}
        if kind == "Objective":
            fields["scope"] = draw(st.sampled_from([None, "company", "department", "team"]))
        if kind == "Initiative":
            fields["effort"] = draw(st.none() | st.floats(0, 1e6))
        nodes.append(
            Node(
                id=f"N{i}" if i % 3 else f"{1000 + i}",  # ids that YAML would read as numbers
                kind=kind,
                title=draw(TEXT),
                status=draw(st.sampled_from(["active", "active", "archived", "done"])),
                owner=draw(st.sampled_from([None, "p1", "p2", "nobody"])),
                unit=draw(st.sampled_from([None, "u0", "u1", "u2"])),
                period=draw(st.sampled_from([None, "FY20-Q4"])),
                description=draw(st.none() | TEXT),
                parents=tuple(ParentRef(id=p, weight=weight) for p in parents),
                source=draw(SOURCES),
                **fields,
            )
        )
    return ChangeSet(nodes=nodes, units=units, people=people, values=values)


def _state(store: SQLiteStore, tenant: str) -> tuple:
    rows = store.read_graph(tenant)
    nodes = sorted(store.get(tenant, store.node_ids(tenant)), key=lambda n: n.id)
    return nodes, rows.units, rows.people, rows.values, analysis_json(Engine(rows))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations(), st.sampled_from(["yaml", "json"]))
def test_an_export_imported_into_an_empty_store_is_the_same_organisation(
    changes: ChangeSet, fmt: str
) -> None:
    original = SQLiteStore(":memory:")
    original.apply("acme", changes)
    document = usecases.export_document(original, "acme")
    text = (
        json.dumps(document, ensure_ascii=False)
        if fmt == "json"
        else yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
    )
    restored = SQLiteStore(":memory:")
    # no tenant given: the document's organisation names it
    result = usecases.import_content(restored, None, text, fmt, source="restore")  # type: ignore[arg-type]
    assert set(result.created) == {n.id for n in changes.nodes if isinstance(n, Node)}
    assert len(result.created) == len(list(changes.nodes))
    assert restored.tenants() == ["acme"]
    assert _state(restored, "acme") == _state(original, "acme")


def test_the_cli_exports_the_example_and_it_restores(tmp_path: Path) -> None:
    db, copy = tmp_path / "a.db", tmp_path / "b.db"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["import", str(EXAMPLES / "northwind.yaml"), "--db", str(db)]).exit_code
        == 0
    )
    out = tmp_path / "northwind-export.yaml"
    done = runner.invoke(cli, ["export", "-o", str(out), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "not exported: history" in done.output
    again = runner.invoke(cli, ["export", "-o", str(out), "--db", str(db)])
    assert again.exit_code == 2 and "--force" in again.output  # never overwritten by surprise
    assert runner.invoke(cli, ["import", str(out), "--db", str(copy)]).exit_code == 0
    a, b = SQLiteStore(db), SQLiteStore(copy)
    # every node keeps the source it had (the example's file name), not the export's name
    assert {n.source for n in b.get("northwind", b.node_ids("northwind"))} == {"northwind.yaml"}
    assert _state(a, "northwind") == _state(b, "northwind")
    a.close()
    b.close()
