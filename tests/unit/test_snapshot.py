"""Persisted engine snapshots: used for exactly the state they were built from, rebuilt when
stale or corrupt, refused when someone else could have written them."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import importers
from service.bootstrap import snapshots_for
from service.cli.history_child import HistoryChild
from service.cli.main import cli
from service.engine.cache import EngineCache
from service.engine.engine import Engine
from service.engine.findings_json import alignment_record, analysis_json
from service.engine.snapshot import Snapshots
from service.settings import Settings
from service.store.base import ChangeSet, StoreBusy
from service.store.records import first_write_rows
from service.store.sqlite import SQLiteStore
from tests.conftest import node

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "northwind.yaml"


@pytest.fixture(autouse=True)
def history_child_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports here fork their history child on any runner, one core or several (where a
    child does not pay, service.cli.history_child makes none): the tests of the child need it."""
    monkeypatch.setattr("service.cli.history_child.worth_a_child", lambda: True)


def org(store: SQLiteStore) -> None:
    store.apply(
        "t",
        ChangeSet(
            nodes=[
                node("V", "Vision"),
                node("G1", "Goal", "V"),
                node("O1", "Objective", "G1"),
                node("I1", "Initiative", "O1"),
                node("I2", "Initiative"),
            ]
        ),
    )


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    made = SQLiteStore(tmp_path / "s.db")
    org(made)
    return made


def snapshots(tmp_path: Path, store: SQLiteStore) -> Snapshots:
    return Snapshots(tmp_path / "cache", f"sqlite:{store.path}")


def saved(tmp_path: Path, store: SQLiteStore) -> tuple[Snapshots, str, Path]:
    """The store's engine saved as a snapshot of its state: (snapshots, stamp, file)."""
    snaps, stamp = unsaved(tmp_path, store)
    path = snaps.save("t", stamp, Engine(store.read_graph("t")))
    assert path is not None
    return snaps, stamp, path


def test_a_saved_engine_loads_for_its_state_only(tmp_path: Path, store: SQLiteStore) -> None:
    snaps = snapshots(tmp_path, store)
    stamp = store.snapshot_stamp("t")
    assert stamp is not None and stamp.startswith("1/")
    built = Engine(store.read_graph("t"))
    built.analyse_all()
    saved = snaps.save("t", stamp, built)
    assert saved is not None and saved.exists()
    loaded = snaps.load("t", stamp, None)
    assert loaded is not None and loaded is not built
    assert analysis_json(loaded) == analysis_json(built)
    assert snaps.load("t", stamp, "2026-Q4") is None  # another period: another engine
    assert snaps.load("other", stamp, None) is None  # another tenant
    # a write makes another state: the old snapshot is not it
    store.apply("t", ChangeSet(nodes=[node("I2", "Initiative", "O1")]))
    assert snaps.load("t", store.snapshot_stamp("t") or "", None) is None


def test_a_loaded_engine_gives_back_every_row_sharing_the_graphs_own_columns(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "rows.db")
    store.apply(
        "t",
        ChangeSet(
            nodes=[
                node("V", "Vision"),
                node("G1", "Goal", "V", owner="p1", unit="u1", description="why", effort=2.0),
                node("K1", "KeyResult", "G1", start=0.0, target=10.0, current=4.0),
            ]
        ),
    )
    snaps = snapshots(tmp_path, store)
    stamp = store.snapshot_stamp("t")
    assert stamp is not None
    built = Engine(store.read_graph("t"))
    assert snaps.save("t", stamp, built) is not None
    loaded = snaps.load("t", stamp, None)
    assert loaded is not None
    g = loaded.graph
    assert list(g.rows) == list(built.graph.rows)  # every field of every row, restored
    for i, row in enumerate(g.rows):  # kept once: the graph's own strings, not copies
        assert row.id is g.ids[i] and row.title is g.titles[i]
        assert row.owner is g.owner[i] and row.unit is g.unit[i]


