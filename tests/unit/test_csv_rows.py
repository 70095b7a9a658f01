"""The generic CSV's one-pass row reader (importers.csv_rows) accepts only rows the two-pass path
(cells to fields, then graph_schema.rows.record_of, then the model) accepts, with the same rows;
and it is the path real rows take."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.csv_generic import COLUMNS, _columns, _row_to_fields, _rows, row_plan
from importers.csv_rows import RowPlan
from importers.table import open_table
from tests.unit.test_record_of import model_rows

GITLAB = Path(__file__).resolve().parents[1] / "data" / "gitlab-fy20-q4"

# cells as spreadsheets write them, at and around every rule the model has
_CELL = st.one_of(
    st.sampled_from(["", " ", "a", " a ", "x" * 50, "x" * 201, "x" * 501, "é" * 200]),
    st.sampled_from(["Goal", "goal", "KeyResult", "key result", "Initiative", "Vision", "Nope"]),
    st.sampled_from(["active", "ACTIVE", "done", "paused", "team", "unit", "x"]),
    st.sampled_from(["0", "0.5", "1", "1e6", "1000001", "-1", "1,234.5", "45%", "nan", "inf"]),
    st.sampled_from(["P", "P;Q", "P;P", "P=0.5", "P=2", "P=x", "=0.5", "P=", "P;\nQ", ";;"]),
    st.text("ab;=.,0 \n", max_size=8),
)


def _plan(names: list[str], source: str = "f.csv", decimal_comma: bool = False) -> RowPlan:
    plan = row_plan(names, source, decimal_comma)
    assert plan is not None
    return plan


@st.composite
def header_and_cells(draw: st.DrawFn) -> tuple[list[str], list[str], bool, str]:
    optional = [c for c in COLUMNS if c not in ("id", "kind", "title")]
    names = ["id", "kind", "title", *draw(st.lists(st.sampled_from(optional), unique=True))]
    names = draw(st.permutations(names))
    cells = []
    for name in names:
        plain = {"id": "N1", "kind": "KeyResult", "title": "A title"}.get(name)
        cells.append(plain if plain is not None and draw(st.integers(0, 3)) else draw(_CELL))
    source = draw(st.sampled_from(["f.csv", " f.csv", "f.csv\n", "   ", "s" * 200, "s" * 201]))
    return names, cells, draw(st.booleans()), source


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header_and_cells())
def test_a_row_read_in_one_pass_is_what_the_two_pass_path_and_the_model_make_of_it(
    drawn: tuple[list[str], list[str], bool, str],
) -> None:
    names, cells, decimal_comma, source = drawn
    plan = row_plan(names, source, decimal_comma)
    fast = None if plan is None else plan.record(cells)
    if fast is None:
        return  # the two-pass path judges it: its own tests hold it to the model
    data, problems = _row_to_fields(names, cells, source, decimal_comma)
    assert not problems, (cells, problems)
    assert model_rows(data) == fast, (names, cells)


def test_plain_rows_are_read_in_one_pass() -> None:
    names = ["id", "kind", "title", "parents", "effort", "co_owners", "status"]
    plan = _plan(names)
    record = plan.record(["I1", "initiative", "Ship it", "K1=0.5;K2", "3", "p1;p2", "done"])
    assert record is not None
    row, links = record
    assert (row.id, row.kind, row.status, row.effort, row.source) == (
        "I1",
        "Initiative",
        "done",
        3.0,
        "f.csv",
    )
    assert [(k.rel, k.dst, k.weight, k.ord) for k in links] == [
        ("SUPPORTS", "K1", 0.5, 0),
        ("SUPPORTS", "K2", 1.0, 1),
        ("CO_OWNS", "p1", 1.0, 0),
        ("CO_OWNS", "p2", 1.0, 1),
    ]


def test_rows_the_model_must_judge_are_left_to_it() -> None:
    plan = _plan(["id", "kind", "title", "parents", "start"])
    for cells in (
        ["I1", "Initiative", "t", "", "5"],  # a key result's field on an initiative
        ["I1", "Initiative", "t", "P;P", ""],  # a parent named twice
        ["I1", "Initiative", "t", "P=2", ""],  # a weight out of range
        ["I1", "Nope", "t", "", ""],  # an unknown kind
        ["I1", "Initiative", "", "", ""],  # no title
        ["I1", "Initiative", "x" * 501, "", ""],  # a title too long
    ):
        assert plan.record(cells) is None, cells
    assert row_plan(["id"], "s" * 201, False) is None  # a source name too long for any row
    assert row_plan(["id"], " hr ", False) is None  # padded: the model strips it, and says so


def test_gitlabs_real_rows_take_the_one_pass_path() -> None:
    table = open_table(GITLAB / "gitlab.csv")
    names = _columns(table)
    plan = _plan(names, source="gitlab.csv")
    rows = [cells for _, cells, _ in _rows(table, names) if cells]
    assert len(rows) == 407
    for cells in rows:
        fast = plan.record(cells)
        assert fast is not None, cells
        assert fast == model_rows(_row_to_fields(names, cells, "gitlab.csv")[0])
