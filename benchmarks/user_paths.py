"""What a user runs, timed as they run it (the `stratmap` command, the server over HTTP), each
against its floor measured in the same run on the same data, printing the ratio and the goal.

    python benchmarks/user_paths.py [--only import,analyze,...] [100000 1000000]

Sections (issue 13's table; all by default):
  import    `stratmap import big.csv` into a fresh store  vs  `sqlite3 .import` of the file;
            a re-import with 1% of rows changed  vs  parsing the file + reading the tenant's rows;
            peak RSS per row at each size
Each figure is the median of REPEAT runs. The CSV files and stores are generated from
benchmarks/orggen.py into benchmarks/.cache once.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.orggen import GENERATION, org_nodes  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
STRATMAP = Path(sys.executable).with_name("stratmap")
REPEAT = 3
GOALS = {"import_vs_sqlite3": 10.0, "reimport_vs_floor": 2.0, "rss_per_row_spread": 0.20}
HEADER = ["id", "kind", "title", "parents", "owner", "unit", "status"]


def run(argv: Sequence[str], *, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (bytes) of one child process; it must succeed."""
    t = time.perf_counter()
    child = subprocess.Popen(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} failed ({child.returncode}):\n{err}")
    return wall, usage.ru_maxrss * 1024


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


def stratmap_import(file: Path, db: Path, *, fresh: bool = True) -> tuple[float, int]:
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return run([str(STRATMAP), "import", str(file), "--db", str(db), "--tenant", "bench"])


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
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.db"
        for n in sizes:
            file, changed = org_csv(n), org_csv(n, 0.01)
            db = Path(tmp) / f"import-{n}.db"
            floor = statistics.median(sqlite3_import(file, plain) for _ in range(REPEAT))
            walls, peaks = [], []
            for _ in range(REPEAT):
                wall, peak = stratmap_import(file, db)
                walls.append(wall)
                peaks.append(peak)
            fresh = statistics.median(walls)
            rss_per_row[n] = statistics.median(peaks) / n
            again, floor_again = [], []
            for _ in range(REPEAT):
                stratmap_import(file, db)  # back to the original, untimed
                again.append(stratmap_import(changed, db, fresh=False)[0])
                floor_again.append(parse_and_read(changed, db))
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
                f"  {n:,} rows: peak RSS {statistics.median(peaks) / 2**20:.0f} MB"
                f" ({rss_per_row[n]:.0f} B/row; {n / fresh:,.0f} rows/s)"
            )
    if len(rss_per_row) > 1:
        lo, hi = min(rss_per_row.values()), max(rss_per_row.values())
        spread, goal = hi / lo - 1, GOALS["rss_per_row_spread"]
        print(
            f"  peak RSS per row differs by {spread:.0%} across sizes"
            f" (goal <= {goal:.0%}: {verdict(spread, goal)})"
        )


SECTIONS: dict[str, Callable[[Sequence[int]], None]] = {"import": bench_import}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"user paths: {', '.join(f'{n:,}' for n in args.sizes)} nodes; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores"
    )
    for name in args.only.split(","):
        SECTIONS[name](args.sizes)


if __name__ == "__main__":
    main()
