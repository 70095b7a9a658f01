"""The embedded default store: one SQLite file, WAL, every write one transaction."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, wraps
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar, cast

from graph_schema import Node, Person, Unit, Value
from graph_schema.rows import GraphDelta, GraphRows, LinkRow, NodeRecord, NodeRow
from graph_schema.sqlite_ddl import MIGRATIONS
from graph_schema.titles import fingerprint
from service.gcpause import gc_paused
from service.store import sqlite_ancestry
from service.store.base import (
    ApplyResult,
    AuditRecord,
    ChangeSet,
    StoreBusy,
    StoreError,
    audit_of,
)
from service.store.records import (
    SharedValues,
    as_record,
    batches,
    classify,
    describe_change,
    rows_to_node,
)
from service.store.sqlite_ancestry import ANCESTRY

BATCH = 500  # rows per round trip; well under SQLite's 32766 bound-parameter limit
# A write's page cache, in KiB (SQLite's default: 2 MB). An import writes each batch into three
# B-trees at once (nodes, links, links by target), keyed by id rather than in file order; with
# 2 MB each batch evicted pages the next needed: a 1M-row import's write took 20-24 s, 18-20 s
# with 64 MB. SQLite takes pages only as the write needs them, and apply gives them back when
# it ends (shrink_memory), so a small write costs no more and reads keep the default.
WRITE_CACHE_KIB = 64 << 10
# A write of more changed nodes than this gives no delta (ApplyResult.delta): engines rebuild
# instead. A re-import that changes 1% of a million-node tenant (10k nodes) is patched in
# 0.2-0.3 s where a rebuild reads and builds for about 10 s. Only the changed ids are kept while
# the write runs; their rows are read back at its end, and only if they come to at most
# DELTA_BYTES by the import spool's estimate (100 bytes a row and a link, plus the title and
# description): a file of long descriptions or long parent lists is not held again as a delta.
DELTA_LIMIT = 20_000
DELTA_BYTES = 8_000_000
_NODE_COLS = ", ".join(NodeRow._fields)
_NODE_UPDATE = ", ".join(f"{c}=excluded.{c}" for c in NodeRow._fields if c != "id")
# an upsert row: the tenant, the node's fields, its title's fingerprint
_UPSERT_COLS = ("tenant", *NodeRow._fields, "fingerprint")
_ALWAYS = frozenset(("tenant", "id", "kind", "title", "status", "fingerprint"))  # never NULL


@cache
def _upsert(columns: tuple[int, ...]) -> str:
    """The upsert of rows holding only these of _UPSERT_COLS. Every other column is NULL in
    every row of the batch: binding them cost 40% of an import's node writes (a generic CSV
    fills 7 of 17 fields). The update still sets every field, each omitted one from
    `excluded`, which holds its default (NULL): a row that loses its owner loses it."""
    names = ", ".join(_UPSERT_COLS[i] for i in columns)
    return (
        f"INSERT INTO node({names}) VALUES ({', '.join('?' * len(columns))})"
        f" ON CONFLICT(tenant, id) DO UPDATE SET {_NODE_UPDATE},"
        " fingerprint = excluded.fingerprint"
    )


def _upsert_batch(rows: list[tuple[Any, ...]]) -> tuple[str, list[tuple[Any, ...]]]:
    """The statement for a batch of upsert rows and the rows to bind to it: the columns that
    are NULL in all of them left out (column by column, in C: zip and count)."""
    if not rows:
        return _upsert(tuple(range(len(_UPSERT_COLS)))), rows
    columns = list(zip(*rows, strict=True))
    size = len(rows)
    kept = tuple(
        i
        for i, (name, values) in enumerate(zip(_UPSERT_COLS, columns, strict=True))
        if name in _ALWAYS or values.count(None) != size
    )
    if len(kept) == len(_UPSERT_COLS):
        return _upsert(kept), rows
    return _upsert(kept), list(zip(*(columns[i] for i in kept), strict=True))


_NEW_TENANT = (
    "INSERT OR IGNORE INTO tenant(tenant, version, epoch) VALUES (?, 0, lower(hex(randomblob(16))))"
)

F = TypeVar("F", bound=Callable[..., Any])


def _serialised(method: F) -> F:
    """One call at a time on the store's connection. The API runs each request in a worker
    thread, and one sqlite3 connection used by two threads at once interleaves transactions
    ("cannot start a transaction within a transaction": 4 of 548 writes under load).

    Waiting is bounded: for this connection by the write wait, for SQLite's write lock (another
    process: a CLI import beside the server) by its busy timeout, the same wait. Either running
    out is StoreBusy, so a caller can say "busy, try again" instead of a masked error.
    """

    @wraps(method)
    def locked(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
        if not self._lock.acquire(timeout=self.write_wait_seconds):
            raise self._busy("another request of this server")
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            if sqlite_ancestry.is_busy(exc):
                raise self._busy("another process (a CLI import, a second server?)") from exc
            raise
        finally:
            self._lock.release()

    return cast(F, locked)


class SQLiteStore:
    def __init__(
        self, path: str | Path, *, busy_timeout_ms: int = 10_000, batch_size: int = BATCH
    ) -> None:
        self.path = str(path)
        self.batch_size = batch_size
        self._lock = threading.RLock()  # apply reads through get: the same thread re-enters
        self._local = threading.local()  # each thread's read connection (see _reading)
        # each reader with the lock it is used under, so close() never pulls one from under a read
        self._readers: list[tuple[sqlite3.Connection, threading.Lock]] = []
        self._busy_timeout_ms = int(busy_timeout_ms)
        self.write_wait_seconds = busy_timeout_ms / 1000
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a write is exactly one
            # transaction.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._read_cache = self._db.execute("PRAGMA cache_size").fetchone()[0]
            self._db.create_function("stratmap_fingerprint", 1, fingerprint, deterministic=True)
            self._migrate()
        except sqlite3.DatabaseError as exc:  # a file that is not SQLite's: say so, no traceback
            self._db.close()
            if sqlite_ancestry.is_busy(exc):  # another writer held it (a migration waits too)
                raise self._busy("another process (a CLI import, a second server?)") from exc
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        except BaseException:
            self._db.close()
            raise

    # -- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        current = self._db.execute("PRAGMA user_version").fetchone()[0]
        if current > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer stratmap "
                f"(schema {current}, this one knows {len(MIGRATIONS)})"
            )
        for number in range(current + 1, len(MIGRATIONS) + 1):
            script = MIGRATIONS[number - 1]
            # executescript commits first; the BEGIN inside keeps each migration atomic.
            self._db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )

    @_serialised
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- writes -------------------------------------------------------------------------
    @_serialised
    def apply(self, tenant: str, changes: ChangeSet, *, dry_run: bool = False) -> ApplyResult:
        db = self._db
        result = ApplyResult(dry_run=dry_run)
        written: list[str] | None = None if dry_run else []  # the changed nodes' ids
        size = 0  # their estimated size (DELTA_BYTES)
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
            db.execute(_NEW_TENANT, (tenant,))
            self._apply_org(tenant, changes, result)
            prune = changes.prune_source is not None
            if prune:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS seen(id TEXT PRIMARY KEY)")
                db.execute("DELETE FROM temp.seen")
            nodes: Iterable[Node | NodeRecord] = changes.nodes
            if changes.edit is not None:  # BEGIN IMMEDIATE holds the write lock: read, then write
                edited = list(changes.edit.change(self.get(tenant, changes.edit.ids)))
                nodes = chain(edited, nodes)
            for batch in batches(map(as_record, nodes), self.batch_size):
                size += self._apply_nodes(tenant, batch, result, written)
                if written is not None and (len(written) > DELTA_LIMIT or size > DELTA_BYTES):
                    written = None
                if prune:
                    db.executemany(
                        "INSERT OR IGNORE INTO temp.seen VALUES (?)", [(r.id,) for r, _ in batch]
                    )
            for doomed in batches(changes.delete_ids, BATCH):
                slots = ",".join("?" * len(doomed))
                rows = db.execute(
                    f"DELETE FROM node WHERE tenant = ? AND id IN ({slots}) RETURNING id",
                    (tenant, *doomed),
                ).fetchall()
                result.removed.extend(r[0] for r in rows)
            if prune:
                rows = db.execute(
                    "DELETE FROM node WHERE tenant = ? AND source = ?"
                    " AND id NOT IN (SELECT id FROM temp.seen)"
                    " RETURNING id",
                    (tenant, changes.prune_source),
                ).fetchall()
                result.removed.extend(r[0] for r in rows)
            version = db.execute(
                "SELECT version FROM tenant WHERE tenant = ?", (tenant,)
            ).fetchone()[0]
            if result.changed:
                version += 1
                db.execute("UPDATE tenant SET version = ? WHERE tenant = ?", (version, tenant))
            result.version = version
            if written is not None and result.changed and not result.removed:
                result.delta = self._delta(tenant, result, written)
            if result.changed and not dry_run:  # in the write's transaction: no write unaudited
                # a write that changes something makes exactly one version: it numbers the record
                a = audit_of(changes, result, version)
                db.execute(
                    "INSERT INTO audit(tenant, seq, at, actor, action, version, changes)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (tenant, a.seq, a.at, a.actor, a.action, a.version, a.changes_json()),
                )
            db.execute("ROLLBACK" if dry_run else "COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.execute(f"PRAGMA cache_size = {self._read_cache}")
            db.execute("PRAGMA shrink_memory")
        result.removed.sort()
        return result

    def _delta(self, tenant: str, result: ApplyResult, written: list[str]) -> GraphDelta | None:
        """The write as rows, for engines to update from; None where it changed the org. The
        changed rows are read back in the write's transaction, as a rebuild would read them:
        keeping them while the write ran held every row of a file of long descriptions."""
        if result.org_changed:
            return None
        db = self._db
        created = result.created
        incoming: list[LinkRow] = []
        mine = set(written)
        for some in batches(created, BATCH):
            slots = ",".join("?" * len(some))
            incoming += [
                LinkRow(*r)
                for r in db.execute(
                    "SELECT src, rel, dst, weight, ord FROM link"
                    f" WHERE tenant = ? AND dst IN ({slots}) ORDER BY src, rel, dst",
                    (tenant, *some),
                )
                if r[0] not in mine
            ]
        ids = sorted(mine)
        stored = self._stored(tenant, ids)
        return GraphDelta(
            base=result.version - 1,
            version=result.version,
            nodes=[stored[i][0] for i in ids],
            links=[stored[i][1] for i in ids],
            fingerprints=[stored[i][2] for i in ids],
            incoming=incoming,
        )

    def _stored(
        self, tenant: str, ids: Sequence[str]
    ) -> dict[str, tuple[NodeRow, list[LinkRow], bytes]]:
        """The stored row of each of these ids that has one, with its links in the store's
        read order (rel, then dst) and its title's fingerprint: a few queries a batch."""
        found: dict[str, tuple[NodeRow, list[LinkRow], bytes]] = {}
        for some in batches(ids, BATCH):
            slots = ",".join("?" * len(some))
            for r in self._db.execute(
                f"SELECT {_NODE_COLS}, fingerprint FROM node WHERE tenant = ? AND id IN ({slots})",
                (tenant, *some),
            ):
                found[r[0]] = (NodeRow._make(r[:-1]), [], r[-1])
            for r in self._db.execute(
                "SELECT src, rel, dst, weight, ord FROM link"
                f" WHERE tenant = ? AND src IN ({slots}) ORDER BY src, rel, dst",
                (tenant, *some),
            ):
                found[r[0]][1].append(LinkRow(*r))
        return found

    def _apply_nodes(
        self,
        tenant: str,
        batch: list[NodeRecord],
        result: ApplyResult,
        written: list[str] | None = None,
    ) -> int:
        """Write one batch; the estimated size of the rows it changed (DELTA_BYTES)."""
        db = self._db
        if len({r.id for r, _ in batch}) < len(batch):
            # a node given twice in one batch (an edit beside an upsert of it): the last one
            # wins, as across batches; both would insert their links (a key violation, or
            # the union of the two)
            batch = list({r.id: (r, links) for r, links in batch}.values())
        ids = [r.id for r, _ in batch]
        slots = ",".join("?" * len(ids))
        # rows as read: a NamedTuple equals the plain tuple of its values, so a re-import of
        # unchanged rows (most of a nightly sync) builds no NodeRow or LinkRow to compare them
        existing: dict[str, tuple[Any, ...]] = {
            r[0]: r
            for r in db.execute(
                f"SELECT {_NODE_COLS} FROM node WHERE tenant = ? AND id IN ({slots})",
                (tenant, *ids),
            )
        }
        old_links: dict[str, set[tuple[Any, ...]]] = {}
        for r in db.execute(
            f"SELECT src, rel, dst, weight, ord FROM link WHERE tenant = ? AND src IN ({slots})",
            (tenant, *ids),
        ):
            old_links.setdefault(r[0], set()).add(r)
        # Three statements a batch, whatever its size: a row-at-a-time loop of execute() calls
        # was a third of a 100k-row import.
        upserts: list[tuple[Any, ...]] = []
        relinked: list[tuple[str, str]] = []
        new_links: list[tuple[Any, ...]] = []
        size = 0
        for row, links in batch:
            stored = existing.get(row.id)
            had = None if stored is None else row if stored == row else NodeRow._make(stored)
            before = None if had is None else (had, old_links.get(row.id, set()))
            change = classify(before, row, links)
            if change == "unchanged":
                result.unchanged += 1
                continue
            getattr(result, change).append(row.id)
            if result.dry_run and change == "updated" and had is not None:
                was = {LinkRow._make(x) for x in old_links.get(row.id, ())}
                result.diffs[row.id] = describe_change((had, was), row, links)
            blob = fingerprint(row.title)
            upserts.append((tenant, *row, blob))
            if written is not None:
                written.append(row.id)
                size += 100 * (1 + len(links)) + len(row.title) + len(row.description or "")
            if had is not None:
                relinked.append((tenant, row.id))
            new_links.extend((tenant, *link) for link in links)
        db.executemany(*_upsert_batch(upserts))
        db.executemany("DELETE FROM link WHERE tenant = ? AND src = ?", relinked)
        db.executemany(
            "INSERT INTO link(tenant, src, rel, dst, weight, ord) VALUES (?, ?, ?, ?, ?, ?)",
            new_links,
        )
        return size

    def _apply_org(self, tenant: str, changes: ChangeSet, result: ApplyResult) -> None:
        tables: list[tuple[str, tuple[str, ...], Sequence[Any]]] = [
            ("unit", ("id", "name", "parent"), [(u.id, u.name, u.parent) for u in changes.units]),
            (
                "person",
                ("id", "name", "email", "unit", "reports_to", "leads", "commits_to"),
                [
                    (
                        p.id,
                        p.name,
                        p.email,
                        p.unit,
                        p.reports_to,
                        json.dumps(list(p.leads)),
                        json.dumps(list(p.commits_to)),
                    )
                    for p in changes.people
                ],
            ),
            (
                "value",
                ("id", "name", "description"),
                [(v.id, v.name, v.description) for v in changes.values],
            ),
        ]
        for table, cols, rows in tables:
            col_list = ", ".join(cols)
            for row in rows:
                before = self._db.execute(
                    f"SELECT {col_list} FROM {table} WHERE tenant = ? AND id = ?", (tenant, row[0])
                ).fetchone()
                if before == row:
                    continue
                result.org_changed += 1
                self._db.execute(
                    f"INSERT OR REPLACE INTO {table}(tenant, {col_list})"
                    f" VALUES (?, {', '.join('?' * len(cols))})",
                    (tenant, *row),
                )

    @_serialised
    def record_history(
        self, tenant: str, label: str | None, score: float | None, payload: dict[str, Any]
    ) -> int:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(_NEW_TENANT, (tenant,))
            version = db.execute(
                "SELECT version FROM tenant WHERE tenant = ?", (tenant,)
            ).fetchone()[0]
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM history WHERE tenant = ?", (tenant,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO history(tenant, seq, at, label, version, score, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    tenant,
                    seq,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    label,
                    version,
                    score,
                    json.dumps(payload, sort_keys=True),
                ),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return int(seq)

    # -- reads --------------------------------------------------------------------------
    def version(self, tenant: str) -> int:
        with self._reading() as db:
            row = db.execute("SELECT version FROM tenant WHERE tenant = ?", (tenant,)).fetchone()
        return int(row[0]) if row else 0

    def snapshot_stamp(self, tenant: str) -> str | None:
        """One state of the tenant, for persisted engine snapshots: its epoch, version and last
        audit record (None: nothing stored)."""
        with self._reading() as db:
            db.execute("BEGIN")
            try:
                row = db.execute(
                    "SELECT epoch, version FROM tenant WHERE tenant = ?", (tenant,)
                ).fetchone()
                last = db.execute(
                    "SELECT seq, at FROM audit WHERE tenant = ? ORDER BY seq DESC LIMIT 1",
                    (tenant,),
                ).fetchone()
            finally:
                db.execute("COMMIT")
        if row is None or row[0] is None:
            return None
        seq, at = last if last is not None else (0, "")
        return f"{row[1]}/{row[0]}/{seq}/{at}"

    @_serialised
    def tenants(self) -> list[str]:
        return sqlite_ancestry.tenants(self._db)

    def read_graph(self, tenant: str) -> GraphRows:
        with self._reading() as db:
            return self._read_graph(db, tenant)

    def read_ancestry(self, tenant: str, ids: Sequence[str]) -> GraphRows:
        with self._reading() as db:
            return self._read_graph(db, tenant, ids)

    def _read_graph(
        self, db: sqlite3.Connection, tenant: str, seeds: Sequence[str] | None = None
    ) -> GraphRows:
        # With seeds: only they and every node above them (sqlite_ancestry.ANCESTRY).
        args: tuple[str, ...] = (tenant,)
        if seeds is None:
            scope, among = "", ""
        else:
            scope = ANCESTRY
            among, args = " AND id IN (SELECT id FROM up)", (tenant, json.dumps(list(seeds)))
        db.execute("BEGIN")  # one read transaction: nodes, links and version agree
        try:
            with gc_paused():
                # Both in primary-key order (no sort: the key is (tenant, id)), so they line up.
                shared = SharedValues()
                nodes = list(
                    map(
                        shared.node_row(),
                        db.execute(
                            f"{scope}SELECT {_NODE_COLS} FROM node WHERE tenant = ?1{among}"
                            " ORDER BY id",
                            args,
                        ),
                    )
                )
                fingerprints = [
                    r[0]
                    for r in db.execute(
                        f"{scope}SELECT fingerprint FROM node WHERE tenant = ?1{among} ORDER BY id",
                        args,
                    )
                ]
                links = list(
                    map(
                        shared.link_row(),
                        db.execute(
                            # the key's order, spelt out: an engine updated from a write's delta
                            # (service.engine.patch) keeps its links in this same order
                            f"{scope}SELECT src, rel, dst, weight, ord FROM link"
                            f" WHERE tenant = ?1{among.replace('id IN', 'src IN')}"
                            " ORDER BY src, rel, dst",
                            args,
                        ),
                    )
                )
            row = db.execute("SELECT version FROM tenant WHERE tenant = ?", (tenant,)).fetchone()
            units = [
                Unit(id=r[0], name=r[1], parent=r[2])
                for r in db.execute(
                    "SELECT id, name, parent FROM unit WHERE tenant = ? ORDER BY id", (tenant,)
                )
            ]
            people = [
                Person(
                    id=r[0],
                    name=r[1],
                    email=r[2],
                    unit=r[3],
                    reports_to=r[4],
                    leads=tuple(json.loads(r[5])),
                    commits_to=tuple(json.loads(r[6])),
                )
                for r in db.execute(
                    "SELECT id, name, email, unit, reports_to, leads, commits_to FROM person"
                    " WHERE tenant = ? ORDER BY id",
                    (tenant,),
                )
            ]
            values = [
                Value(id=r[0], name=r[1], description=r[2])
                for r in db.execute(
                    "SELECT id, name, description FROM value WHERE tenant = ? ORDER BY id",
                    (tenant,),
                )
            ]
        finally:
            db.execute("COMMIT")
        return GraphRows(
            int(row[0]) if row else 0, nodes, links, units, people, values, fingerprints
        )

    def node_ids_in_units(self, tenant: str, units: Sequence[str]) -> list[str]:
        with self._reading() as db:
            return sqlite_ancestry.node_ids_in_units(db, tenant, units)

    @_serialised
    def node_ids(self, tenant: str) -> list[str]:
        return sqlite_ancestry.node_ids(self._db, tenant)

    @_serialised
    def get(self, tenant: str, ids: Sequence[str]) -> list[Node]:
        stored = self._stored(tenant, ids)
        return [rows_to_node(*stored[i][:2]) for i in ids if i in stored]

    @_serialised
    def audit(self, tenant: str, last: int | None = None) -> list[AuditRecord]:
        rows = self._db.execute(
            "SELECT seq, at, actor, action, version, changes FROM audit"
            " WHERE tenant = ? ORDER BY seq DESC LIMIT ?",
            (tenant, -1 if last is None else last),
        ).fetchall()
        return [AuditRecord.of(*r) for r in reversed(rows)]

    @_serialised
    def history(self, tenant: str, last: int | None = None) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT seq, at, label, version, score, payload FROM history"
            " WHERE tenant = ? ORDER BY seq DESC LIMIT ?",
            (tenant, -1 if last is None else last),
        ).fetchall()
        return [
            {
                "seq": r[0],
                "at": r[1],
                "label": r[2],
                "version": r[3],
                "score": r[4],
                **json.loads(r[5]),
            }
            for r in reversed(rows)
        ]

    @_serialised
    def backup(self, dest: str | Path) -> str:
        """Copy the whole database to `dest` while it stays in use (SQLite's online backup: a
        consistent snapshot, writers merely wait), then check the copy; returns the check's
        verdict ("ok" when the copy is sound)."""
        try:
            target = sqlite3.connect(str(dest))
            try:
                self._db.backup(target)
                verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot back up {self.path} to {dest}: {exc}") from exc
        return str(verdict)

    def _busy(self, holder: str) -> StoreBusy:
        # not serialised: it only words the error, and it is called where the lock's own wait
        # ran out (waiting for the lock again made that wait unbounded)
        wait = self.write_wait_seconds
        return StoreBusy(
            sqlite_ancestry.busy_message(self.path, holder, wait),
            retry_after_seconds=max(1.0, wait),
        )

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for a whole-graph read or a version probe: the thread's own, outside the
        store's lock, so a second-long read of one tenant never holds up another tenant's writes
        or probes (WAL lets readers and one writer run together). An in-memory database has
        only the one connection."""
        if self.path == ":memory:":
            with self._lock:
                yield self._db
            return
        reader: tuple[sqlite3.Connection, threading.Lock] | None = getattr(self._local, "db", None)
        if reader is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA query_only = ON")
            db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            reader = self._local.db = (db, threading.Lock())
            with self._lock:
                self._readers.append(reader)
        with reader[1]:
            yield reader[0]

    def close(self) -> None:
        with self._lock:
            for reader, in_use in self._readers:
                with in_use:  # a build thread may still be reading: let it finish first
                    reader.close()
            self._readers.clear()
        self._db.close()
