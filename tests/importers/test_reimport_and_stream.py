from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import pytest

import importers
from service.store.base import ApplyResult
from service.store.sqlite import SQLiteStore
from service.usecases import TenantChoiceError, import_parsed
from tests.contract.conftest import dump
from tests.importers.conftest import GOOD

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load_measuring_peak(store: SQLiteStore, path: Path) -> tuple[ApplyResult, int]:
    """Parse and apply a file; the peak of Python allocations while doing it."""
    tracemalloc.start()
    try:
        _, result = import_parsed(store, importers.parse(path))
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reimport_is_a_no_op(store: SQLiteStore, tmp_path: Path) -> None:
    path = tmp_path / "okrs.csv"
    path.write_text(GOOD, encoding="utf-8")
    _, first = import_parsed(store, importers.parse(path))
    before = dump(store, "default")
    _, again = import_parsed(store, importers.parse(path))
    assert (
        len(first.created) == 5
        and again.created == again.updated == again.removed == []
        and again.unchanged == 5
    )
    assert dump(store, "default") == before


def test_prune_removes_exactly_what_the_file_dropped(store: SQLiteStore, tmp_path: Path) -> None:
    path = tmp_path / "okrs.csv"
    path.write_text(GOOD, encoding="utf-8")
    import_parsed(store, importers.parse(path))
    other = tmp_path / "other.csv"
    other.write_text("id,kind,title\nX1,Initiative,Another source\n", encoding="utf-8")
    import_parsed(store, importers.parse(other))
    path.write_text("\n".join(GOOD.splitlines()[:3]) + "\n", encoding="utf-8")  # drops O1, I1, I2
    _, dry = import_parsed(store, importers.parse(path), prune=True, dry_run=True)
    assert dry.removed == ["I1", "I2", "O1"]
    assert {r.id for r in store.read_graph("default").nodes} == {"V", "G1", "O1", "I1", "I2", "X1"}
    _, result = import_parsed(store, importers.parse(path), prune=True)
    assert result.removed == ["I1", "I2", "O1"]
    assert {r.id for r in store.read_graph("default").nodes} == {"V", "G1", "X1"}


def test_tenant_comes_from_flag_then_document_then_the_only_stored_then_default(
    tmp_path: Path,
) -> None:
    doc = tmp_path / "d.yaml"
    doc.write_text(
        "organisation: {id: acme}\nnodes: [{id: V, kind: Vision, title: v}]\n", encoding="utf-8"
    )
    csv = tmp_path / "d.csv"
    csv.write_text("id,kind,title\nV,Vision,v\n", encoding="utf-8")
    empty = SQLiteStore(tmp_path / "empty.db")
    assert import_parsed(empty, importers.parse(csv))[0] == "default"  # nothing stored: 'default'
    one = SQLiteStore(tmp_path / "one.db")
    assert import_parsed(one, importers.parse(doc))[0] == "acme"  # the document's organisation
    assert (
        import_parsed(one, importers.parse(csv))[0] == "acme"
    )  # the store's only one, not 'default'
    assert import_parsed(one, importers.parse(doc), tenant="other")[0] == "other"  # --tenant wins
    # two organisations stored: a file naming none, or naming a third, must not guess
    with pytest.raises(TenantChoiceError, match=r"holds several \(acme, other\)"):
        import_parsed(one, importers.parse(csv))
    doc.write_text(
        "organisation: {id: globex}\nnodes: [{id: V, kind: Vision, title: v}]\n", encoding="utf-8"
    )
    with pytest.raises(
        TenantChoiceError, match=r"names organisation 'globex'.*it holds: acme, other"
    ):
        import_parsed(one, importers.parse(doc))
    assert one.tenants() == ["acme", "other"]


def test_example_yaml_and_csv_hold_the_same_nodes(tmp_path: Path) -> None:
    yaml_nodes = {
        n.id: n.model_copy(update={"source": None})
        for n in importers.parse(EXAMPLES / "northwind.yaml").nodes()
    }
    csv_nodes = {
        n.id: n.model_copy(update={"source": None})
        for n in importers.parse(EXAMPLES / "northwind.csv").nodes()
    }
    assert len(yaml_nodes) >= 150 and yaml_nodes == csv_nodes


FILLER = "x" * 4000


def _write_csv(fh: TextIO, count: int) -> None:
    fh.write("id,kind,title,parents,description\n")
    for i in range(count):
        fh.write(f"I{i},Initiative,Work item {i},G{i % 7},{FILLER}\n")


def _write_yaml(fh: TextIO, count: int) -> None:  # read as parser events
    fh.write("organisation: {id: big}\nnodes:\n")
    for i in range(count):
        fh.write(
            f"  - id: I{i}\n    kind: Initiative\n    title: Work item {i}\n"
            f"    parents: [G{i % 7}]\n"
            f"    description: {FILLER}\n"
        )


def _write_json(fh: TextIO, count: int) -> None:  # read value by value
    fh.write('{"organisation": {"id": "big"},\n "nodes": [\n')
    fh.write(
        ",\n".join(
            json.dumps(
                {
                    "id": f"I{i}",
                    "kind": "Initiative",
                    "title": f"Work item {i}",
                    "parents": [f"G{i % 7}"],
                    "description": FILLER,
                }
            )
            for i in range(count)
        )
    )
    fh.write("\n]}\n")


@pytest.mark.parametrize(
    ("name", "write", "count"),
    [
        ("big.csv", _write_csv, 5000),
        ("big.yaml", _write_yaml, 6000),
        ("big.json", _write_json, 6000),
    ],
)
def test_a_large_file_streams(
    store: SQLiteStore, tmp_path: Path, name: str, write: Callable[[TextIO, int], None], count: int
) -> None:
    """Memory grows with the ids, not with the file: long descriptions are never all held."""
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as fh:
        write(fh, count)
    size = path.stat().st_size
    result, peak = _load_measuring_peak(store, path)
    assert len(result.created) == count
    # holding every entry would take at least the file size; a store batch at a time is a fraction
    assert peak < size / 2, f"peak {peak} bytes for a {size}-byte file"
