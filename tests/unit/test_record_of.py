"""The import's fast path (graph_schema.rows.record_of) never accepts what the model refuses, and
gives exactly the rows the model's node gives (`node_to_rows`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import importers
from graph_schema import Node, NodeKind, Scope, Status
from graph_schema.rows import node_to_rows, record_of
from importers.csv_generic import _columns, _row_to_fields, _rows
from importers.table import open_table

GITLAB = Path(__file__).resolve().parents[1] / "data" / "gitlab-fy20-q4"  # the copy in the repo

# text at and around every bound the model sets, with and without surrounding space
_EDGE_TEXT = st.sampled_from(
    [
        *("", " ", "a", " a", "a ", "\ta", "a\u00a0", "a\x1f"),
        *("x" * 50, "x" * 51, "x" * 200, "x" * 201, "x" * 500, "x" * 501, "é" * 200, "é" * 201),
    ]
)
# mostly plain words (what a valid row holds), else anything near the edges
PLAIN = st.text("abcXYZ 09-", min_size=1, max_size=8).map(str.strip).filter(bool)
TEXT = st.one_of(PLAIN, PLAIN, PLAIN, PLAIN, st.text(max_size=12), _EDGE_TEXT, st.integers(0, 9))
NUMBER = st.one_of(
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1e6, 1e6 + 1, 1e12, -1e12, 1e12 * 1.0000001, 0.5]),
    st.integers(-2, 2),
    st.none(),
    st.just("1"),
)
IDS = st.one_of(
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True),
    st.lists(st.sampled_from(["a", "b", "c", " a", "", "x" * 201]), max_size=4),
    st.none(),
    st.just(("a",)),
)
PARENT = st.one_of(
    st.fixed_dictionaries({"id": st.sampled_from(["P", "Q", "R", " P", "", "x" * 201])}),
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(["P", "Q", "R"]),
            "weight": st.one_of(st.floats(-0.5, 1.5), st.just(1), st.just("0.5")),
        }
    ),
    st.fixed_dictionaries({"id": st.just("P"), "weight": st.just(0.5), "w": st.just(1)}),
    st.just("P"),
)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": TEXT,
    "kind": st.one_of(st.sampled_from([k.value for k in NodeKind]), st.just("goal"), st.none()),
    "title": TEXT,
    "status": st.one_of(st.sampled_from([s.value for s in Status]), st.just("ACTIVE"), st.none()),
    "period": TEXT,
    "description": TEXT,
    "effort": NUMBER,
    "owner": TEXT,
    "unit": TEXT,
    "scope": st.one_of(st.sampled_from([s.value for s in Scope]), st.just("x"), st.none()),
    "start": NUMBER,
    "target": NUMBER,
    "current": NUMBER,
    "measure_unit": TEXT,
    "source": TEXT,
    "parents": st.one_of(st.lists(PARENT, max_size=3), st.none()),
    "depends_on": IDS,
    "conflicts_with": IDS,
    "expresses": IDS,
    "co_owners": IDS,
    "extra": st.just("not a field"),
}


@st.composite
def node_data(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly plausible rows (id, kind and title nearly always given), with any other field."""
    data: dict[str, Any] = {}
    for name in ("id", "kind", "title"):
        if draw(st.integers(0, 9)):
            data[name] = draw(
                st.sampled_from(["N1", "Goal", "A title"]) if draw(st.booleans()) else FIELDS[name]
            )
            if name == "kind" and data[name] == "Goal":  # a key result takes the most fields
                data[name] = draw(st.sampled_from([k.value for k in NodeKind] + ["KeyResult"] * 5))
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=4, unique=True)):
        if name == "extra" and draw(st.integers(0, 4)):
            continue
        data[name] = draw(FIELDS[name])
    return data


def model_rows(data: dict[str, Any]) -> Any:
    try:
        return node_to_rows(Node.model_validate(data))
    except ValidationError:
        return None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node_data())
def test_the_fast_path_accepts_only_what_the_model_accepts_and_gives_its_rows(
    data: dict[str, Any],
) -> None:
    fast = record_of(data)
    if fast is not None:
        assert model_rows(data) == fast, data


@pytest.mark.parametrize(
    "data",
    [
        {"id": "K1", "kind": "KeyResult", "title": "t", "start": 0.0, "target": 10.0},
        {"id": "O1", "kind": "Objective", "title": "t", "scope": "team", "co_owners": ["p", "q"]},
        {"id": "I1", "kind": "Initiative", "title": "t", "parents": [{"id": "K1", "weight": 0.5}]},
        {"id": "B1", "kind": "Behaviour", "title": "t", "expresses": ["v1"], "status": "done"},
    ],
)
def test_plain_valid_rows_take_the_fast_path(data: dict[str, Any]) -> None:
    assert record_of(data) is not None
    assert record_of(data) == model_rows(data)


@pytest.mark.parametrize(
    "data",
    [
        {"id": "I1", "kind": "Initiative", "title": "t", "start": 0.0},  # a KR's field
        {"id": "G1", "kind": "Goal", "title": "t", "scope": "team"},  # an objective's field
        {"id": "I1", "kind": "Initiative", "title": "t", "parents": [{"id": "P"}, {"id": "P"}]},
        {"id": "I1", "kind": "Initiative", "title": " t"},  # the model strips: it judges
        {"id": "I1", "kind": "Initiative", "title": "t", "effort": math.inf},
        {"id": "I1", "kind": "Initiative", "title": "t", "effort": 2},  # an int: the model's call
        {"id": "I1", "kind": "Initiative"},  # no title
    ],
)
def test_what_the_fast_path_cannot_vouch_for_is_left_to_the_model(data: dict[str, Any]) -> None:
    assert record_of(data) is None


def test_every_row_of_gitlabs_real_okrs_takes_the_fast_path_to_the_models_rows() -> None:
    table = open_table(GITLAB / "gitlab.csv")
    names = _columns(table)
    rows = [
        _row_to_fields(names, cells, "gitlab.csv")[0]
        for _, cells, _ in _rows(table, names)
        if cells
    ]
    assert len(rows) == 407
    for data in rows:
        assert record_of(data) is not None, data
        assert record_of(data) == model_rows(data)
    # and the import replays exactly those rows
    parsed = importers.parse(GITLAB / "gitlab.csv")
    assert parsed.records is not None
    assert list(parsed.records()) == [record_of(d) for d in rows]
