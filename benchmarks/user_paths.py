"""What a user runs, timed as they run it (the `stratmap` command, the server over HTTP), each
against its floor measured in the same run on the same data, printing the ratio and the goal.

    python benchmarks/user_paths.py [--only import,analyze,...] [100000 1000000]

Sections (issue 13's table; all by default):
  import    `stratmap import big.csv` into a fresh store  vs  `sqlite3 .import` of the file;
            a re-import with 1% of rows changed (the previous import's snapshot in place, as a
            user's is; and without it)  vs  reading the file + the tenant's rows;
            peak memory per row at each size (PSS of the command and every process it forks,
            summed: an import's history child holds the engine), and above the command's fixed
            cost (a 1,000-row import's peak)
  analyze   `stratmap analyze --json`, without and with an engine snapshot  vs  reading the
            same SQLite file + one scipy BFS; its peak RSS
  serve     from starting `stratmap serve` to its first answer to `alignment` over HTTP,
            without and with a snapshot
  after     what a team does: import and at once analyze (vs the same floor), and re-import
            and at once serve to its first answer: the import's child is still writing the
            engine's snapshot when the next command starts
  los       `stratmap line-of-sight NODE`  vs  the same walk up in `sqlite3` + a process start;
            `--unit` of a team of ~200 nodes; a process start that imports that command's
            modules, and one that imports the whole command line
  write     a write over HTTP until another client's read sees it, readers' p99 meanwhile
  rss       the server's resident memory holding two periods' engines, and its peak while a
            write's background rebuild replaces them (goal: 2 GB at 1M)
Each figure is the median of REPEAT runs. The CSV files and stores are generated from
benchmarks/orggen.py into benchmarks/.cache once.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.orggen import GENERATION, org_nodes  # noqa: E402
from tests.contract.backends import free_port  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
STRATMAP = Path(sys.executable).with_name("stratmap")
REPEAT = 3
GOALS = {
    "import_vs_sqlite3": 10.0,
    "reimport_vs_floor": 2.0,
    "rss_per_row_spread": 0.20,
    "analyze": 3.0,
    "first_answer_s": 3.0,
    "los_vs_sqlite3": 3.0,
}
HEADER = ["id", "kind", "title", "parents", "owner", "unit", "status"]


def run(
    argv: Sequence[str], *, env: dict[str, str] | None = None, trees: list[TreeMemory] | None = None
) -> tuple[float, int]:
    """Wall time and peak RSS (bytes) of one child process; it must succeed. Its stderr goes
    to a file, not a pipe: the run ends when the command does, as a shell's would, even if a
    process it forked (a snapshot writer) still holds it. `trees`: a list to append the
    command's TreeMemory to, which the caller waits for."""
    with tempfile.TemporaryFile() as log:
        t = time.perf_counter()
        child = subprocess.Popen(
            list(argv), stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, **(env or {})}
        )
        if trees is not None:
            trees.append(TreeMemory(child.pid))
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t
        log.seek(0)
        err = log.read().decode(errors="replace")
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} failed ({child.returncode}):\n{err}")
    return wall, usage.ru_maxrss * 1024


