from graph_schema.document import SCHEMA_PATH, render_json_schema


def test_committed_json_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_json_schema(), (
        "graph_schema/import-document.schema.json is stale: run `make schema` and commit it"
    )
