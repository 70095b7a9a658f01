"""The CLI end to end through click's runner: exit codes, JSON keys, the example's findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GAP_KEYS = {
    "breakPoint",
    "reason",
    "cause",
    "fixedBy",
    "members",
    "danglingRefs",
    "strandedNodes",
    "strandedWork",
    "middleManagement",
    "owner",
    "unit",
}
TOP_KEYS = {
    "score",
    "counts",
    "gaps",
    "orphans",
    "unsupported",
    "loadBearing",
    "ownershipOverlaps",
    "unitFocus",
    "unowned",
    "byUnit",
    "byGoal",
    "totals",
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def example(db: Path) -> dict:
    code, out = run("import", EXAMPLES / "northwind.yaml", "--db", db)
    assert code == 0, out
    code, out = run("analyze", "--json", "--db", db)
    assert code == 0, out
    return json.loads(out)


def test_analyze_json_has_stable_keys(example: dict) -> None:
    assert set(example) >= TOP_KEYS
    assert 0 <= example["score"] <= 1
    assert all(set(g) >= GAP_KEYS for g in example["gaps"])
    works = [g["strandedWork"] for g in example["gaps"]]
    assert works == sorted(works, reverse=True)


def test_every_kind_of_finding_occurs_in_the_example(example: dict) -> None:
    reasons = {g["reason"] for g in example["gaps"]}
    assert reasons == {"UNLINKED", "DANGLING_PARENT", "INACTIVE_PARENT", "LEVEL_INVERSION", "CYCLE"}
    c = example["counts"]
    for key in (
        "middleManagementGaps",
        "orphanedInitiatives",
        "unsupported",
        "loadBearing",
        "ownershipOverlaps",
        "pulledUnits",
        "unowned",
        "conflicts",
        "riskyDependencies",
        "invalidLinks",
        "stranded",
    ):
        assert c[key] > 0, key
    assert {o["type"] for o in example["ownershipOverlaps"]} == {"CO_OWNERS", "DUPLICATE_TITLE"}
    assert c["active"] >= 150 and len({u["unit"] for u in example["byUnit"]}) >= 7
    # the example's README names these on purpose
    top = example["gaps"][0]
    assert (top["breakPoint"], top["reason"], top["middleManagement"]) == (
        "O-SALES-NA",
        "INACTIVE_PARENT",
        True,
    )


def test_fail_under(db: Path, example: dict) -> None:
    pct = example["score"] * 100
    assert run("analyze", "--db", db, "--fail-under", f"{pct - 1:.1f}")[0] == 0
    code, out = run("analyze", "--db", db, "--fail-under", f"{pct + 1:.1f}")
    assert code == 1 and "below the threshold" in out


def test_line_of_sight_node_and_unit(db: Path, example: dict) -> None:
    code, out = run("line-of-sight", "I-PART-03", "--db", db)
    assert code == 0 and "BREAK" in out and "O-SALES-NA" in out and "G-NA-EXPANSION" in out
    code, out = run("line-of-sight", "--unit", "sales", "--db", db, "--json")
    items = json.loads(out)
    # a manager's view: the unit's objectives and key results as well as its initiatives
    kinds = {i["node"]["kind"] for i in items}
    assert code == 0 and {"Objective", "KeyResult", "Initiative"} <= kinds
    assert kinds <= {"Objective", "KeyResult", "Behaviour", "Initiative"}
    assert {i["node"]["unit"] for i in items} <= {"sales", "sales-enterprise", "sales-partners"}
    assert any(i["traced"] for i in items) and any(i["breaks"] for i in items)


def test_bad_input_exits_2_and_writes_nothing(db: Path, tmp_path: Path, example: dict) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,kind,title\nX,Goall,t\n", encoding="utf-8")
    code, out = run("import", bad, "--db", db, "--tenant", "northwind")
    assert code == 2 and "bad.csv, row 2, field 'kind'" in out and "nothing was written" in out
    assert json.loads(run("analyze", "--json", "--db", db)[1]) == example
    assert run("line-of-sight", "NOPE", "--db", db)[0] == 2
    assert run("line-of-sight", "--db", db)[0] == 2
    assert run("import", tmp_path / "missing.csv", "--db", db)[0] == 2


def test_dry_run_lists_changes_and_writes_nothing(db: Path, tmp_path: Path, example: dict) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "id,kind,title,parents\nI-NEW,Initiative,New work,G-GROWTH\n", encoding="utf-8"
    )
    code, out = run("import", extra, "--db", db, "--tenant", "northwind", "--dry-run")
    assert code == 0 and "DRY RUN" in out and "1 created" in out and "I-NEW" in out
    assert json.loads(run("analyze", "--json", "--db", db)[1]) == example


def test_period_filter_from_cli(db: Path, example: dict) -> None:
    code, out = run("analyze", "--json", "--db", db, "--period", "2026-Q4")
    data = json.loads(out)
    assert code == 0 and data["period"] == "2026-Q4"
    assert data["counts"]["active"] <= example["counts"]["active"]


def test_demo_runs(tmp_path: Path) -> None:
    code, out = run("demo", "--db", tmp_path / "demo.db", "--no-serve")
    assert code == 0 and "Alignment score" in out and "O-SALES-NA" in out


def test_help_everywhere() -> None:
    for cmd in ([], ["import"], ["analyze"], ["line-of-sight"], ["demo"]):
        code, out = run(*cmd, "--help")
        assert code == 0 and "Usage" in out


def test_tokens_create_list_revoke(tmp_path: Path) -> None:
    from service.store.tokens import TokenStore

    db = tmp_path / "tokens.db"
    org = tmp_path / "acme.csv"
    org.write_text("id,kind,title\nV,Vision,Be trusted\n", encoding="utf-8")
    assert run("import", org, "--tenant", "acme", "--db", db)[0] == 0  # a token needs its tenant
    code, token = run(
        "token", "create", "--tenant", "acme", "--role", "viewer", "--label", "ci", "--db", db
    )
    token = token.strip()
    assert code == 0 and token.startswith("smt_")
    store = TokenStore(db)
    assert store.verify(token) is not None and store.verify("smt_other") is None
    code, listing = run("token", "list", "--db", db)
    assert code == 0 and "acme" in listing and "viewer" in listing and token not in listing
    token_id = listing.split()[0]
    assert run("token", "revoke", token_id, "--db", db) == (0, "revoked 1 token(s)\n")
    store.CACHE_SECONDS = 0  # a fresh server would not have it cached at all
    assert store.verify(token) is None
    assert run("token", "revoke", token_id, "--db", db)[0] == 2
    store.close()


def test_reading_commands_refuse_a_missing_database_or_tenant(
    tmp_path: Path, db: Path, example: dict
) -> None:
    missing = tmp_path / "typo.db"
    code, out = run("analyze", "--db", missing)
    assert code == 2 and "no database at" in out and not missing.exists()
    assert run("line-of-sight", "I-PART-03", "--db", missing)[0] == 2
    code, out = run("analyze", "--db", db, "--tenant", "nope")
    assert code == 2 and "no organisation 'nope'" in out and "northwind" in out


def test_progress_bar_on_a_terminal_for_large_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    from service.cli import main as cli_main

    screen = io.StringIO()
    monkeypatch.setattr(cli_main, "err", Console(file=screen, force_terminal=True, width=100))
    big = tmp_path / "big.csv"
    big.write_text(
        "id,kind,title\n" + "".join(f"I{i},Initiative,t{i}\n" for i in range(3000)),
        encoding="utf-8",
    )
    code, _ = run("import", big, "--db", tmp_path / "p.db")
    assert code == 0 and "importing" in screen.getvalue() and "3000/3000" in screen.getvalue()
    screen.truncate(0)
    small = tmp_path / "small.csv"
    small.write_text("id,kind,title\nA,Goal,a\n", encoding="utf-8")
    assert (
        run("import", small, "--db", tmp_path / "p.db")[0] == 0
        and "importing" not in screen.getvalue()
    )


GITLAB = Path(__file__).resolve().parents[1] / "data" / "gitlab-fy20-q4"


def test_import_several_files_in_one_run_then_a_department_line_of_sight(db: Path) -> None:
    code, out = run(
        "import",
        GITLAB / "gitlab_outline.csv",
        GITLAB / "gitlab_units.csv",
        "--dry-run",
        "--db",
        db,
    )
    assert code == 0, out
    assert "gitlab_outline.csv: read as outline (encoding UTF-8, delimiter comma)" in out
    assert "gitlab_units.csv: read as units" in out and "407 created" in out
    assert not db.exists() or "DRY RUN" in out
    code, out = run(
        "import",
        GITLAB / "gitlab_outline.csv",
        GITLAB / "gitlab_units.csv",
        "--tenant",
        "gitlab",
        "--db",
        db,
    )
    assert code == 0 and "407 created" in out and "54 units/people/values changed" in out, out
    code, out = run("line-of-sight", "--unit", "field-operations", "--json", "--db", db)
    assert code == 0, out
    items = json.loads(out)
    assert len(items) >= 5 and all(item["traced"] for item in items)


def test_prune_over_several_files_needs_a_source(db: Path) -> None:
    code, out = run(
        "import", GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv", "--prune", "--db", db
    )
    assert code == 2 and "--prune needs --source NAME" in out


def test_a_renamed_file_reports_no_update_and_a_dry_run_says_what_changes(
    db: Path, tmp_path: Path
) -> None:
    nov = tmp_path / "okrs-2026-11.csv"
    nov.write_text(
        "id,kind,title,parents\nV,Vision,Be trusted,\nG1,Goal,Grow,V\nO1,Objective,Win,G1\n",
        encoding="utf-8",
    )
    assert run("import", nov, "--db", db)[0] == 0
    dec = tmp_path / "okrs-2026-12.csv"
    dec.write_text(nov.read_text(encoding="utf-8"), encoding="utf-8")
    code, out = run("import", dec, "--db", db)
    assert code == 0 and "0 created, 0 updated, 0 unchanged, 3 only renamed their source" in out, (
        out
    )
    dec.write_text(
        "id,kind,title,parents\nV,Vision,Be trusted,\nG1,Goal,Grow,V\nG2,Goal,Keep,V\n"
        "O1,Objective,Win more,G2\n",
        encoding="utf-8",
    )
    code, out = run("import", dec, "--dry-run", "--db", db)
    assert code == 0 and "updated O1: title: 'Win' -> 'Win more'; parents: +G2 -G1" in out, out


def test_prune_by_an_explicit_source(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "okrs.csv"
    path.write_text("id,kind,title\nV,Vision,v\nG1,Goal,g\nG2,Goal,h\n", encoding="utf-8")
    assert run("import", path, "--source", "okrs", "--db", db)[0] == 0
    code, out = run("import", path, "--prune", "--db", db)
    assert code == 2 and "--prune needs --source NAME" in out
    path.write_text("id,kind,title\nV,Vision,v\nG1,Goal,g\n", encoding="utf-8")
    code, out = run("import", path, "--source", "okrs", "--prune", "--db", db)
    assert code == 0 and "1 removed" in out, out


def test_a_csv_goes_to_the_only_stored_organisation_and_a_stranger_is_refused(
    db: Path, tmp_path: Path
) -> None:
    doc = tmp_path / "acme.yaml"
    doc.write_text(
        "organisation: {id: acme}\nnodes: [{id: V, kind: Vision, title: v}]\n", encoding="utf-8"
    )
    assert run("import", doc, "--db", db)[0] == 0
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("id,kind,title\nG1,Goal,g\n", encoding="utf-8")
    code, out = run("import", csv_file, "--db", db)
    assert code == 0 and "tenant 'acme'" in out, out
    doc.write_text(
        "organisation: {id: globex}\nnodes: [{id: V, kind: Vision, title: v}]\n", encoding="utf-8"
    )
    code, out = run("import", doc, "--db", db)
    assert code == 2 and "names organisation 'globex'" in out and "it holds: acme" in out, out


def test_missing_parents_are_named_with_suggestions_in_import_analyze_and_line_of_sight(
    db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "typos.csv"
    path.write_text(
        "id,kind,title,parents\nV,Vision,Be trusted,\nG-GROWTH,Goal,Grow,V\n"
        "O-DIG,Objective,Digital first,G-GROWHT\nI-1,Initiative,Portal,O-DGI\n",
        encoding="utf-8",
    )
    # a dry run suggests from the file's own ids, which the store does not hold
    code, out = run("import", path, "--db", db, "--dry-run")
    assert code == 0 and "2 parent id(s) name no node" in out
    assert "G-GROWHT (did you mean G-GROWTH?)" in out and "O-DGI (did you mean O-DIG?)" in out
    code, out = run("import", path, "--db", db)
    assert code == 0 and "2 parent id(s) name no node" in out
    assert "G-GROWHT (did you mean G-GROWTH?)" in out and "O-DGI (did you mean O-DIG?)" in out
    code, out = run("analyze", "--db", db)
    assert "O-DIG names G-GROWHT; did you mean G-GROWTH?" in out
    data = json.loads(run("analyze", "--json", "--db", db)[1])
    assert {g["breakPoint"]: g["suggestedParents"] for g in data["gaps"]} == {
        "O-DIG": ["G-GROWTH"],
        "I-1": ["O-DIG"],
    }
    code, out = run("line-of-sight", "I-1", "--db", db)
    assert "its parent O-DGI does not exist (did you mean O-DIG?)" in out


def test_a_column_map_and_a_workbook_sheet_from_the_command_line(db: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "OKRs"
    sheet.append(["Objective ID", "Level", "Name", "Aligned To", "Internal Note"])
    sheet.append(["V1", "Vision", "Be trusted", None, "x"])
    sheet.append(["G1", "Goal", "Grow", "V1", "y"])
    path = tmp_path / "okrs.xlsx"
    book.save(path)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  Objective ID: id\n  level: kind\n  NAME: title\n  Aligned To: parents\n"
        "  Internal Note: null\n",
        encoding="utf-8",
    )
    code, out = run(
        "import", path, "--sheet", "OKRs", "--columns", mapping, "--dry-run", "--db", db
    )
    assert (
        code == 0 and "read as csv (read from an .xlsx sheet, columns Objective ID -> id" in out
    ), out
    assert "Internal Note -> (dropped)" in out and "2 created" in out
    code, out = run("import", path, "--sheet", "Nope", "--db", db)
    assert code == 2 and "no sheet 'Nope' (sheets: OKRs)" in out
    mapping.write_text("- not a mapping\n", encoding="utf-8")
    code, out = run("import", path, "--columns", mapping, "--db", db)
    assert code == 2 and "a column map is a mapping" in out


def test_backup_copies_the_store_online_and_the_copy_is_whole(db: Path, tmp_path: Path) -> None:
    from service.store.sqlite import SQLiteStore
    from tests.contract.conftest import dump

    code, out = run("import", EXAMPLES / "northwind.yaml", "--db", db)
    assert code == 0, out
    copy = tmp_path / "copy.db"
    reader = SQLiteStore(db)  # another connection holds the database open meanwhile
    code, out = run("backup", copy, "--db", db)
    assert code == 0 and "integrity check: ok" in out, out
    restored = SQLiteStore(copy)
    assert dump(restored, "northwind") == dump(reader, "northwind")
    restored.close()
    reader.close()
    assert run("backup", copy, "--db", db)[0] == 2  # an existing file is not replaced silently
    assert run("backup", copy, "--db", db, "--force")[0] == 0
    assert run("backup", db, "--db", db, "--force")[0] == 2  # nor the database itself
    assert run("backup", tmp_path / "x.db", "--db", tmp_path / "missing.db")[0] == 2


def test_analyze_json_caps_long_lists_with_totals_unless_all(db: Path, tmp_path: Path) -> None:
    """At 1M nodes the whole document was 202 MB; capped, each list keeps its worst first."""
    from service.cli.main import JSON_LIMIT

    rows = ["id,kind,title,parents,owner", "V,vision,V,,ceo", "G,goal,G,V,ceo"]
    rows += [f"I{i:04d},initiative,work {i},G" for i in range(JSON_LIMIT + 200)]  # unowned
    rows += [f"X{i:04d},initiative,loose {i},,p" for i in range(JSON_LIMIT + 5)]  # orphans
    file = tmp_path / "big.csv"
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run("import", file, "--db", db)[0] == 0
    code, out = run("analyze", "--json", "--db", db)
    capped = json.loads(out)
    code_all, out_all = run("analyze", "--json", "--all", "--db", db)
    whole = json.loads(out_all)
    assert code == code_all == 0
    assert capped["totals"]["unowned"] == len(whole["unowned"]) > JSON_LIMIT
    assert capped["totals"]["orphans"] == len(whole["orphans"]) == JSON_LIMIT + 5
    assert capped["totals"]["gaps"] == len(whole["gaps"]) > JSON_LIMIT
    for key in ("unowned", "orphans", "gaps"):
        assert capped[key] == whole[key][:JSON_LIMIT]
    assert whole["totals"] == capped["totals"]
    assert capped["counts"] == whole["counts"]  # the counts are never capped


def test_analyze_reads_at_80_columns_and_says_why_each_gap_breaks(db: Path) -> None:
    """At 80 columns no line is wider, no id is cut, and each gap names what breaks it: the
    missing id, the inactive parent, the parent against the level rules, the cycle's other node."""
    import subprocess
    import sys

    stratmap = Path(sys.executable).parent / "stratmap"
    code, out = run("import", EXAMPLES / "northwind.yaml", "--db", db)
    assert code == 0, out
    env = {"COLUMNS": "80", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(stratmap), "analyze", "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    gap_rows = [line.split() for line in lines if line[:3].strip().isdigit()]
    assert [row[1] for row in gap_rows][:7] == [
        "O-SALES-NA",
        "O-CS-2",
        "I-PLAT-09",
        "I-SUP-04",
        "KR-AUTO-2.1",
        "O-PPL-3",
        "O-ASM-2",
    ]
    text = " ".join(done.stdout.split())
    for cause in (
        "its parent G-NA-EXPANSION is no longer active",
        "its parent G-SERVICE does not exist",
        "its link to I-AUTO-05 breaks the level rules",
        "it is in a cycle with O-ASM-3",
        "it is linked to nothing above it",
        "who can fix it: Elena Petrova (p-petrova)",  # the owner of the archived goal
    ):
        assert cause in text
    tree = subprocess.run(
        [str(stratmap), "line-of-sight", "--db", str(db), "--unit", "cs"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "its parent G-SERVICE does not exist" in " ".join(tree.stdout.split())


def test_input_that_cannot_be_meant_is_refused_with_what_there_is(db: Path, tmp_path: Path) -> None:
    import socket

    code, out = run("import", EXAMPLES / "northwind.yaml", "--db", db)
    assert code == 0, out
    code, out = run("analyze", "--db", db, "--period", "2099-Q9")
    assert code == 2 and "no node has period '2099-Q9'" in out and "2026-Q3, 2026-Q4" in out
    code, out = run("line-of-sight", "I-CS-01", "--db", db, "--period", "2026-Q9")
    assert code == 2 and "the periods there are: 2026-Q3, 2026-Q4" in out
    code, out = run("token", "create", "--tenant", "globex", "--role", "viewer", "--db", db)
    assert code == 2 and "no organisation 'globex'" in out and "known: northwind" in out
    missing = tmp_path / "typo.db"
    for args in (("token", "list"), ("serve",)):
        code, out = run(*args, "--db", missing)
        assert code == 2 and f"no database at {missing}" in out and "--create" in out
        assert not missing.exists()  # nothing created by a typo
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, out = run("serve", "--db", db, "--port", str(port))
    assert code == 2 and f"port {port} on 127.0.0.1 is in use" in out


def test_history_is_recorded_by_each_import_and_listed(db: Path, tmp_path: Path) -> None:
    code, out = run("import", EXAMPLES / "northwind.yaml", "--db", db)
    assert code == 0 and "recorded alignment 86.7% as history point 1" in out, out
    code, out = run("import", EXAMPLES / "northwind.yaml", "--db", db)
    assert code == 0 and "nothing changed: no new history point" in out  # the same file again
    # a change, then a point of its own: the list shows the score move
    fix = tmp_path / "fix.csv"
    fix.write_text("id,kind,title,parents\nI-PLAT-09,Initiative,Migrate CI,KR-PLAT-1.1\n")
    assert run("import", fix, "--db", db, "--tenant", "northwind", "--no-history")[0] == 0
    code, out = run("history", "record", "--label", "after the fix", "--db", db)
    assert code == 0 and "as history point 2 (after the fix)" in out
    rows = json.loads(run("history", "list", "--json", "--db", db)[1])
    assert [r["seq"] for r in rows] == [1, 2] and rows[1]["label"] == "after the fix"
    assert rows[1]["score"] > rows[0]["score"] and rows[1]["counts"]["gaps"] == 6
    code, out = run("history", "list", "--db", db)
    change = (rows[1]["score"] - rows[0]["score"]) * 100
    assert code == 0 and f"+{change:.1f}" in out and "after the fix" in out
    units = json.loads(run("history", "list", "--json", "--unit", "eng-platform", "--db", db)[1])
    platform = next(u for u in rows[1]["byUnit"] if u["unit"] == "eng-platform")["score"]
    assert units[1]["score"] == platform != rows[1]["score"]
    code, out = run("history", "list", "--unit", "nope", "--db", db)
    assert code == 2 and "no recorded score of unit 'nope'" in out


def test_a_nodes_line_of_sight_reads_its_ancestry_only_and_says_what_the_whole_engine_says(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.engine.engine import Engine
    from service.engine.findings_json import line_of_sight_json
    from service.store.sqlite import SQLiteStore

    code, out = run("import", GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv", "--db", db)
    assert code == 0, out
    store = SQLiteStore(db)
    whole = Engine(store.read_graph("default"))
    store.close()
    broken = [whole.graph.ids[g.break_point] for g in whole.gaps]
    assert broken, "GitLab's OKRs hold two inactive parents"

    def whole_read(*_: object) -> None:
        raise AssertionError("line-of-sight NODE read the whole organisation")

    monkeypatch.setattr(SQLiteStore, "read_graph", whole_read)
    for node_id in [*broken, *whole.graph.ids[::25]]:
        code, out = run("line-of-sight", node_id, "--json", "--db", db)
        assert code == 0, out
        want = line_of_sight_json(whole, whole.line_of_sight_at(whole.index_of(node_id)))
        assert json.loads(out) == [want]
    for unit in sorted(whole.graph.unit_ids):  # a manager's team: the same, from its nodes
        code, out = run("line-of-sight", "--unit", unit, "--json", "--db", db)
        assert code == 0, out
        want_all = [
            line_of_sight_json(whole, whole.line_of_sight_at(i)) for i in whole.unit_work(unit)
        ]
        assert json.loads(out) == want_all, unit
    assert run("line-of-sight", "--unit", "nowhere", "--db", db)[0] == 2
    assert run("line-of-sight", "NOPE", "--db", db)[0] == 2


def _command(*args: str | Path, env: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """`stratmap ARGS` run as a user runs it (service.cli.entry), in a process of its own: what
    it printed, and which of numpy, scipy and pydantic it imported."""
    import os
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from service.cli.entry import main\n"
        f"sys.argv = ['stratmap', *{[str(a) for a in args]!r}]\n"
        "try:\n    main()\n"
        "finally:\n"
        "    heavy = {'numpy', 'scipy', 'pydantic'}\n"
        "    print(sorted({m.split('.')[0] for m in sys.modules} & heavy), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.upper().startswith("STRATMAP_DB")}
        | (env or {}),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))


def test_a_line_of_sight_imports_no_engine_library_and_the_general_way_says_the_same(
    db: Path,
) -> None:
    # what lets the command answer within three times a bare sqlite3 query (issue 13): the
    # engine's libraries alone take longer to import than the whole answer
    code, out = run("import", GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv", "--db", db)
    assert code == 0, out
    for args, shown in ((["KR-L018"], "V-MISSION"), (["--unit", "sales"], "Unit sales")):
        lean, heavy = _command("line-of-sight", *args, "--json", "--db", db)
        assert heavy == [] and json.loads(lean), args
        # the same answer where a setting is spelt in another case: only Settings reads that
        general, heavy = _command("line-of-sight", *args, "--json", env={"stratmap_db": str(db)})
        assert "pydantic" in heavy and json.loads(general) == json.loads(lean), args
        text, heavy = _command("line-of-sight", *args, "--db", db)
        assert heavy == [] and shown in text, text


def test_a_line_of_sight_of_a_busy_store_exits_3_either_way(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # started alone (service.cli.entry), the command is outside the group that turns a busy
    # store into exit 3 for the others: it must say so itself, on the lean and the general way
    import sqlite3

    from service.cli import main as general
    from service.cli.sight import line_of_sight
    from service.store.base import StoreBusy
    from service.store.sqlite_ancestry import SQLiteAncestry

    code, out = run("import", GITLAB / "gitlab.csv", "--db", db)
    assert code == 0, out
    alone = CliRunner()
    assert alone.invoke(line_of_sight, ["KR-L018", "--db", str(db)]).exit_code == 0

    def locked(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(SQLiteAncestry, "ancestry", locked)
        done = alone.invoke(line_of_sight, ["KR-L018", "--db", str(db)])
    assert done.exit_code == 3 and f"the database {db} is busy" in done.output, done.output

    def busy(*_: object, **__: object) -> None:
        raise StoreBusy("the database is busy: try again", retry_after_seconds=1.0)

    monkeypatch.setattr(general, "line_of_sight_items", busy)
    monkeypatch.setenv("stratmap_db", str(db))  # only Settings reads it: the general way
    done = alone.invoke(line_of_sight, ["KR-L018"])
    assert done.exit_code == 3 and "busy: try again" in done.output, done.output


def test_an_import_leaves_the_engine_to_its_history_child(tmp_path: Path) -> None:
    """A first import and a re-import onto a saved snapshot record their history points
    without the command importing numpy or scipy (0.3 s of its start): the child that works the
    point out beside the write imports them (service.cli.history_child)."""
    import os
    import time

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("on one core an import makes no history child: the command builds itself")

    db, cache = tmp_path / "i.db", tmp_path / "cache"
    env = {"STRATMAP_CACHE_DIR": str(cache)}
    files = (GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv")
    out, heavy = _command("import", *files, "--db", db, env=env)
    assert "as history point 1" in out and not {"numpy", "scipy"} & set(heavy), (out, heavy)
    deadline = time.monotonic() + 30
    while not list(cache.rglob("*-v1-*.pickle")) and time.monotonic() < deadline:
        time.sleep(0.05)
    later = tmp_path / "later"
    later.mkdir()
    text = files[0].read_text(encoding="utf-8")
    assert "Hire" in text
    (later / files[0].name).write_text(text.replace("Hire", "Recruit", 1), encoding="utf-8")
    out, heavy = _command("import", later / files[0].name, files[1], "--db", db, env=env)
    assert "1 updated" in out and "as history point 2" in out, out
    assert not {"numpy", "scipy"} & set(heavy), heavy
