from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypedDict

import pytest

import importers
from graph_schema import Node, Person, Unit, Value
from graph_schema.rows import GraphRows
from graph_schema.titles import fingerprint
from service import usecases
from service.store.base import ChangeSet, GraphStore
from service.store.records import first_write_rows
from service.store.sqlite import SQLiteStore
from tests.conftest import node
from tests.contract.conftest import StoreFactory, dump

ROOT = Path(__file__).resolve().parents[2]
GITLAB = ROOT / "tests" / "data" / "gitlab-fy20-q4"

NODES = [
    node("V", "Vision", owner="ceo", unit="co"),
    node("G1", "Goal", "V", co_owners=("cfo",)),
    node(
        "K1",
        "KeyResult",
        "G1",
        start=1,
        target=10,
        current=4,
        measure_unit="%",
        conflicts_with=("K2",),
    ),
    node("K2", "KeyResult", "G1"),
    node("B1", "Behaviour", "G1", expresses=("val",)),
    node(
        "I1",
        "Initiative",
        ("K1", 0.6),
        ("MISSING", 0.4),
        effort=3,
        depends_on=("I2",),
        period="2026-Q4",
    ),
    node("I2", "Initiative", "K2", status="done", description='ünïcödé, "quotes" <b>'),
]


class Org(TypedDict):
    units: list[Unit]
    people: list[Person]
    values: list[Value]


ORG = Org(
    units=[Unit(id="co", name="Co"), Unit(id="eng", name="Eng", parent="co")],
    people=[Person(id="ceo", name="Ceo", unit="co", leads=("co",), commits_to=("B1",))],
    values=[Value(id="val", name="Candour")],
)


def test_apply_then_snapshot_equals_what_was_written(open_store: StoreFactory) -> None:
    store = open_store()
    result = store.apply("t", ChangeSet(nodes=NODES, **ORG))
    assert sorted(result.created) == sorted(n.id for n in NODES) and result.version == 1
    assert {n.id: n for n in store.get("t", [n.id for n in NODES])} == {n.id: n for n in NODES}
    g = store.read_graph("t")
    assert len(g.nodes) == len(NODES) and g.version == 1
    assert (
        g.units == sorted(ORG["units"], key=lambda u: u.id)
        and g.people == ORG["people"]
        and g.values == ORG["values"]
    )


def test_reapply_changes_nothing_and_keeps_the_version(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=NODES, **ORG))
    before = dump(store, "t")
    again = store.apply("t", ChangeSet(nodes=NODES, **ORG))
    assert (
        again.created == []
        and again.updated == []
        and again.unchanged == len(NODES)
        and again.org_changed == 0
    )
    assert dump(store, "t") == before


def test_every_write_bumps_the_version_once(open_store: StoreFactory) -> None:
    store = open_store()
    assert store.version("t") == 0
    store.apply("t", ChangeSet(nodes=NODES))
    changed = NODES[0].model_copy(update={"title": "A new north star"})
    result = store.apply("t", ChangeSet(nodes=[changed]))
    assert result.updated == ["V"] and result.version == 2 == store.version("t")
    assert store.apply("t", ChangeSet(delete_ids=["I2", "NOT-THERE"])).removed == ["I2"]
    assert store.version("t") == 3


def test_a_failing_batch_rolls_everything_back(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=NODES[:3]))
    before = dump(store, "t")

    def poisoned() -> Iterator[Node]:
        yield from [n.model_copy(update={"title": "changed"}) for n in NODES[:3]]
        yield from (node(f"N{i}", "Initiative", "G1") for i in range(1200))  # past several batches
        raise RuntimeError("the source broke mid-import")

    with pytest.raises(RuntimeError):
        store.apply("t", ChangeSet(nodes=poisoned(), units=ORG["units"]))
    assert dump(store, "t") == before
    assert dump(open_store(), "t") == before  # and so it is for another connection


def test_dry_run_reports_but_writes_nothing(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=NODES[:3]))
    before = dump(store, "t")
    result = store.apply("t", ChangeSet(nodes=NODES[1:]), dry_run=True)
    assert result.dry_run and sorted(result.created) == sorted(n.id for n in NODES[3:])
    assert result.unchanged == 2 and result.version == 2
    assert dump(store, "t") == before