class TreeMemory:
    """The peak memory of a process and of every process it forks, summed while they run:
    each one's PSS (its own pages, and its share of pages it shares, so a forked child's
    copy-on-write pages count once), sampled every 50 ms by a thread until all have ended.
    A process's own peak RSS leaves out a child that outlives it (an import's history
    child), which holds the engine: the machine holds both at once."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._main = pid
        self._known = {pid}
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def wait(self) -> int:
        """The peak in bytes, once every process of the tree has ended."""
        self._thread.join()
        return self.peak

    def _sample(self) -> None:
        foreign: set[int] = set()  # each other process is looked at once: its parent stays
        while self._known:
            parents: dict[int, int] = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit() and int(entry) not in self._known | foreign:
                    try:
                        stat = Path(f"/proc/{entry}/stat").read_text()
                    except OSError:
                        continue
                    parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            # ours: a child of one of the tree, or of this process, which orphans of the tree
            # are given to (subreaper(), below); to a fixpoint, whatever order /proc lists them
            grown = True
            while grown:
                grown = False
                for pid, parent in list(parents.items()):
                    if parent in self._known or parent == os.getpid():
                        self._known.add(pid)
                        del parents[pid]
                        grown = True
            foreign |= parents.keys()
            total = 0
            for pid in list(self._known):
                try:
                    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                except OSError:
                    self._known.discard(pid)
                    continue
                if state == "Z":  # ended; an orphan given to this process is reaped here
                    self._known.discard(pid)
                    if pid != self._main:
                        with contextlib.suppress(ChildProcessError):
                            os.waitpid(pid, os.WNOHANG)
                    continue
                total += next(  # none: its memory is gone, it is not yet a zombie
                    (
                        int(line.split()[1]) * 1024
                        for line in rollup.splitlines()
                        if line.startswith("Pss:")
                    ),
                    0,
                )
            self.peak = max(self.peak, total)
            time.sleep(0.05)


@contextlib.contextmanager
def subreaper() -> Iterator[None]:
    """Meanwhile, this process is the one a measured command's orphans are given to (Linux's
    PR_SET_CHILD_SUBREAPER), so that TreeMemory still finds a child that outlives its parent.
    Only meanwhile: the other sections' orphans (snapshot writers) are not reaped here."""
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    if prctl(36, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    try:
        yield
    finally:
        prctl(36, 0, 0, 0, 0)


def verdict(ratio: float, goal: float) -> str:
    return "ok" if ratio <= goal else "MISSED"


def org_csv(n: int, changed: float = 0.0) -> Path:
    """The generated organisation as a generic CSV; `changed` of its rows retitled."""
    # one file name for both: a node's source is its file's name, and a re-import under another
    # name would rewrite every row as moved, which is not the edit a user makes
    folder = CACHE / f"changed-{int(changed * 1000)}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"org-g{GENERATION}-{n}.csv"
    if path.exists():
        return path
    every = int(1 / changed) if changed else 0
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(HEADER)
        for i, node in enumerate(org_nodes(n)):
            title = f"{node.title} (v2)" if every and i % every == 0 else node.title
            parents = ";".join(
                p.id if p.weight == 1 else f"{p.id}={p.weight}" for p in node.parents
            )
            rows.writerow(
                [node.id, node.kind, title, parents, node.owner or "", node.unit or "", node.status]
            )
    tmp.replace(path)
    return path


def sqlite3_import(file: Path, db: Path) -> float:
    db.unlink(missing_ok=True)
    wall, _ = run(["sqlite3", str(db), "-cmd", ".mode csv", f".import {file} plain"])
    return wall


def stratmap_import(
    file: Path, db: Path, *, fresh: bool = True, snapshot: bool = True
) -> tuple[float, int, int]:
    """One import as a user waits for it; then, untimed, until the engine snapshot its forked
    child writes is in place, so that the next run does not share the CPU with it. A fresh
    import starts from no store and no snapshot; a re-import finds the previous import's
    snapshot, as a user's does, unless `snapshot` is False (its cache emptied first).
    (wall time, the command's own peak RSS, the peak PSS of it and its children together)"""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    cache = db.with_name(db.name + ".cache")
    if fresh or not snapshot:
        shutil.rmtree(cache, ignore_errors=True)
    trees: list[TreeMemory] = []
    with subreaper():
        wall, rss = run(
            [str(STRATMAP), "import", str(file), "--db", str(db), "--tenant", "bench"],
            env={"STRATMAP_CACHE_DIR": str(cache)},
            trees=trees,
        )
        wait_for_snapshot(cache)
        while any(p.suffix in (".tmp", ".writing") for p in cache.rglob("*")):
            time.sleep(0.05)
        return wall, rss, trees[0].wait()


def parse_and_read(file: Path, db: Path) -> float:
    """The re-import's floor, in a process of its own as the import is: read the file with
    Python's csv module (no validation: our importer's cost is what is measured) and read the
    tenant's stored rows."""
    code = (
        "import csv\n"
        "from service.store.sqlite import SQLiteStore\n"
        f"with open({str(file)!r}, newline='', encoding='utf-8') as f:\n"
        "    cells = list(csv.reader(f))\n"
        f"rows = SQLiteStore({str(db)!r}).read_graph('bench')\n"
        "assert len(rows.nodes) == len(cells) - 1\n"
    )
    wall, _ = run([sys.executable, "-c", code])
    return wall


def report(label: str, took: float, floor_label: str, floor: float, goal: float) -> None:
    """One row of figures: the user's path, its floor, the ratio and whether it meets the goal."""
    ratio = took / floor
    print(
        f"  {label:<44} {took:7.2f} s | {floor_label} {floor:6.2f} s | {ratio:5.1f}x"
        f" (goal <= {goal:g}x: {verdict(ratio, goal)})"
    )


def bench_import(sizes: Sequence[int]) -> None:
    print("\n## import")
    rss_per_row: dict[int, float] = {}
    above_fixed: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.db"
        # what the command holds whatever the file's size (the interpreter, numpy, scipy, the
        # engine's code): the peak of a 1,000-row import
        fixed = statistics.median(
            stratmap_import(org_csv(1000), Path(tmp) / "fixed.db")[2] for _ in range(REPEAT)
        )
        print(
            f"  the command's fixed cost: peak memory {fixed / 2**20:.0f} MB (PSS of the command"
            " and its children, a 1,000-row import)"
        )
        for n in sizes:
            file, changed = org_csv(n), org_csv(n, 0.01)
            db = Path(tmp) / f"import-{n}.db"
            floor = statistics.median(sqlite3_import(file, plain) for _ in range(REPEAT))
            walls, own, peaks = [], [], []
            for _ in range(REPEAT):
                wall, rss, peak = stratmap_import(file, db)
                walls.append(wall)
                own.append(rss)
                peaks.append(peak)
            fresh = statistics.median(walls)
            rss_per_row[n] = statistics.median(peaks) / n
            above_fixed[n] = (statistics.median(peaks) - fixed) / n
            again, again_cold, floor_again = [], [], []
            for _ in range(REPEAT):
                stratmap_import(file, db)  # back to the original, untimed
                again.append(stratmap_import(changed, db, fresh=False)[0])
                floor_again.append(parse_and_read(changed, db))
                stratmap_import(file, db)
                again_cold.append(stratmap_import(changed, db, fresh=False, snapshot=False)[0])
            report(
                f"{n:,} rows: import into a fresh store",
                fresh,
                "sqlite3 .import",
                floor,
                GOALS["import_vs_sqlite3"],
            )
            report(
                f"{n:,} rows: re-import, 1% changed",
                statistics.median(again),
                "csv parse + read rows",
                statistics.median(floor_again),
                GOALS["reimport_vs_floor"],
            )
            print(
                f"  {n:,} rows: re-import, 1% changed, no snapshot of the state before"
                f" {statistics.median(again_cold):7.2f} s (its history point read and built)"
            )
            print(
                f"  {n:,} rows: peak memory {statistics.median(peaks) / 2**20:.0f} MB, PSS of"
                f" the command and its children ({rss_per_row[n]:.0f} B/row, "
                f"{above_fixed[n]:.0f} B/row above the fixed cost); the command's own peak RSS"
                f" {statistics.median(own) / 2**20:.0f} MB; {n / fresh:,.0f} rows/s"
            )
    if len(rss_per_row) > 1:
        goal = GOALS["rss_per_row_spread"]
        for label, per_row in (("peak memory", rss_per_row), ("above the fixed cost", above_fixed)):
            lo, hi = min(per_row.values()), max(per_row.values())
            if lo <= 0:  # the fixed cost's run peaked above a size's: no spread to speak of
                print(f"  {label} per row: {lo:.0f} B at the least, no spread")
                continue
            spread = hi / lo - 1
            print(
                f"  {label} per row differs by {spread:.0%} across sizes"
                f" (goal <= {goal:.0%}: {verdict(spread, goal)})"
            )


def bench_store(n: int) -> tuple[Path, Path, dict[str, str]]:
    """A copy of the generated organisation's store, private to this run (snapshots and
    writes must not touch the cached one): (database, its snapshot folder, the environment
    that points stratmap at that folder)."""
    from benchmarks.engine import store_for

    store = store_for(n)
    copy = Path(tempfile.mkdtemp(prefix="stratmap-bench-")) / f"org-{n}.db"
    assert store.backup(copy) == "ok"
    store.close()
    cache = copy.parent / "cache"
    return copy, cache, {"STRATMAP_CACHE_DIR": str(cache)}


def floor_analysis(db: Path) -> float:
    """analyze's floor, in a process of its own: read the same SQLite file's nodes and links and
    run one scipy BFS from the vision over them."""
    code = (
        "import sqlite3, numpy as np\n"
        "from scipy.sparse import csr_matrix\n"
        "from scipy.sparse.csgraph import breadth_first_order\n"
        f"db = sqlite3.connect({str(db)!r})\n"
        "q = \"SELECT id FROM node WHERE tenant='bench' ORDER BY id\"\n"
        "ids = [r[0] for r in db.execute(q)]\n"
        "at = {k: i for i, k in enumerate(ids)}\n"
        "src, dst = [], []\n"
        "for s, d in db.execute(\"SELECT src, dst FROM link WHERE tenant='bench'"
        " AND rel='SUPPORTS'\"):\n"
        "    j = at.get(d)\n"
        "    if j is not None:\n"
        "        src.append(at[s]); dst.append(j)\n"
        "m = csr_matrix((np.ones(len(src), np.int8), (dst, src)), shape=(len(ids), len(ids)))\n"
        "breadth_first_order(m, at['V'], directed=True, return_predecessors=False)\n"
    )
    return run([sys.executable, "-c", code])[0]


def bench_analyze(sizes: Sequence[int]) -> None:
    print("\n## analyze (`stratmap analyze --json`), and the snapshot it leaves")
    for n in sizes:
        db, cache, env = bench_store(n)
        floor = statistics.median(floor_analysis(db) for _ in range(REPEAT))
        cold = []
        for _ in range(REPEAT):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(run([str(STRATMAP), "analyze", "--json", "--db", str(db)], env=env))
        wall = statistics.median(t for t, _ in cold)
        peak = statistics.median(m for _, m in cold)
        report(f"{n:,} nodes: analyze, no snapshot", wall, "read + 1 BFS", floor, GOALS["analyze"])
        print(f"  {n:,} nodes: analyze peak RSS {peak / 2**20:,.0f} MB (goal < 1,024 MB at 1M)")
        wait_for_snapshot(cache)
        warm = statistics.median(
            run([str(STRATMAP), "analyze", "--json", "--db", str(db)], env=env)[0]
            for _ in range(REPEAT)
        )
        report(
            f"{n:,} nodes: analyze, snapshot there", warm, "read + 1 BFS", floor, GOALS["analyze"]
        )
        shutil.rmtree(db.parent, ignore_errors=True)


def bench_after_import(sizes: Sequence[int]) -> None:
    """What a strategy team does: import, then at once analyze (or serve). The import's forked
    child is still analysing and writing the engine when the next command starts."""
    print("\n## right after an import: `stratmap analyze --json`, and `serve` to its first answer")
    for n in sizes:
        file = org_csv(n)
        floors, analyses, peaks, answers = [], [], [], []
        for _ in range(REPEAT):
            folder = Path(tempfile.mkdtemp(prefix="stratmap-after-"))
            db, env = folder / "org.db", {"STRATMAP_CACHE_DIR": str(folder / "cache")}
            run([str(STRATMAP), "import", str(file), "--db", str(db), "--tenant", "bench"], env=env)
            wall, peak = run([str(STRATMAP), "analyze", "--json", "--db", str(db)], env=env)
            analyses.append(wall)
            peaks.append(peak)
            floors.append(floor_analysis(db))
            run([str(STRATMAP), "import", str(org_csv(n, 0.01)), "--db", str(db)], env=env)
            answers.append(first_answer(db, env))
            shutil.rmtree(folder, ignore_errors=True)
        report(
            f"{n:,} nodes: analyze right after an import",
            statistics.median(analyses),
            "read + 1 BFS",
            statistics.median(floors),
            GOALS["analyze"],
        )
        print(f"  {n:,} nodes: its peak RSS {statistics.median(peaks) / 2**20:,.0f} MB")
        goal = GOALS["first_answer_s"]
        took = statistics.median(answers)
        print(
            f"  {n:,} nodes: serve's first answer right after a re-import {took:7.2f} s"
            f" (goal <= {goal:g} s at 1M: {verdict(took, goal)})"
        )


def wait_for_snapshot(cache: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not list(cache.rglob("*.pickle")):
        if time.monotonic() > deadline:
            raise SystemExit(f"no engine snapshot appeared in {cache}")
        time.sleep(0.1)


def first_answer(db: Path, env: dict[str, str]) -> float:
    """Seconds from starting `stratmap serve` to its first answer to `alignment` over HTTP."""
    import httpx

    port = free_port()
    t = time.perf_counter()
    server = subprocess.Popen(
        [
            str(STRATMAP),
            "serve",
            "--no-auth",
            "--tenant",
            "bench",
            "--port",
            str(port),
            "--db",
            str(db),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    try:
        while True:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": "{ alignment { score } }"},
                    timeout=120,
                )
                if answer.status_code == 200 and answer.json().get("data"):
                    return time.perf_counter() - t
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise SystemExit("stratmap serve exited before answering")
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)


def bench_serve(sizes: Sequence[int]) -> None:
    print("\n## serve: from `stratmap serve` to its first answer to alignment over HTTP")
    for n in sizes:
        db, cache, env = bench_store(n)
        cold = first_answer(db, env)  # builds, answers, then saves its snapshot
        wait_for_snapshot(cache)
        warm = statistics.median(first_answer(db, env) for _ in range(REPEAT))
        goal = GOALS["first_answer_s"]
        print(f"  {n:,} nodes: first answer, no snapshot {cold:7.2f} s")
        print(
            f"  {n:,} nodes: first answer, snapshot    {warm:7.2f} s"
            f" (goal <= {goal:g} s at 1M: {verdict(warm, goal)})"
        )
        shutil.rmtree(db.parent, ignore_errors=True)


def bench_line_of_sight(sizes: Sequence[int]) -> None:
    print("\n## line of sight from the CLI vs the same walk in sqlite3 plus a process start")
    for n in sizes:
        db, _, env = bench_store(n)
        node = "I" + str(n // 2)  # an initiative deep in the cascade
        query = (
            "WITH RECURSIVE up(id, depth) AS (SELECT ?1, 0 UNION"
            " SELECT l.dst, up.depth + 1 FROM link l JOIN up ON l.src = up.id"
            " WHERE l.tenant = 'bench' AND l.rel = 'SUPPORTS' AND up.depth < 20)"
            " SELECT id FROM up"
        ).replace("?1", f"'{node}'")
        sql = statistics.median(run(["sqlite3", str(db), query])[0] for _ in range(REPEAT))
        start = statistics.median(run([sys.executable, "-c", "pass"])[0] for _ in range(REPEAT))
        floor = sql + start
        argv = [str(STRATMAP), "line-of-sight", node, "--json", "--db", str(db)]
        alone = statistics.median(run(argv, env=env)[0] for _ in range(REPEAT))
        goal = GOALS["los_vs_sqlite3"]
        report(f"{n:,} nodes: line-of-sight NODE", alone, "sqlite3 + start", floor, goal)
        # a manager's team: unit U403's ~200 active nodes, whose chains break at missing parents
        # (so every id is read for the suggestions)
        team = [str(STRATMAP), "line-of-sight", "--unit", "U403", "--json", "--db", str(db)]
        unit = statistics.median(run(team, env=env)[0] for _ in range(REPEAT))
        print(f"  {n:,} nodes: line-of-sight --unit U403   {unit:7.2f} s")
        # what a process pays before it reads anything: line-of-sight imports its own module
        # only (service.cli.sight); every other command, the whole command line with numpy,
        # scipy and pydantic
        for label, module in (
            ("line-of-sight", "service.cli.sight"),
            ("any other", "service.cli.main"),
        ):
            took = statistics.median(
                run([sys.executable, "-c", f"import {module}"])[0] for _ in range(REPEAT)
            )
            print(f"  {n:,} nodes: a process start that imports {label} command: {took:.2f} s")
        shutil.rmtree(db.parent, ignore_errors=True)


def bench_token(db: Path, role: str) -> str:
    made = subprocess.run(
        [str(STRATMAP), "token", "create", "--tenant", "bench", "--role", role, "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


def start_server(db: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(STRATMAP), "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )


def graphql(url: str, token: str, query: str) -> dict[str, object]:
    import httpx

    answer = httpx.post(
        url, json={"query": query}, headers={"Authorization": f"Bearer {token}"}, timeout=300
    )
    body: dict[str, object] = answer.json()
    return body


def wait_for_answer(url: str, token: str, query: str = "{ alignment { score } }") -> None:
    import httpx

    while True:
        try:
            if graphql(url, token, query).get("data"):
                return
        except httpx.TransportError:
            time.sleep(0.1)


def rss(pid: int) -> tuple[int, int]:
    """(resident now, peak resident since start) of a process, in bytes (Linux /proc)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def bench_rss(sizes: Sequence[int]) -> None:
    """The server's memory with one tenant's engines for two periods, while a write's background
    pass replaces them (issue 13, goal 2: at most 2 GB at 1M): the organisation's engine
    refreshed from its patched graph, the period's made again from it."""
    print("\n## server memory: two periods' engines held, then a write's background pass")
    for n in sizes:
        db, _, _ = bench_store(n)
        env = {"STRATMAP_CACHE_DIR": ""}  # built from the store, not loaded from a snapshot
        editor, viewer = bench_token(db, "editor"), bench_token(db, "viewer")
        port = free_port()
        url = f"http://127.0.0.1:{port}/graphql"
        server = start_server(db, port, env)
        try:
            wait_for_answer(url, viewer)
            wait_for_answer(url, viewer, '{ alignment(period: "2026-Q4") { score } }')
            held, built = rss(server.pid)
            made = graphql(
                url,
                editor,
                f'mutation {{ setStatus(id: "I{n // 2}", status: DONE) '
                "{ ... on ApplySuccess { version } } }",
            )
            assert made.get("data"), made
            # patched at once; refreshed or remade in the background once writes pause
            # (rebuild_delay), for each period's engine: sample until the resident size has
            # settled for a while
            peak, still, last = held, 0.0, held
            t = time.perf_counter()
            while still < max(5.0, (time.perf_counter() - t) / 2):
                time.sleep(0.05)
                now, _ = rss(server.pid)
                peak = max(peak, now)
                still = still + 0.05 if abs(now - last) < 8 << 20 else 0.0
                last = now
            after, _ = rss(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
        gb = 1 << 30
        print(
            f"  {n:,} nodes: {held / gb:.2f} GB with both engines (peak while building them"
            f" {built / gb:.2f} GB); during the background pass peak {peak / gb:.2f} GB, after"
            f" {after / gb:.2f} GB (goal <= 2 GB at 1M: {verdict(peak / gb, 2.0)})"
        )
        shutil.rmtree(db.parent, ignore_errors=True)


def bench_write(sizes: Sequence[int]) -> None:
    """One small write through the API until another client's read sees it, while readers keep
    asking (the figure goal 3 of issue 13 is about), and until no analysis it reads is stale."""
    print("\n## a write over HTTP until another client reads it, with readers running")
    for n in sizes:
        _write_latency(n)


def _write_latency(n: int) -> None:
    import threading

    db, _, env = bench_store(n)
    env = {"STRATMAP_CACHE_DIR": "", "STRATMAP_VERSION_CHECK_SECONDS": "0.5"}

    editor, viewer = bench_token(db, "editor"), bench_token(db, "viewer")
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    server = start_server(db, port, env)

    def ask(who: str, query: str) -> dict[str, object]:
        return graphql(url, who, query)

    try:
        wait_for_answer(url, viewer)
        stop, lat = threading.Event(), []

        def reader() -> None:
            while not stop.is_set():
                t = time.perf_counter()
                ask(viewer, "{ alignment { score } }")
                lat.append(time.perf_counter() - t)

        readers = [threading.Thread(target=reader) for _ in range(4)]
        for r in readers:
            r.start()
        seen: list[float] = []
        answered: list[float] = []  # the mutation's own round trip
        whole: list[float] = []  # until no analysis read is stale (extensions.stale)
        for k in range(REPEAT):
            status = "DONE" if k % 2 == 0 else "ACTIVE"
            t = time.perf_counter()
            made = ask(
                editor,
                f'mutation {{ setStatus(id: "I{n // 2}", status: {status}) '
                "{ ... on ApplySuccess { version } } }",
            )
            answered.append(time.perf_counter() - t)
            data = made["data"]
            assert isinstance(data, dict)
            version = data["setStatus"]["version"]
            while True:  # another client: it does not wait for the editor's write
                ext = ask(viewer, "{ alignment { score } }").get("extensions")
                if isinstance(ext, dict) and ext.get("version", 0) >= version:
                    break
            seen.append(time.perf_counter() - t)
            deadline = time.perf_counter() + 300
            while True:  # until what a patch carries (load-bearing among them) is current
                ext = ask(viewer, "{ loadBearing(first: 1) { totalCount } }").get("extensions")
                current = isinstance(ext, dict) and ext.get("version", 0) >= version
                if current and isinstance(ext, dict) and not ext.get("stale"):
                    break
                if time.perf_counter() > deadline:
                    raise SystemExit(f"still stale 300 s after writing version {version}")
                time.sleep(0.02)
            whole.append(time.perf_counter() - t)
        stop.set()
        for r in readers:
            r.join()
    finally:
        server.terminate()
        server.wait(timeout=60)
    p99 = sorted(lat)[int(len(lat) * 0.99)] if lat else float("nan")
    print(
        f"  {n:,} nodes: a write answered in {statistics.median(answered):.2f} s and seen by"
        f" another client after {statistics.median(seen):.2f} s"
        f" (median of {len(seen)}, the write's request included; the patch itself is measured"
        f" by benchmarks/patch.py); readers meanwhile p99 {p99 * 1000:,.0f} ms over {len(lat)}"
    )
    print(
        f"  {n:,} nodes: no analysis stale {statistics.median(whole):.2f} s after the write"
        " (the server waits for a second without writes, then refreshes what a patch carries)"
    )
    shutil.rmtree(db.parent, ignore_errors=True)


SECTIONS: dict[str, Callable[[Sequence[int]], None]] = {
    "import": bench_import,
    "analyze": bench_analyze,
    "after": bench_after_import,
    "serve": bench_serve,
    "los": bench_line_of_sight,
    "write": bench_write,
    "rss": bench_rss,
}


def main() -> None:
    global REPEAT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs per figure (median)")
    args = parser.parse_args()
    REPEAT = args.repeat
    load = os.getloadavg()
    print(
        f"user paths: {', '.join(f'{n:,}' for n in args.sizes)} nodes; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores"
    )
    compiled()
    for name in args.only.split(","):
        SECTIONS[name](args.sizes)


def compiled() -> None:
    """Byte-compile the project's modules, as a user's Python holds them after the first run
    (or pip at install). Where PYTHONDONTWRITEBYTECODE is set (this workplace, many CI
    images) every process would otherwise compile them again: 0.08 s of each command's start,
    which no user pays."""
    import compileall

    for package in ("service", "importers", "graph_schema", "clients"):
        compileall.compile_dir(ROOT / package, quiet=1)


if __name__ == "__main__":
    main()
