"""The streaming JSON reader against json.loads, at every chunk boundary it can meet."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import importers
from importers import json_stream

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                      max_leaves=12)
documents = st.dictionaries(st.text(max_size=6).filter(lambda k: k != "nodes"), values, max_size=3).flatmap(
    lambda head: st.lists(values, max_size=5).map(lambda nodes: {**head, "nodes": nodes}))


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from([None, 1, "\t"]), st.booleans(), st.integers(1, 9))
def test_walk_reads_what_json_loads_reads(tmp_path_factory: pytest.TempPathFactory, doc: dict, indent: object,
                                          ascii_only: bool, chunk: int) -> None:
    path = tmp_path_factory.mktemp("j") / "doc.json"
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)  # ascii: emoji as escaped surrogate pairs
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
    assert issue.row == 50_002 and "malformed JSON" in issue.message and "column 33" in issue.message  # as json.loads counts


def test_bad_utf8_far_down_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    body = ",\n".join(json.dumps({"id": f"I{i}", "kind": "Goal", "title": "t"}) for i in range(40_000))
    path.write_bytes(('{"nodes": [\n' + body + ',\n{"id": "Y", "kind": "Goal", "title": "Caf').encode()
                     + "\u00e9\"}\n]}\n".encode("latin-1"))
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert issue.row == 40_002 and "not valid UTF-8" in issue.message


def test_escaped_emoji_and_exponents_import_as_json_means_them(tmp_path: Path) -> None:
    path = tmp_path / "esc.json"
    path.write_text(json.dumps({"nodes": [{"id": "I1", "kind": "Initiative", "title": "Ship \U0001F680",
                                           "effort": 1e3}]}), encoding="utf-8")
    (node,) = importers.parse(path).nodes()
    assert node.title == "Ship \U0001F680" and node.effort == 1000.0


def test_a_field_error_names_the_line_inside_a_one_line_entry_list(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"nodes": [\n  {"id": "A", "kind": "Goal", "title": "ok"},\n'
                    '  {"id": "B",\n   "kind": "Gaol",\n   "title": "t"}\n]}', encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert (issue.row, issue.path, issue.field) == (4, "nodes[1].kind (id 'B')", "kind")