def test_an_empty_organisations_engine_is_saved_and_loaded(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "empty.db")
    store.apply("t", ChangeSet(nodes=[node("V", "Vision")]))
    store.apply("t", ChangeSet(delete_ids=["V"]))
    snaps = snapshots(tmp_path, store)
    stamp = store.snapshot_stamp("t")
    assert stamp is not None
    built = Engine(store.read_graph("t"))
    assert built.graph.n == 0
    assert snaps.save("t", stamp, built) is not None
    loaded = snaps.load("t", stamp, None)
    assert loaded is not None and list(loaded.graph.rows) == []


def test_the_stamp_tells_a_recreated_database_from_the_old_one(tmp_path: Path) -> None:
    """Same tenant, same version, same contents, made again: not the same state."""
    stamps = []
    for _ in range(2):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp_path / 'r.db'}{suffix}").unlink(missing_ok=True)
        made = SQLiteStore(tmp_path / "r.db")
        org(made)
        stamps.append(made.snapshot_stamp("t"))
        made.close()
    assert stamps[0] is not None and stamps[1] is not None and stamps[0] != stamps[1]
    assert stamps[0].split("/")[0] == stamps[1].split("/")[0] == "1"


def test_a_stale_snapshot_gives_way_and_only_the_newest_is_kept(
    tmp_path: Path, store: SQLiteStore
) -> None:
    snaps = snapshots(tmp_path, store)
    first = store.snapshot_stamp("t")
    assert first is not None
    snaps.save("t", first, Engine(store.read_graph("t")))
    store.apply("t", ChangeSet(nodes=[node("I2", "Initiative", "O1")]))
    second = store.snapshot_stamp("t")
    assert second is not None
    engine = Engine(store.read_graph("t"))
    assert snaps.save("t", first, engine) is None  # built after a write: not `first`'s engine
    saved = snaps.save("t", second, engine)
    assert saved is not None
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # the old one is gone
    loaded = snaps.load("t", second, None)
    assert loaded is not None and loaded.version == 2 and loaded.orphans == []


def test_a_corrupt_snapshot_is_deleted_and_the_engine_built(
    tmp_path: Path, store: SQLiteStore
) -> None:
    snaps, _, path = saved(tmp_path, store)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut short
    cache = EngineCache(store, snapshots=snaps)
    engine = cache.get("t").engine
    assert engine.version == 1 and [engine.graph.ids[i] for i in engine.orphans] == ["I2"]
    assert cache.builds == 1 and snaps.loaded == 0
    # the build saved a sound one in its place, which the next process loads
    deadline = time.monotonic() + 10
    while snaps.saved == 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert snaps.saved == 2
    again = EngineCache(store, snapshots=snaps)
    assert again.get("t").engine.version == 1
    assert again.builds == 0 and snaps.loaded == 1
    cache.close()
    again.close()


def test_a_snapshot_others_could_have_written_is_not_loaded(
    tmp_path: Path, store: SQLiteStore
) -> None:
    snaps, stamp, path = saved(tmp_path, store)
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0  # made private
    os.chmod(path, 0o664)  # group-writable: pickle would run whatever someone put there
    assert snaps.load("t", stamp, None) is None
    os.chmod(path, 0o600)
    assert snaps.load("t", stamp, None) is not None


def test_the_cli_saves_what_analyze_built_and_the_next_command_loads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STRATMAP_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(EXAMPLE), "--db", str(db)]).exit_code == 0
    first = runner.invoke(cli, ["analyze", "--json", "--db", str(db)])
    assert first.exit_code == 0, first.output
    saved_within(tmp_path / "cache", "*.pickle")  # a forked child writes it after the command
    assert analysed_unbuilt(runner, db, monkeypatch) == json.loads(first.output)
    los = runner.invoke(cli, ["line-of-sight", "I-PLAT-01", "--db", str(db)])
    assert los.exit_code == 0, los.output
    # off: nothing is loaded, so the next command builds (and here, fails to)
    monkeypatch.setenv("STRATMAP_CACHE_DIR", "")
    assert snapshots_for(Settings(), SQLiteStore(db)) is None
    assert runner.invoke(cli, ["analyze", "--db", str(db)]).exit_code != 0


def saved_within(cache: Path, pattern: str, seconds: float = 20) -> None:
    """Wait for a snapshot a forked child is writing (it may outlive the command)."""
    deadline = time.monotonic() + seconds
    while not list(cache.rglob(pattern)) and time.monotonic() < deadline:
        time.sleep(0.02)


