"""docker-compose.yml against the Compose specification's JSON schema, and what it must hold."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "data" / "compose-spec.json"  # Apache-2.0, see tests/data/README.md


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    schema = json.loads(SPEC.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(
        compose
    )  # the spec is draft-07; raises on the first violation
    neo4j, app = compose["services"]["neo4j"], compose["services"]["stratmap"]
    assert neo4j["image"].startswith("neo4j:5") and "neo4j-data:/data" in neo4j["volumes"]
    assert "healthcheck" in neo4j and "healthcheck" in app
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert app["environment"]["STRATMAP_STORE"] == "neo4j" and "8000" in app["ports"][0]


def test_a_broken_compose_file_is_caught() -> None:
    schema = json.loads(SPEC.read_text(encoding="utf-8"))
    broken = {"services": {"neo4j": {"image": "neo4j:5", "ports": "7687"}}}
    try:
        jsonschema.Draft7Validator(schema).validate(broken)
    except jsonschema.ValidationError:
        return
    raise AssertionError("a string where the spec wants a list of ports passed validation")


def test_dockerfile_is_slim_non_root_with_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "-slim" in text and "USER stratmap" in text and "/readyz" in text


def test_every_setting_is_in_the_readme() -> None:
    """Each limit and setting is an environment variable a deployer must be able to find."""
    from service.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"STRATMAP_{k.upper()}" for k in Settings.model_fields]
    assert [name for name in missing if name not in readme] == []
