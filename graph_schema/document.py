"""The native import document (YAML or JSON) and its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from graph_schema.model import Frozen, Node, Organisation, ParentRef, Person, Unit, Value

SCHEMA_PATH = Path(__file__).with_name("import-document.schema.json")


class NodeEntry(Node):
    """A node as written in a document: parents may be bare ids or `{id, weight}`."""

    @field_validator("parents", mode="before")
    @classmethod
    def _bare_ids(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            # a bare id may be a number in YAML (parents: [1042]); it is an id all the same
            return [
                {"id": v} if isinstance(v, (str, int, float)) and not isinstance(v, bool) else v
                for v in value
            ]
        return value


class ImportDocument(Frozen):
    organisation: Organisation | None = None
    units: tuple[Unit, ...] = ()
    people: tuple[Person, ...] = ()
    values: tuple[Value, ...] = ()
    nodes: tuple[NodeEntry, ...] = Field(default=())


def json_schema() -> dict[str, Any]:
    schema = ImportDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "stratmap import document"
    return schema


def render_json_schema() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


__all__ = [
    "SCHEMA_PATH",
    "ImportDocument",
    "NodeEntry",
    "ParentRef",
    "json_schema",
    "render_json_schema",
]