def test_dangling_reference_is_kept_and_resolves_later(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=[node("I1", "Initiative", "LATER")]))
    assert [(link.src, link.dst) for link in store.read_graph("t").links] == [("I1", "LATER")]
    store.apply("t", ChangeSet(nodes=[node("LATER", "Goal")]))
    assert {n.id for n in store.get("t", ["I1", "LATER"])} == {"I1", "LATER"}
    assert store.get("t", ["I1"])[0].parents[0].id == "LATER"


def test_prune_removes_exactly_the_nodes_the_source_dropped(open_store: StoreFactory) -> None:
    store = open_store()
    tag = lambda ns, src: [n.model_copy(update={"source": src}) for n in ns]  # noqa: E731
    store.apply("t", ChangeSet(nodes=tag(NODES[:4], "a.csv")))
    store.apply("t", ChangeSet(nodes=tag(NODES[4:], "b.csv")))
    result = store.apply("t", ChangeSet(nodes=tag(NODES[:2], "a.csv"), prune_source="a.csv"))
    assert result.removed == ["K1", "K2"]
    assert {r.id for r in store.read_graph("t").nodes} == {"V", "G1", "B1", "I1", "I2"}


def test_a_change_of_source_alone_is_reported_apart_and_still_written(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    tag = lambda ns, src: [n.model_copy(update={"source": src}) for n in ns]  # noqa: E731
    store.apply("t", ChangeSet(nodes=tag(NODES, "okrs-2026-11.csv")))
    renamed = tag(NODES, "okrs-2026-12.csv")
    renamed[1] = renamed[1].model_copy(update={"title": "A new title"})
    result = store.apply("t", ChangeSet(nodes=renamed))
    assert result.updated == [NODES[1].id] and sorted(result.moved) == sorted(
        n.id for n in NODES if n is not NODES[1]
    )
    assert result.unchanged == 0 and result.version == 2
    assert {n.source for n in store.get("t", [n.id for n in NODES])} == {"okrs-2026-12.csv"}
    again = store.apply("t", ChangeSet(nodes=renamed))
    assert not again.changed and again.unchanged == len(NODES) and again.version == 2


def test_a_dry_run_says_what_changes_field_by_field(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply(
        "t",
        ChangeSet(
            nodes=[
                node("V", "Vision"),
                node("G1", "Goal", "V"),
                node("G2", "Goal", "V"),
                node("O1", "Objective", "G1", title="Grow"),
            ]
        ),
    )
    edited = node("O1", "Objective", ("G2", 0.5), title="Grow faster", status="done")
    result = store.apply("t", ChangeSet(nodes=[edited]), dry_run=True)
    assert result.diffs == {
        "O1": ["title: 'Grow' -> 'Grow faster'", "status: 'active' -> 'done'", "parents: +G2 -G1"]
    }
    assert store.get("t", ["O1"])[0].title == "Grow"


def test_node_ids_are_the_existing_nodes_in_id_order(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply(
        "t",
        ChangeSet(
            nodes=[node("I1", "Initiative", "MISSING"), node("G1", "Goal"), node("V", "Vision")]
        ),
    )
    store.apply("u", ChangeSet(nodes=[node("X", "Goal")]))
    assert store.node_ids("t") == ["G1", "I1", "V"]  # the missing parent is no node
    assert store.node_ids("nobody") == []


def test_an_ancestry_is_the_nodes_and_all_above_them_as_read_graph_reads_them(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    cycle = [node("C1", "Objective", "C2"), node("C2", "Objective", "C1", "G1")]
    store.apply("t", ChangeSet(nodes=[*NODES, *cycle, node("I3", "Initiative", "C1")], **ORG))
    store.apply("u", ChangeSet(nodes=[node("G1", "Goal")]))  # another tenant's same id
    whole = store.read_graph("t")
    part = store.read_ancestry("t", ["I1", "I3", "NOBODY"])
    wanted = {"I1", "K1", "G1", "V", "I3", "C1", "C2"}  # MISSING is named, but is no node
    assert [r.id for r in part.nodes] == sorted(wanted)
    assert part.nodes == [r for r in whole.nodes if r.id in wanted]
    assert part.fingerprints == [
        f for r, f in zip(whole.nodes, whole.fingerprints, strict=True) if r.id in wanted
    ]
    assert sorted(part.links) == sorted(link for link in whole.links if link.src in wanted)
    assert (part.units, part.people, part.values) == (whole.units, whole.people, whole.values)
    assert part.version == whole.version
    assert store.read_ancestry("nobody", ["I1"]).nodes == []


def test_a_read_holds_one_object_per_repeated_value(open_store: StoreFactory) -> None:
    # an engine keeps its rows: a million copies of "Initiative" were a third of their memory
    store = open_store()
    many = [node(f"I{i}", "Initiative", "G1", unit="eng", owner="ceo") for i in range(3)]
    store.apply("t", ChangeSet(nodes=[node("G1", "Goal"), *many]))
    for rows in (store.read_graph("t"), store.read_ancestry("t", ["I0", "I1", "I2"])):
        initiatives = [r for r in rows.nodes if r.kind == "Initiative"]
        assert len(initiatives) == 3
        for field in ("kind", "status", "unit", "owner"):
            assert len({id(getattr(r, field)) for r in initiatives}) == 1, field


def test_node_ids_in_units_are_the_nodes_those_units_own_in_id_order(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=NODES, **ORG))
    store.apply("u", ChangeSet(nodes=[node("Z", "Goal", unit="co")]))
    assert store.node_ids_in_units("t", ["co"]) == ["V"]
    store.apply(
        "t",
        ChangeSet(nodes=[node("B2", "Behaviour", "G1", unit="eng"), node("A", "Goal", unit="co")]),
    )
    assert store.node_ids_in_units("t", ["eng", "co"]) == ["A", "B2", "V"]
    assert store.node_ids_in_units("t", ["nowhere"]) == []
    assert store.node_ids_in_units("t", []) == []


def test_tenants_are_isolated(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply("a", ChangeSet(nodes=NODES))
    store.apply("b", ChangeSet(nodes=[node("V", "Vision", title="Other org")]))
    assert store.get("b", ["G1", "I1"]) == []
    assert [r.title for r in store.read_graph("b").nodes] == ["Other org"]
    assert store.get("a", ["V"])[0].title == "Vision V"
    assert store.version("a") == 1 and store.version("b") == 1
    store.apply("b", ChangeSet(delete_ids=["V", "G1"]))
    assert len(store.read_graph("a").nodes) == len(NODES)


@pytest.mark.parametrize("tenant_exists", [True, False], ids=["existing-tenant", "new-tenant"])
def test_two_writers_both_land(open_store: StoreFactory, tenant_exists: bool) -> None:
    # On a new tenant both writers MERGE the same tenant key at once: Neo4j serialises them on
    # the constraint's lock; ArcadeDB fails the second, which the store then runs again.
    first, second = open_store(), open_store()
    # ArcadeDB (the Bolt stand-in) makes a type per label set on first use, and two first uses
    # at once fail with TypeAlreadyExists; Neo4j has no such types. Another tenant uses the
    # label first, so what races here is the tenant itself.
    first.apply("warm-up", ChangeSet(nodes=[node("W", "Initiative")]))
    if tenant_exists:
        first.apply("t", ChangeSet(nodes=[node("V", "Vision")]))
    errors: list[BaseException] = []

    def write(store, prefix: str) -> None:
        try:
            for i in range(20):
                store.apply("t", ChangeSet(nodes=[node(f"{prefix}{i}", "Initiative")]))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(s, p)) for s, p in ((first, "A"), (second, "B"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    extra = 1 if tenant_exists else 0
    assert len(first.read_graph("t").nodes) == 40 + extra and first.version("t") == 40 + extra


def test_concurrent_edits_of_one_node_all_land(open_store: StoreFactory) -> None:
    """link, unlink and setStatus read a node and write it back: two writers editing one node
    at once must not lose each other's change (each edit is one unit of work)."""
    from service import usecases

    first, second = open_store(), open_store()
    # the parents exist: this is about the child's lost updates, not about placeholders (whose
    # concurrent clean-up ArcadeDB, unlike Neo4j, reports as a non-retryable EntityNotFound)
    goals = [node(f"{p}{i}", "Goal", "V") for p in "AB" for i in range(30)]
    first.apply("t", ChangeSet(nodes=[node("V", "Vision"), node("I", "Initiative", "V"), *goals]))
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def edit(store, prefix: str) -> None:
        start.wait()
        try:
            for i in range(30):
                usecases.link(store, "t", "I", f"{prefix}{i}", 0.5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(s, p)) for s, p in ((first, "A"), (second, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (child,) = first.get("t", ["I"])
    want = {"V"} | {f"{p}{i}" for p in "AB" for i in range(30)}
    assert {p.id for p in child.parents} == want  # every acknowledged link is there
    assert first.version("t") == 1 + 60


_EDITOR = """
import os, sys, time
from service import usecases
from service.bootstrap import open_store
store = open_store()  # from the STRATMAP_* settings: the store under test, its own connection
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):  # both start editing at the same moment
    time.sleep(0.001)
for i in range(30):
    usecases.link(store, "t", "I", f"{sys.argv[2]}{i}", 0.5)
    print(i, flush=True)  # acknowledged
store.close()
"""


def test_two_processes_editing_one_node_lose_no_acknowledged_write(
    open_store: StoreFactory, store_env: dict[str, str], tmp_path: Path
) -> None:
    """Two server processes on one store, each linking one node: every acknowledged link
    lands (the reliability issue measured 111 of 400 lost before edits became one unit)."""
    import os
    import subprocess
    import sys

    store = open_store()
    goals = [node(f"{p}{i}", "Goal", "V") for p in "AB" for i in range(30)]
    store.apply("t", ChangeSet(nodes=[node("V", "Vision"), node("I", "Initiative", "V"), *goals]))
    go = tmp_path / "go"
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _EDITOR, str(go), prefix],
            cwd=root,
            env={**os.environ, **store_env, "PYTHONPATH": str(root)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("A", "B")
    ]
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == "ready", proc.stderr.read() if proc.stderr else line
    go.touch()
    acknowledged: set[str] = set()
    for prefix, proc in zip(("A", "B"), procs, strict=True):
        out, errs = proc.communicate(timeout=180)
        assert proc.returncode == 0, errs[-2000:]
        acknowledged |= {f"{prefix}{line.split()[0]}" for line in out.splitlines()}
    (child,) = store.get("t", ["I"])
    assert len(acknowledged) == 60 and acknowledged <= {p.id for p in child.parents}
    assert store.version("t") == 1 + 60 and len(store.audit("t")) == 61


def test_history_is_kept_in_order(open_store: StoreFactory) -> None:
    store = open_store()
    store.record_history("t", "baseline", 0.5, {"counts": {"gaps": 3}})
    store.record_history("t", None, 0.75, {"counts": {"gaps": 1}})
    assert [(h["label"], h["score"], h["counts"]["gaps"]) for h in store.history("t")] == [
        ("baseline", 0.5, 3),
        (None, 0.75, 1),
    ]
    assert [h["score"] for h in store.history("t", last=1)] == [0.75]
    assert store.history("other") == []


def test_every_write_that_changes_something_is_audited_with_it(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply(
        "t",
        ChangeSet(
            nodes=[node("V", "Vision"), node("G", "Goal", "V")], actor="ann", action="import"
        ),
    )
    store.apply("t", ChangeSet(nodes=[node("G", "Goal", "V")], actor="bob", action="again"))
    store.apply("t", ChangeSet(nodes=[node("X", "Goal")], actor="cy", action="dry"), dry_run=True)
    store.apply(
        "t",
        ChangeSet(
            nodes=[node("G", "Goal", "V", title="Renamed")],
            delete_ids=["V"],
            actor="dee",
            action="edit",
        ),
    )
    records = store.audit("t")
    # the unchanged write and the dry run leave no record: nothing was written
    assert [(r.seq, r.actor, r.action, r.version) for r in records] == [
        (1, "ann", "import", 1),
        (2, "dee", "edit", 2),  # numbered by the version each write made
    ]
    assert (records[0].created, records[1].updated, records[1].removed) == (
        ["G", "V"],
        ["G"],
        ["V"],
    )
    assert records[0].at.endswith("+00:00")
    assert [r.seq for r in store.audit("t", last=1)] == [2]
    assert store.audit("other") == []


def test_a_node_changing_kind_keeps_its_links(
    open_store: StoreFactory, request: pytest.FixtureRequest
) -> None:
    if "arcadedb" in request.node.callspec.id:
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason=(
                    "ArcadeDB differs from Neo4j 5: removing a label inside an explicit "
                    "transaction fails with ConstraintValidationFailed on the (tenant, id) "
                    "uniqueness constraint"
                ),
            )
        )
    store = open_store()
    store.apply(
        "t",
        ChangeSet(
            nodes=[node("V", "Vision"), node("X", "Goal", "V"), node("I1", "Initiative", "X")]
        ),
    )
    result = store.apply("t", ChangeSet(nodes=[node("X", "Objective", "V")]))
    assert result.updated == ["X"]
    (x,) = store.get("t", ["X"])
    assert x.kind.value == "Objective" and [p.id for p in x.parents] == ["V"]
    assert store.get("t", ["I1"])[0].parents[0].id == "X"


def test_deleting_a_parent_leaves_its_children_dangling(open_store: StoreFactory) -> None:
    store = open_store()
    store.apply(
        "t",
        ChangeSet(
            nodes=[node("V", "Vision"), node("G1", "Goal", "V"), node("I1", "Initiative", "G1")]
        ),
    )
    assert store.apply("t", ChangeSet(delete_ids=["G1"])).removed == ["G1"]
    assert {r.id for r in store.read_graph("t").nodes} == {"V", "I1"}
    assert [(link.src, link.dst) for link in store.read_graph("t").links] == [("I1", "G1")]
    store.apply("t", ChangeSet(nodes=[node("G1", "Goal", "V", title="back")]))
    assert sorted((link.src, link.dst) for link in store.read_graph("t").links) == [
        ("G1", "V"),
        ("I1", "G1"),
    ]


def test_the_example_organisation_analyses_the_same_on_every_backend(
    open_store: StoreFactory, tmp_path: Path
) -> None:
    import importers
    from service.engine.engine import Engine
    from service.engine.findings_json import analysis_json
    from service.store.sqlite import SQLiteStore
    from service.usecases import import_parsed

    example = Path(__file__).resolve().parents[2] / "examples" / "northwind.yaml"
    store = open_store()
    import_parsed(store, importers.parse(example))
    reference = SQLiteStore(tmp_path / "reference.db")
    import_parsed(reference, importers.parse(example))
    assert analysis_json(Engine(store.read_graph("northwind"))) == analysis_json(
        Engine(reference.read_graph("northwind"))
    )
    again = import_parsed(store, importers.parse(example))[1]
    assert again.created == again.updated == [] and not again.org_changed


class _Exploding(list):
    """A delete list that fails when the store reaches it: after every node batch was written."""

    def __iter__(self):
        raise RuntimeError("failure inside the transaction, after the writes")

    def __bool__(self) -> bool:
        return True


def test_a_failure_after_the_writes_rolls_the_whole_transaction_back(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=NODES[:3]))
    before = dump(store, "t")
    changed = [n.model_copy(update={"title": "changed"}) for n in NODES[:3]]
    fresh = [node(f"N{i}", "Initiative", "G1") for i in range(1500)]
    with pytest.raises(Exception, match="failure inside the transaction"):
        store.apply(
            "t", ChangeSet(nodes=changed + fresh, units=ORG["units"], delete_ids=_Exploding(["V"]))
        )
    assert dump(store, "t") == before


def test_get_never_returns_a_missing_parent_and_deletes_count_once(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=[node("V", "Vision"), node("I1", "Initiative", "GHOST")]))
    assert (
        store.get("t", ["GHOST", "V"]) == store.get("t", ["V"]) and len(store.get("t", ["V"])) == 1
    )
    assert store.apply("t", ChangeSet(delete_ids=["V", "V"])).removed == ["V"]
    assert store.get("t", ["V"]) == []


def test_snapshot_spanning_several_pages_is_whole_and_in_order(
    open_store: StoreFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.store.neo4j as neo4j_store

    monkeypatch.setattr(
        neo4j_store, "PAGE", 7
    )  # the Neo4j store reads in keyset pages of this size
    store = open_store()
    nodes = [node(f"N{i:03d}", "Initiative", f"N{i - 1:03d}" if i else "ROOT") for i in range(30)]
    store.apply("t", ChangeSet(nodes=nodes))
    g = store.read_graph("t")
    assert [r.id for r in g.nodes] == sorted(n.id for n in nodes)
    assert len(g.links) == 30


def test_each_title_fingerprint_is_stored_with_it_and_follows_a_retitle(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    store.apply("t", ChangeSet(nodes=NODES, **ORG))
    g = store.read_graph("t")
    assert g.fingerprints == [fingerprint(r.title) for r in g.nodes]
    assert all(
        isinstance(f, bytes) for f in g.fingerprints
    )  # stored, not left for the engine to compute
    store.apply(
        "t", ChangeSet(nodes=[node("K2", "KeyResult", "G1", title="Ship the self-service portal")])
    )
    again = store.read_graph("t")
    after = dict(zip((r.id for r in again.nodes), again.fingerprints, strict=True))
    assert after["K2"] == fingerprint("ship self service portal") != fingerprint("KeyResult K2")


def test_an_update_that_leaves_fields_out_clears_them(open_store: StoreFactory) -> None:
    """Every field a node had and its new version lacks is cleared, also where no node of the
    write names that field at all (the store may bind only the fields a write uses)."""
    store = open_store()
    store.apply("t", ChangeSet(nodes=NODES, **ORG))
    bare = [node(n.id, n.kind, *[(p.id, p.weight) for p in n.parents]) for n in NODES]
    result = store.apply("t", ChangeSet(nodes=bare))
    assert (
        sorted(result.updated)
        == sorted(n.id for n, b in zip(NODES, bare, strict=True) if n != b)
        != []
    )
    assert {n.id: n for n in store.get("t", [n.id for n in NODES])} == {n.id: n for n in bare}
    store.apply("t", ChangeSet(nodes=NODES[5:6]))  # one node of many fields, alone in its write
    assert store.get("t", ["I1"]) == [NODES[5]]


FIRST_WRITES = [
    (ROOT / "examples" / "northwind.yaml",),
    (ROOT / "examples" / "northwind.csv",),
    (GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv"),
    (GITLAB / "gitlab_outline.csv",),
]


@pytest.mark.parametrize("files", FIRST_WRITES, ids=lambda f: "+".join(p.name for p in f))
def test_a_first_write_reads_back_as_its_rows_say(
    open_store: StoreFactory, files: tuple[Path, ...]
) -> None:
    """A fresh tenant after one import holds exactly first_write_rows of it: what a first
    import's history point is built from instead of reading the write back."""
    parsed = importers.parse_files(list(files), None)
    store = open_store()
    usecases.import_parsed(store, parsed, tenant="t")
    records = parsed.records() if parsed.records is not None else parsed.nodes()
    got = first_write_rows(records, parsed.units, parsed.people, parsed.values)
    assert same_rows(got, store, "t") and got.nodes and got.links


def same_rows(ours: GraphRows, store: GraphStore, tenant: str) -> bool:
    """The store's read of the tenant, equal in order. Neo4j's read gives one node's links as a
    set, in no order: there they are compared sorted. SQLite's read, which engine snapshots are
    made from, gives their key's order, and so must first_write_rows."""
    read = store.read_graph(tenant)
    if isinstance(store, SQLiteStore):
        return ours == read
    return replace(ours, links=sorted(ours.links)) == replace(read, links=sorted(read.links))


def test_first_write_rows_keep_the_last_of_an_id_as_a_write_does(
    open_store: StoreFactory,
) -> None:
    twice = [*NODES, node("K1", "KeyResult", "G1", title="Again"), NODES[0]]
    units = [*ORG["units"], Unit(id="co", name="Renamed")]
    store = open_store()
    if not isinstance(store, SQLiteStore):
        pytest.skip("the Neo4j store refuses a write that names one id twice (a key violation)")
    store.apply("t", ChangeSet(nodes=twice, units=units))
    assert same_rows(first_write_rows(twice, units), store, "t")


def test_a_first_writes_rows_read_back_a_negative_zero_as_sqlite_does(
    open_store: StoreFactory,
) -> None:
    """SQLite's REAL columns give -0.0 back as 0.0: so must first_write_rows, whose rows become
    a snapshot the next command reads instead of the store."""
    store = open_store()
    if not isinstance(store, SQLiteStore):
        pytest.skip("only SQLite's reads become snapshots; Neo4j keeps the sign")
    nodes = [
        node("K", "KeyResult", start=-0.0, target=1.0, current=-0.0),
        node("I", "Initiative", ("K", -0.0)),
    ]
    store.apply("t", ChangeSet(nodes=nodes))
    got, read = first_write_rows(nodes), store.read_graph("t")
    assert repr(got.nodes) == repr(read.nodes) and "-0.0" not in repr(got.nodes)
    assert repr(got.links) == repr(read.links) and "-0.0" not in repr(got.links)
