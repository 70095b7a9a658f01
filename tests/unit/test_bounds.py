"""Every text, number and id list of the model is bounded (reliability issue, part 1): a value
past a bound is refused with the field named, before it can reach a store, a sum or a response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import importers
from graph_schema import Node, Organisation, Person, Unit, Value
from graph_schema.model import MAX_IDS


def _refused(model: Any, field: str, **data: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    assert field in {str(e["loc"][0]) for e in caught.value.errors()}, caught.value


@pytest.mark.parametrize(
    ("model", "field", "data", "limit"),
    [
        (Unit, "name", {"id": "u"}, 200),
        (Person, "name", {"id": "p"}, 200),
        (Organisation, "name", {"id": "o"}, 200),
        (Value, "name", {"id": "v"}, 200),
        (Person, "email", {"id": "p", "name": "P"}, 254),
        (Value, "description", {"id": "v", "name": "V"}, 10_000),
    ],
)
def test_text_fields_stop_at_their_bound(model: Any, field: str, data: dict, limit: int) -> None:
    model.model_validate({**data, field: "x" * limit})  # the bound itself is allowed
    _refused(model, field, **data, **{field: "x" * (limit + 1)})


def test_numbers_are_bounded_so_no_sum_overflows() -> None:
    kr = {"id": "K", "kind": "KeyResult", "title": "t"}
    Node.model_validate({**kr, "start": -1e12, "target": 1e12, "current": 0})
    for name in ("start", "target", "current"):
        _refused(Node, name, **kr, **{name: 1.7e308})
        _refused(Node, name, **kr, **{name: -1e12 - 1})
    work = {"id": "I", "kind": "Initiative", "title": "t"}
    Node.model_validate({**work, "effort": 1e6})
    _refused(Node, "effort", **work, effort=1e6 + 1)


def test_id_lists_are_bounded_and_duplicates_named_briefly() -> None:
    work = {"id": "I", "kind": "Initiative", "title": "t"}
    Node.model_validate({**work, "depends_on": [f"D{i}" for i in range(MAX_IDS)]})
    _refused(Node, "depends_on", **work, depends_on=[f"D{i}" for i in range(MAX_IDS + 1)])
    _refused(Node, "parents", **work, parents=[{"id": f"P{i}"} for i in range(MAX_IDS + 1)])
    _refused(Person, "leads", id="p", name="P", leads=[f"u{i}" for i in range(MAX_IDS + 1)])
    twice = [f"D{i}" for i in range(8)] * 2
    with pytest.raises(ValidationError) as caught:
        Node.model_validate({**work, "depends_on": twice})
    message = caught.value.errors()[0]["msg"]
    # never the whole input echoed back: five ids, then a count
    assert "'D0', 'D1', 'D2', 'D3', 'D4' and 3 more twice" in message and "'D7'" not in message


def test_an_import_past_a_bound_names_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "okrs.csv"
    path.write_text(
        "id,kind,title,parents,effort\nG,Goal,Grow,,\nI,Initiative,Ship,G,2000000\n",
        encoding="utf-8",
    )
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    assert [(i.row, i.field) for i in caught.value.issues] == [(3, "effort")]
