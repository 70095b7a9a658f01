"""The streaming JSON reader against json.loads, at every chunk boundary it can meet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import importers
from importers import json_stream
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed
from tests.contract.conftest import dump
from tests.importers.conftest import seed

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
documents = st.dictionaries(
    st.text(max_size=6).filter(lambda k: k != "nodes"), values, max_size=3
).flatmap(lambda head: st.lists(values, max_size=5).map(lambda nodes: {**head, "nodes": nodes}))


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from([None, 1, "\t"]), st.booleans(), st.integers(1, 9))
def test_walk_reads_what_json_loads_reads(
    tmp_path_factory: pytest.TempPathFactory,
    doc: dict,
    indent: int | str | None,
    ascii_only: bool,
    chunk: int,
) -> None:
    path = tmp_path_factory.mktemp("j") / "doc.json"
    text = json.dumps(
        doc, indent=indent, ensure_ascii=ascii_only
    )  # ascii: emoji as escaped surrogate pairs
    path.write_text(text, encoding="utf-8")
    rebuilt: dict = {}
    for v in json_stream.walk(path, chunk=chunk):
        assert json.loads(v.text) == v.value
        assert v.text.split("\n")[0] in text.split("\n")[v.line - 1]  # it starts on the line named
        if v.key == "nodes":
            rebuilt.setdefault("nodes", []).append(v.value)
        else:
            rebuilt[v.key] = v.value
    rebuilt.setdefault("nodes", [])
    assert rebuilt == doc


def test_a_syntax_error_far_down_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "late.json"
    entries = [json.dumps({"id": f"I{i}", "kind": "Goal", "title": "t"}) for i in range(60_000)]
    entries[50_000] = '{"id": "I50000", "kind": "Goal" "title": "t"}'  # a missing comma
    path.write_text('{"nodes": [\n' + ",\n".join(entries) + "\n]}\n", encoding="utf-8")
    assert path.stat().st_size > 2 * json_stream.CHUNK  # the error sits chunks away from the start
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert (
        issue.row == 50_002 and "malformed JSON" in issue.message and "column 33" in issue.message
    )  # as json.loads counts


def test_bad_utf8_far_down_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    body = ",\n".join(
        json.dumps({"id": f"I{i}", "kind": "Goal", "title": "t"}) for i in range(40_000)
    )
    path.write_bytes(
        ('{"nodes": [\n' + body + ',\n{"id": "Y", "kind": "Goal", "title": "Caf').encode()
        + '\u00e9"}\n]}\n'.encode("latin-1")
    )
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert issue.row == 40_002 and "not valid UTF-8" in issue.message


def test_escaped_emoji_and_exponents_import_as_json_means_them(tmp_path: Path) -> None:
    path = tmp_path / "esc.json"
    path.write_text(
        json.dumps(
            {
                "nodes": [
                    {"id": "I1", "kind": "Initiative", "title": "Ship \U0001f680", "effort": 1e3}
                ]
            }
        ),
        encoding="utf-8",
    )
    (node,) = importers.parse(path).nodes()
    assert node.title == "Ship \U0001f680" and node.effort == 1000.0


def test_a_field_error_names_the_line_inside_a_one_line_entry_list(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(
        '{"nodes": [\n  {"id": "A", "kind": "Goal", "title": "ok"},\n'
        '  {"id": "B",\n   "kind": "Gaol",\n   "title": "t"}\n]}',
        encoding="utf-8",
    )
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert (issue.row, issue.path, issue.field) == (4, "nodes[1].kind (id 'B')", "kind")


def test_columns_stay_right_on_a_long_line_read_in_many_chunks(tmp_path: Path) -> None:
    path = tmp_path / "one-line.json"
    text = json.dumps(
        {"nodes": [{"id": f"I{i}", "kind": "Goal", "title": "t"} for i in range(200)]}
    )
    text = text[:-3] + ",,]}"  # an error near the end of one long line
    path.write_text(text, encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json_stream.JsonSyntaxError) as got:
        list(json_stream.walk(path, chunk=64))  # the buffer is dropped and refilled many times
    assert (got.value.line, got.value.column) == (expected.value.lineno, expected.value.colno)


@pytest.mark.parametrize(
    ("name", "text", "row", "message"),
    [
        (
            "dup.json",
            '{"nodes": [],\n "nodes": [{"id": "B", "kind": "Vision", "title": "t"}]}',
            2,
            "the key 'nodes' appears twice at the top level (first on line 1)",
        ),
        (
            "dup.yaml",
            "nodes: []\nnodes:\n  - {id: B, kind: Vision, title: t}\n",
            2,
            "the key 'nodes' appears twice at the top level (first on line 1)",
        ),
        (
            "one.json",
            '{"nodes": {"id": "A", "kind": "Vision", "title": "t"}}',
            1,
            "'nodes' must be a list",
        ),
        ("one.yaml", "nodes: {id: A, kind: Vision, title: t}\n", 1, "'nodes' must be a list"),
        (
            "dupnode.json",  # json keeps the last of two equal keys: this imported node Y
            '{"nodes": [{"id": "V", "kind": "Vision", "title": "v"},\n'
            ' {"id": "X", "kind": "Goal", "title": "t", "id": "Y"}]}',
            2,
            "the key 'id' appears twice in one object",
        ),
        (
            "dupnode.yaml",
            "nodes:\n  - {id: V, kind: Vision, title: v}\n"
            "  - {id: X, kind: Goal, title: t, id: Y}\n",
            3,
            "appears twice",
        ),
        ("scalar.json", "5", 1, "expected a mapping"),
        ("yaml.json", "nodes: []", 1, "malformed JSON: Expecting value (column 1)"),
        (
            "bigint.json",
            '{"nodes": [{"id": "A", "kind": "Goal", "title": "t", "effort": ' + "9" * 5000 + "}]}",
            1,
            "malformed JSON: Exceeds the limit (4300 digits)",
        ),
    ],
)
def test_document_shape_errors_are_named_not_guessed(
    store: SQLiteStore, tmp_path: Path, name: str, text: str, row: int, message: str
) -> None:
    before = seed(store, tmp_path)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        import_parsed(store, importers.parse(path))
    (issue,) = caught.value.issues
    assert issue.row == row and message in issue.message and issue.file == str(path)
    assert dump(store, "default") == before  # nothing written


def test_bad_utf8_after_a_bom_names_the_exact_byte(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"nodes": [\n\n' + b"\xff" + b"]}")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert issue.row == 3 and "at byte 16" in issue.message


def test_a_large_value_is_not_parsed_again_for_every_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value cut short is parsed again once more text is in; the text asked for doubles, so a
    value of n bytes costs O(log n) attempts, not n / chunk (which made 31 MB take 3.5 s)."""
    path = tmp_path / "people.json"
    people = [{"id": f"p{i}", "name": f"Person {i}"} for i in range(10_000)]
    path.write_text(json.dumps({"people": people, "nodes": []}), encoding="utf-8")
    attempts = 0
    decode = json_stream._DECODER.raw_decode

    def counted(text: str, pos: int) -> tuple:
        nonlocal attempts
        attempts += 1
        return decode(text, pos)

    monkeypatch.setattr(json_stream._DECODER, "raw_decode", counted)
    values = list(json_stream.walk(path, chunk=64))  # about 6,000 chunks of the people list
    assert values[0].value == people and attempts < 40
