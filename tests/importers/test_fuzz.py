"""Every importer against random and hostile input: a clear error naming the file, or a valid
import that then lands whole; never another exception. (Issue 12, section 6.)"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers
from service import usecases
from service.store.sqlite import SQLiteStore

SUFFIXES = [".yaml", ".json", ".csv", ".xlsx"]
FIELDS = [
    "id",
    "kind",
    "title",
    "parents",
    "parent",
    "status",
    "owner",
    "unit",
    "nodes",
    "data",
    "units",
    "people",
    "effort",
    "target",
    "weight",
    "gid",
    "name",
    "resource_type",
]
# `make soak` runs the same fuzzers far longer
FUZZ = settings(
    max_examples=int(os.environ.get("STRATMAP_FUZZ_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def outcome(path: Path) -> str:
    """'refused' (with the file named) or 'imported' (and the store took it whole)."""
    try:
        parsed = importers.parse_files([path], None)
    except importers.ImportFailed as exc:
        assert exc.issues and all(i.file and i.message for i in exc.issues)
        assert any(path.name in i.file for i in exc.issues), exc.issues
        return "refused"
    store = SQLiteStore(":memory:")
    try:
        usecases.import_parsed(store, parsed, tenant="t")
    except importers.ImportFailed as exc:  # the second pass may find what the first could not
        assert exc.issues and store.node_ids("t") == []  # and then nothing is written
        return "refused"
    finally:
        store.close()
    return "imported"


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(SUFFIXES))
def test_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    assert outcome(path) in ("refused", "imported")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=40,
)


@FUZZ
@given(json_values, st.sampled_from([".json", ".yaml"]))
def test_random_documents(
    tmp_path_factory: pytest.TempPathFactory, value: Any, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"doc{suffix}"
    path.write_text(json.dumps(value), encoding="utf-8")  # JSON is YAML too
    assert outcome(path) in ("refused", "imported")


@FUZZ
@given(
    st.lists(
        st.lists(
            st.text(max_size=12) | st.sampled_from(["Goal", "Initiative", "G1", ""]),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_random_tables(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "okrs.csv"
    header = "id,kind,title,parents,owner,unit\n"
    body = "\n".join(",".join(json.dumps(c) for c in row) for row in rows)
    path.write_text(header + body, encoding="utf-8")
    assert outcome(path) in ("refused", "imported")


@pytest.mark.parametrize(
    "name, text",
    [
        ("deep.json", "[" * 200_000),
        ("deep-object.json", '{"nodes": ' + '{"a": ' * 50_000),
        ("deep.yaml", "a: " + "[" * 50_000),
        # nine levels of nine-fold aliases, as a value this time (test_hostile_input has the key)
        (
            "laughs.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            )
            + "nodes: *i\n",
        ),
        ("huge-cell.csv", "id,kind,title\nG1,Goal," + "x" * 5_000_000 + "\n"),
        (
            "huge-id.json",
            '{"nodes": [{"id": "' + "i" * 2_000_000 + '", "kind": "Goal", "title": "t"}]}',
        ),
    ],
)
def test_hostile_shapes_are_refused_within_a_memory_bound(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        assert outcome(path) == "refused"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 25 * len(text) + 64 * 2**20  # never the expansion: a bound on the input's size


def test_a_short_csv_row_leaves_its_last_cells_empty(tmp_path: Path) -> None:
    """Found by test_random_tables: a row with fewer cells than the header was a traceback."""
    path = tmp_path / "short.csv"
    path.write_text("id,kind,title,owner\nG1,Goal,Grow\nG2,Goal,Keep,ann\n", encoding="utf-8")
    nodes = {n.id: n for n in importers.parse_files([path], None).nodes()}
    assert (nodes["G1"].owner, nodes["G2"].owner) == (None, "ann")
