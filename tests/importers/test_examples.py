"""Every example of docs/importers.md imports, each run all or nothing, and each re-import is a
no-op.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import importers
from service.engine.engine import Engine
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed

ROOT = Path(__file__).resolve().parents[2]
IMPORTS = ROOT / "examples" / "imports"
RUNS: dict[str, tuple[list[str], importers.ReadOptions]] = {
    "outline with its org and a flat export linked in": (
        ["outline.csv", "units.csv", "people.csv", "betterworks.csv", "links.csv"],
        importers.ReadOptions(),
    ),
    "ally with teams and users": (
        ["ally.csv", "ally-teams.csv", "ally-users.csv"],
        importers.ReadOptions(),
    ),
    "peoplebox": (["peoplebox.csv"], importers.ReadOptions()),
    "cultureamp": (["cultureamp.csv"], importers.ReadOptions()),
    "asana": (["asana-goals.json", "asana-goal-relationships.json"], importers.ReadOptions()),
    "linear and jira": (
        ["linear-initiatives.json", "jira.csv"],
        importers.ReadOptions(link_label_prefix="okr:"),
    ),
}


def test_every_example_file_is_in_a_run_and_in_the_docs() -> None:
    files = {p.name for p in IMPORTS.iterdir()}
    assert files == {f for names, _ in RUNS.values() for f in names}
    docs = (ROOT / "docs" / "importers.md").read_text(encoding="utf-8")
    assert all(f"examples/imports/{f}" in docs for f in files)


@pytest.mark.parametrize("run", list(RUNS))
def test_example_run_imports_and_re_imports_as_a_no_op(tmp_path: Path, run: str) -> None:
    names, options = RUNS[run]
    store = SQLiteStore(tmp_path / "x.db")
    parsed = importers.parse_files([IMPORTS / n for n in names], options=options)
    _, first = import_parsed(store, parsed)
    assert first.created and not first.updated
    _, again = import_parsed(
        store, importers.parse_files([IMPORTS / n for n in names], options=options)
    )
    assert not again.changed
    Engine(store.read_graph("default")).analyse_all()


def test_the_outline_example_links_a_flat_export_into_the_tree(tmp_path: Path) -> None:
    names, options = RUNS["outline with its org and a flat export linked in"]
    store = SQLiteStore(tmp_path / "x.db")
    import_parsed(store, importers.parse_files([IMPORTS / n for n in names], options=options))
    engine = Engine(store.read_graph("default"))
    g = engine.graph
    traced = {g.ids[i] for i in range(g.n) if engine.traced[i]}
    assert traced == set(g.ids)  # the links file gave the Betterworks goals their place
    partner = store.get("default", ["I-PARTNER"])[0]
    assert [p.id for p in partner.parents] == ["KR-LOGOS", "KR-CHURN"]  # its ID repeats under both
    logos = store.get("default", ["KR-LOGOS"])[0]
    assert (
        logos.parents[0].weight == 0.75 and logos.progress == 0.3
    )  # Importance 3 of 4; Progress 30%
    bw = store.get("default", ["betterworks:launch-the-partner-portal-6796cc1db2"])[0]
    assert bw.owner == "ann"  # owner_email matched to the person of the people file
