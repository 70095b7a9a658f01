"""`python -m graph_schema` regenerates the committed JSON Schema of the import document."""

from graph_schema.document import SCHEMA_PATH, render_json_schema

SCHEMA_PATH.write_text(render_json_schema(), encoding="utf-8")
print(f"wrote {SCHEMA_PATH}")
