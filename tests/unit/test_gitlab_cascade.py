"""GitLab's public FY20-Q4 company OKRs (tests/data/gitlab-fy20-q4, CC BY-SA 4.0, see SOURCE.md).

The facts below were read off the handbook page itself (`source/fy20-q4.index.html.md` of the
shared real-data set; the line numbers are the page's): its sales organisation nests each
leader's objectives under the key result of the leader above.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import importers
from service.engine.engine import Engine
from service.engine.findings_json import analysis_json
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed

DATA = Path(__file__).resolve().parents[1] / "data" / "gitlab-fy20-q4"

# objective (page line) -> the key result it is nested under (page line)
OBJECTIVES_UNDER_KEY_RESULTS = {
    "O-L020": "KR-L019",  # VP Field Ops' objective under the CRO's "FY21-Q2 pipeline at 1.2X"
    "O-L022": "KR-L021",  # Sr Director of Sales Operations under "Factor pipeline targets"
    "O-L025": "KR-L021",  # Sr Manager of Sales Strategy, the same key result
    "O-L028": "KR-L027",  # Director of Sales Enablement under "90%+ completion of certification"
    "O-L032": "KR-L027",
    "O-L037": "KR-L027",
}


@pytest.fixture(scope="module")
def gitlab() -> tuple[Engine, dict[str, Any]]:
    store = SQLiteStore(":memory:")
    import_parsed(store, importers.parse(DATA / "gitlab.csv"), tenant="gitlab")
    engine = Engine(store.read_graph("gitlab"))
    store.close()
    return engine, analysis_json(engine)


def traced(engine: Engine) -> set[str]:
    return {engine.graph.ids[i] for i in range(engine.graph.n) if engine.traced[i]}


def test_the_copy_keeps_its_attribution() -> None:
    assert "CC BY-SA 4.0" in (DATA / "SOURCE.md").read_text(encoding="utf-8")


def test_sales_objectives_under_key_results_are_traced(
    gitlab: tuple[Engine, dict[str, Any]],
) -> None:
    engine, _ = gitlab
    rows = {r["id"]: r for r in csv.DictReader((DATA / "gitlab.csv").open(encoding="utf-8"))}
    for objective, key_result in OBJECTIVES_UNDER_KEY_RESULTS.items():
        assert rows[objective]["parents"] == key_result and rows[key_result]["kind"] == "keyresult"
    assert set(OBJECTIVES_UNDER_KEY_RESULTS) <= traced(engine)
    # and so is every active objective the file hangs under a key result, with what is below it
    under_kr = {
        i
        for i, r in rows.items()
        if r["kind"] == "objective"
        and r["status"] == "active"
        and any(
            rows[p.strip()]["kind"] == "keyresult" for p in r["parents"].split(";") if p.strip()
        )
    }
    assert len(under_kr) == 15
    assert under_kr <= traced(engine)


def test_key_results_under_a_done_objective_are_the_only_gaps(
    gitlab: tuple[Engine, dict[str, Any]],
) -> None:
    # page line 90: "CS Ops: Implement time-to-value reporting for 3 metrics. => 100% complete.",
    # its key results on lines 91 and 92 carry no score of their own, so they stay active
    _, data = gitlab
    assert [(g["breakPoint"], g["reason"], g["inactiveParents"]) for g in data["gaps"]] == [
        ("KR-L091", "INACTIVE_PARENT", ["O-L090"]),
        ("KR-L092", "INACTIVE_PARENT", ["O-L090"]),
    ]


def test_no_valid_cascade_is_reported_as_an_invalid_link(
    gitlab: tuple[Engine, dict[str, Any]],
) -> None:
    _, data = gitlab
    assert data["invalidLinks"] == []
    assert data["counts"]["middleManagementGaps"] == 0