def analysed_unbuilt(runner: CliRunner, db: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`stratmap analyze --json` from the snapshot saved for the store's state: building an
    engine instead fails."""

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built an engine although a snapshot of this state was saved")

    monkeypatch.setattr("service.cli.main._built", no_build)
    again = runner.invoke(cli, ["analyze", "--json", "--db", str(db)])
    assert again.exit_code == 0, again.output
    return json.loads(again.output)


def imported_and_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, CliRunner]:
    """The example imported by the CLI, once the import's forked child has saved its engine:
    (database, snapshot folder, runner)."""
    db, cache = tmp_path / "cli.db", tmp_path / "cache"
    monkeypatch.setenv("STRATMAP_CACHE_DIR", str(cache))
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(EXAMPLE), "--db", str(db)]).exit_code == 0
    deadline = time.monotonic() + 20
    while not list(cache.rglob("*-v1-*.pickle")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(cache.rglob("*-v1-*.pickle")), "the import's child saved no snapshot in 20 s"
    return db, cache, runner


def test_a_reimports_history_point_is_the_previous_snapshot_patched_not_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, cache, runner = imported_and_saved(tmp_path, monkeypatch)
    # the same file a day later: one initiative done and retitled (same name: same source)
    text = EXAMPLE.read_text(encoding="utf-8")
    old = "  title: Telemetry pipeline on managed Kafka\n  status: active\n"
    assert old in text
    later = tmp_path / "later" / EXAMPLE.name
    later.parent.mkdir()
    later.write_text(text.replace(old, "  title: Telemetry on Kafka\n  status: done\n"))

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("read and built the tenant although the write's base was saved")

    with monkeypatch.context() as during:  # no read of the tenant: neither a build nor the
        during.setattr(SQLiteStore, "read_graph", no_build)  # rebuild of a stale engine
        done = runner.invoke(cli, ["import", str(later), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "1 updated" in done.output and "as history point 2" in done.output
    point = json.loads(runner.invoke(cli, ["history", "list", "--json", "--db", str(db)]).output)
    store = SQLiteStore(db)
    want = alignment_record(Engine(store.read_graph("northwind")))  # this module's Engine
    got = point[-1]
    assert got["version"] == 2 and got["score"] == want["score"] != point[0]["score"]
    assert {k: got[k] for k in ("counts", "byUnit", "byGoal")} == {
        k: want[k] for k in ("counts", "byUnit", "byGoal")
    }
    # and the patched engine is the next command's snapshot
    deadline = time.monotonic() + 20
    while not list(cache.rglob("*-v2-*.pickle")) and time.monotonic() < deadline:
        time.sleep(0.02)
    again = runner.invoke(cli, ["analyze", "--json", "--db", str(db)])
    assert again.exit_code == 0, again.output
    rebuilt = analysis_json(Engine(store.read_graph("northwind")))
    assert json.loads(again.output) == {"tenant": "northwind", **rebuilt}


def one_marked_done(tmp_path: Path) -> Path:
    """The example a day later, under its own name (its source), with one node marked done."""
    later = tmp_path / "later" / EXAMPLE.name
    later.parent.mkdir()
    later.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("status: active", "status: done", 1)
    )
    return later


def test_a_reimport_whose_patch_fails_still_records_its_point_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _, runner = imported_and_saved(tmp_path, monkeypatch)
    later = one_marked_done(tmp_path)

    def broken(*args: object) -> None:
        raise RuntimeError("a bug in the patch")

    monkeypatch.setattr("service.engine.patch.patched", broken)
    done = runner.invoke(cli, ["import", str(later), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "patching the engine saved before the import failed (RuntimeError" in done.output
    assert "as history point 2" in done.output
    point = json.loads(runner.invoke(cli, ["history", "list", "--json", "--db", str(db)]).output)
    want = alignment_record(Engine(SQLiteStore(db).read_graph("northwind")))
    assert point[-1]["version"] == 2 and point[-1]["score"] == want["score"]


def test_closing_the_cache_waits_for_the_snapshot_being_written(
    tmp_path: Path, store: SQLiteStore
) -> None:
    """The server re-raises SIGTERM once shut down: a write still running would be cut."""
    snaps = snapshots(tmp_path, store)
    save = snaps.save

    def slow_save(*args: Any) -> Path | None:
        time.sleep(0.5)  # a 1M-node engine takes seconds to write
        return save(*args)

    snaps.save = slow_save  # type: ignore[method-assign,assignment]
    cache = EngineCache(store, snapshots=snaps)
    assert cache.get("t").engine.version == 1
    assert snaps.saved == 0  # the read did not wait for the write ...
    cache.close()  # ... and close does, with no polling here
    assert snaps.saved == 1
    assert [p.suffix for p in (tmp_path / "cache").rglob("*") if p.is_file()] == [".pickle"]


def unsaved(tmp_path: Path, store: SQLiteStore) -> tuple[Snapshots, str]:
    """The snapshots folder, with nothing saved yet, and the store's stamp."""
    stamp = store.snapshot_stamp("t")
    assert stamp is not None
    return snapshots(tmp_path, store), stamp


def _marker(snaps: Snapshots, stamp: str, pid: int) -> Path:
    """Where `Snapshots.writing` in process `pid` puts its marker of this state."""
    folder = snaps._folder("t")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _, name = snaps._name(stamp, None)
    return folder / f"{name}.{pid}.writing"


def _holding(marker: Path) -> subprocess.Popen[str]:
    """Another process holding `marker` locked, as a writer does while it writes."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            str(marker),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_a_command_waits_for_the_snapshot_another_process_is_writing(
    tmp_path: Path, store: SQLiteStore
) -> None:
    """Right after an import, its child is still analysing and writing the engine: the next
    command waits for that file instead of building the same engine beside it."""
    snaps, stamp = unsaved(tmp_path, store)
    other, _ = unsaved(tmp_path / "elsewhere", store)
    writers = [_holding(_marker(snaps, stamp, 999_001)), _holding(_marker(other, stamp, 999_002))]
    try:
        engine = Engine(store.read_graph("t"))
        late = threading.Timer(0.4, lambda: snaps.save("t", stamp, engine))
        late.start()
        found = snaps.load("t", stamp, None)
        late.join()
        assert found is not None and found.version == engine.version
        # a writer that lives on without writing is waited for no longer than asked
        assert other.load("t", stamp, None, wait=0.2) is None
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()


def test_no_wait_for_a_writer_that_is_gone_or_a_folder_others_can_write(
    tmp_path: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer killed before it could remove its marker has let go of its lock, even while
    its pid lives on as a zombie (or another process's); and a marker in a folder someone else
    could write is no reason to wait."""
    snaps, stamp = unsaved(tmp_path, store)
    _marker(snaps, stamp, os.getppid()).touch()  # left by a writer killed; the pid is alive
    killed = _holding(_marker(snaps, stamp, 999_003))
    killed.kill()  # not reaped: a zombie, whose pid still answers kill(pid, 0)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{killed.pid}/stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)

    def no_wait(seconds: float) -> None:
        raise AssertionError("waited for a writer that is gone")

    try:
        with monkeypatch.context() as patched:
            patched.setattr("service.engine.snapshot.time.sleep", no_wait)
            assert snaps.load("t", stamp, None) is None
            shared = _holding(_marker(snaps, stamp, 999_004))
            try:
                os.chmod(snaps._folder("t"), 0o777)
                assert snaps.load("t", stamp, None) is None
            finally:
                os.chmod(snaps._folder("t"), 0o700)
                shared.kill()
                shared.wait()
    finally:
        killed.wait()
    # and saving this state later clears nothing it should not, and loads
    assert snaps.save("t", stamp, Engine(store.read_graph("t"))) is not None
    assert snaps.load("t", stamp, None) is not None


def test_saving_announces_itself_until_the_file_is_in_place(
    tmp_path: Path, store: SQLiteStore
) -> None:
    snaps, stamp = unsaved(tmp_path, store)
    seen: list[list[str]] = []
    write = snaps._write

    def watched(*args: Any) -> Path | None:
        seen.append([p.suffix for p in snaps._folder("t").iterdir()])
        return write(*args)

    snaps._write = watched  # type: ignore[method-assign,assignment]
    path = snaps.save("t", stamp, Engine(store.read_graph("t")))
    assert path is not None and seen == [[".writing"]]
    assert [p.suffix for p in path.parent.iterdir()] == [".pickle"]


def test_the_snapshot_child_lets_go_of_the_commands_output(tmp_path: Path) -> None:
    """A command's forked snapshot writer must not hold its stdout and stderr: a pipe or a CI
    runner reading them would otherwise wait for the snapshot, not for the command."""
    seen = tmp_path / "fds"
    script = (
        "import os, sys\n"
        "from service.cli.main import _save_in_background\n"
        "def save():\n"
        f"    with open({str(seen)!r} + '.tmp', 'w') as out:\n"
        "        out.write(' '.join(os.readlink(f'/proc/self/fd/{fd}') for fd in (0, 1, 2)))\n"
        f"    os.replace({str(seen)!r} + '.tmp', {str(seen)!r})\n"
        "_save_in_background(save)\n"
        "print('the command is done')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "the command is done\n"
    deadline = time.monotonic() + 30
    while not seen.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen.read_text().split() == [os.devnull] * 3


GITLAB = Path(__file__).resolve().parents[1] / "data" / "gitlab-fy20-q4"


@pytest.mark.parametrize(
    "files", [(EXAMPLE,), (GITLAB / "gitlab.csv", GITLAB / "gitlab_units.csv")], ids=["yaml", "csv"]
)
def test_a_first_imports_point_and_snapshot_come_from_its_child_not_a_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: tuple[Path, ...]
) -> None:
    """A tenant's first import reads nothing back for its history point (the forked child
    built it from the parsed files: service.cli.history_child); the point is the store's
    state's, and the child's engine is the next command's snapshot."""
    db, cache = tmp_path / "cli.db", tmp_path / "cache"
    monkeypatch.setenv("STRATMAP_CACHE_DIR", str(cache))
    reads: list[str] = []
    read_graph = SQLiteStore.read_graph

    def counted(self: SQLiteStore, tenant: str) -> Any:
        reads.append(tenant)
        return read_graph(self, tenant)

    monkeypatch.setattr(SQLiteStore, "read_graph", counted)
    runner = CliRunner()
    done = runner.invoke(cli, ["import", *map(str, files), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "as history point 1" in done.output and reads == []
    store = SQLiteStore(db)
    (tenant,) = store.tenants()
    want = alignment_record(Engine(read_graph(store, tenant)))
    (point,) = json.loads(runner.invoke(cli, ["history", "list", "--json", "--db", str(db)]).output)
    assert point["version"] == 1 and point["score"] == want.pop("score")
    assert {k: point[k] for k in want} == json.loads(json.dumps(want))
    saved_within(cache, "*-v1-*.pickle")
    rebuilt = analysis_json(Engine(read_graph(store, tenant)))
    assert analysed_unbuilt(runner, db, monkeypatch) == {
        "tenant": tenant,
        **json.loads(json.dumps(rebuilt)),
    }


def test_a_first_import_whose_child_says_nothing_builds_its_point_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STRATMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("service.cli.history_child.first_write_rows", lambda *rows: 1 / 0)
    runner = CliRunner()
    done = runner.invoke(cli, ["import", str(EXAMPLE), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "as history point 1" in done.output
    (point,) = json.loads(runner.invoke(cli, ["history", "list", "--json", "--db", str(db)]).output)
    want = alignment_record(Engine(SQLiteStore(db).read_graph("northwind")))
    assert point["version"] == 1 and point["score"] == want["score"]
    assert point["counts"] == want["counts"]


@pytest.mark.parametrize("where", ["the write", "after the write"])
def test_an_import_that_fails_stops_its_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A failure in the write, or after it (here the missing-parent check), leaves no child
    behind and no snapshot: it is stopped and reaped before the command ends."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STRATMAP_CACHE_DIR", str(tmp_path / "cache"))
    children: list[int] = []
    first = HistoryChild.first

    def watched(*args: Any, **kwargs: Any) -> HistoryChild | None:
        made = first(*args, **kwargs)
        assert made is not None
        children.append(made._pid)
        return made

    def refused(*args: object, **kwargs: object) -> None:
        raise StoreBusy("busy for the test", retry_after_seconds=1.0)

    monkeypatch.setattr(HistoryChild, "first", watched)
    if where == "the write":
        monkeypatch.setattr(SQLiteStore, "apply", refused)
    else:
        monkeypatch.setattr("service.usecases.dangling_parents", refused)
    done = CliRunner().invoke(cli, ["import", str(EXAMPLE), "--db", str(db)])
    assert done.exit_code != 0 and len(children) == 1
    with pytest.raises(ChildProcessError):  # reaped already: it is gone
        os.waitpid(children[0], os.WNOHANG)
    assert not list((tmp_path / "cache").rglob("*.pickle"))


def test_an_import_that_cannot_fork_works_its_point_out_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STRATMAP_CACHE_DIR", str(tmp_path / "cache"))
    pipes = open_pipes()

    forks: list[int] = []

    def no_memory() -> int:
        forks.append(1)
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", no_memory)
    done = CliRunner().invoke(cli, ["import", str(EXAMPLE), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "as history point 1" in done.output
    assert forks and open_pipes() == pipes  # the pipes made before the fork failed are closed


def open_pipes() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor, gone by now
            if (target := os.readlink(f"/proc/self/fd/{fd}")).startswith("pipe:"):
                found.add(f"{fd}:{target}")
    return found


def test_a_first_import_overtaken_by_another_write_records_the_stores_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer lands between the first import and its point: the child's alignment is
    of a state the store no longer holds, so the point is built from the store."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STRATMAP_CACHE_DIR", str(tmp_path / "cache"))
    apply = SQLiteStore.apply

    def then_another(self: SQLiteStore, tenant: str, changes: ChangeSet, **kw: Any) -> Any:
        result = apply(self, tenant, changes, **kw)
        other = SQLiteStore(self.path)
        apply(other, tenant, ChangeSet(nodes=[node("I-STRAY", "Initiative")]))
        other.close()
        return result

    monkeypatch.setattr(SQLiteStore, "apply", then_another)
    runner = CliRunner()
    done = runner.invoke(cli, ["import", str(EXAMPLE), "--db", str(db)])
    assert done.exit_code == 0, done.output
    (point,) = json.loads(runner.invoke(cli, ["history", "list", "--json", "--db", str(db)]).output)
    want = alignment_record(Engine(SQLiteStore(db).read_graph("northwind")))
    parsed = importers.parse(EXAMPLE)
    alone = Engine(first_write_rows(parsed.nodes(), parsed.units, parsed.people, parsed.values))
    assert point["version"] == 2 and point["counts"] == want["counts"] != alone.counts()


def test_a_reimports_point_is_patched_by_its_child_beside_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshot the re-import is made on is loaded and patched in the forked child
    (service.cli.history_child), not by the command once its write is done."""
    db, _, runner = imported_and_saved(tmp_path, monkeypatch)
    later = one_marked_done(tmp_path)

    def in_the_command(*args: object) -> None:
        raise AssertionError("the command patched the snapshot itself")

    monkeypatch.setattr("service.cli.main._patched_since", in_the_command)
    monkeypatch.setattr(SQLiteStore, "read_graph", in_the_command)
    done = runner.invoke(cli, ["import", str(later), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "as history point 2" in done.output and "failed" not in done.output
    monkeypatch.undo()
    (_, point) = json.loads(
        runner.invoke(cli, ["history", "list", "--json", "--db", str(db)]).output
    )
    want = alignment_record(Engine(SQLiteStore(db).read_graph("northwind")))
    assert point["version"] == 2 and point["score"] == want.pop("score")
    assert {k: point[k] for k in want} == json.loads(json.dumps(want))


def test_a_snapshot_loaded_to_be_patched_has_its_rows_and_index_back_at_once(
    tmp_path: Path, store: SQLiteStore
) -> None:
    snaps, stamp, _ = saved(tmp_path, store)
    lazy = snaps.load("t", stamp, None)
    now = snaps.load("t", stamp, None, restore=True)
    assert lazy is not None and now is not None
    assert not {"rows", "index"} & lazy.graph.__dict__.keys()
    assert {"rows", "index"} <= now.graph.__dict__.keys()
    assert list(now.graph.rows) == list(lazy.graph.rows) == store.read_graph("t").nodes
