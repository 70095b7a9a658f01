"""The example organisation's deliberate findings (examples/README.md), seen through the API."""

from __future__ import annotations

from pathlib import Path

import importers
from service.api.app import create_app
from service.roles import Role
from service.store.tokens import TokenStore
from service.usecases import import_parsed
from tests.api.conftest import Api, CountingStore

ROOT = Path(__file__).resolve().parents[2]


def test_example_findings_through_the_api(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "ex.db")
    import_parsed(store, importers.parse(ROOT / "examples" / "northwind.yaml"))
    tokens = TokenStore(tmp_path / "ex.db")
    api = Api(
        create_app(store, tokens=tokens), store, {"viewer": tokens.create("northwind", Role.VIEWER)}
    )
    d = api.data(
        """{
      alignmentGaps(first: 10) { edges { node { reason middleManagement breakPoint { id } } } }
      orphans(kind: INITIATIVE) { edges { node { id } } }
      unsupportedStrategy { edges { node { id } } }
      ownershipOverlaps { edges { node { type nodes { id } } } }
      unitFocus(minGoals: 2) { edges { node { unit { id } } } }
      declaredConflicts { edges { node { a { id } b { id } } } }
      riskyDependencies { edges { node { node { id } dependsOn { id } } } }
      loadBearing(first: 3) { edges { node { node { id } } } }
    }""",
        token="viewer",
    )
    gaps = {
        e["node"]["breakPoint"]["id"]: (e["node"]["reason"], e["node"]["middleManagement"])
        for e in d["alignmentGaps"]["edges"]
    }
    assert gaps["O-SALES-NA"] == ("INACTIVE_PARENT", True) and gaps["O-CS-2"] == (
        "DANGLING_PARENT",
        True,
    )
    assert gaps["KR-AUTO-2.1"][0] == "LEVEL_INVERSION" and gaps["O-ASM-2"][0] == "CYCLE"
    assert {e["node"]["id"] for e in d["orphans"]["edges"]} == {"I-PLAT-09", "I-SUP-04"}
    assert {"G-SUSTAIN", "O-OPS-2"} <= {e["node"]["id"] for e in d["unsupportedStrategy"]["edges"]}
    overlaps = {
        (e["node"]["type"], tuple(n["id"] for n in e["node"]["nodes"]))
        for e in d["ownershipOverlaps"]["edges"]
    }
    assert ("DUPLICATE_TITLE", ("I-PLAT-05", "I-SUPP-01")) in overlaps and (
        "CO_OWNERS",
        ("KR-ENG-1.1",),
    ) in overlaps
    assert "eng-platform" in {e["node"]["unit"]["id"] for e in d["unitFocus"]["edges"]}
    assert [
        (e["node"]["a"]["id"], e["node"]["b"]["id"]) for e in d["declaredConflicts"]["edges"]
    ] == [("KR-PROD-1.1", "KR-QA-1.1")]
    assert ("I-SUP-05", "I-SUP-04") in {
        (e["node"]["node"]["id"], e["node"]["dependsOn"]["id"])
        for e in d["riskyDependencies"]["edges"]
    }
    assert d["loadBearing"]["edges"][0]["node"]["node"]["id"] == "V-2030"
    store.close()
