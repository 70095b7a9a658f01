"""The reads of a line of sight from a node's ancestry (service.ancestry_sight), on a SQLite
connection, importing nothing but sqlite3 and json: what `stratmap line-of-sight NODE` runs
before it could have loaded pydantic or numpy. SQLiteStore shares the ancestry's recursive
walk, the tenant and id lists, and what it says of a busy database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from graph_schema import AncestryRows, Rel
from graph_schema.sqlite_ddl import MIGRATIONS

__all__ = [
    "ANCESTRY",
    "SQLiteAncestry",
    "busy_message",
    "is_busy",
    "node_ids",
    "node_ids_in_units",
    "tenants",
]

# The ids ?2 (a JSON list) and every node above them, walked up the SUPPORTS links by the
# primary key (tenant, src, ...) in one recursive query; UNION keeps a cycle finite. A parent
# that names no node is walked to and found in no table.
ANCESTRY = (
    "WITH RECURSIVE up(id) AS (SELECT value FROM json_each(?2) UNION"
    " SELECT l.dst FROM link l JOIN up ON l.tenant = ?1 AND l.src = up.id"
    f" AND l.rel = '{Rel.SUPPORTS.value}') "
)


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for another connection's lock."""
    return "locked" in str(exc) or "busy" in str(exc)


def busy_message(path: str | Path, holder: str, wait: float) -> str:
    return (
        f"the database {path} is busy: {holder} has been writing to it for over "
        f"{wait:g} s (STRATMAP_WRITE_WAIT_SECONDS); nothing was written, try again shortly"
    )


class AncestryRow(NamedTuple):
    """The columns of a node a line of sight reads."""

    id: str
    kind: str
    title: str
    status: str
    period: str | None
    owner: str | None
    unit: str | None
    scope: str | None
    effort: float | None


def tenants(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT tenant FROM tenant ORDER BY tenant")]


def node_ids(db: sqlite3.Connection, tenant: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM node WHERE tenant = ? ORDER BY id", (tenant,))]


def node_ids_in_units(db: sqlite3.Connection, tenant: str, units: Sequence[str]) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM node WHERE tenant = ? AND unit IN"
            " (SELECT value FROM json_each(?)) ORDER BY id",
            (tenant, json.dumps(sorted(units))),
        )
    ]


class SQLiteAncestry:
    """A read-only view of a SQLite store for line of sight (service.ancestry_sight's
    AncestryReads)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    def open(cls, path: Path, busy_timeout_ms: int = 10_000) -> SQLiteAncestry | None:
        """The store at `path` (which must exist), or None when its schema is not this
        version's: SQLiteStore migrates it, or says it is a newer one's. sqlite3.Error for a
        file that is no database."""
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA query_only = ON")
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
                return cls(db)
        except sqlite3.Error:
            db.close()
            raise
        db.close()
        return None

    def tenants(self) -> list[str]:
        return tenants(self._db)

    def node_ids(self, tenant: str) -> list[str]:
        return node_ids(self._db, tenant)

    def node_ids_in_units(self, tenant: str, units: Sequence[str]) -> list[str]:
        return node_ids_in_units(self._db, tenant, units)

    def ancestry(self, tenant: str, ids: Sequence[str]) -> AncestryRows:
        db, args = self._db, (tenant, json.dumps(list(ids)))
        db.execute("BEGIN")  # one read transaction: nodes, links and units agree
        try:
            nodes = list(
                map(
                    AncestryRow._make,
                    db.execute(
                        f"{ANCESTRY}SELECT {', '.join(AncestryRow._fields)} FROM node"
                        " WHERE tenant = ?1 AND id IN (SELECT id FROM up)",
                        args,
                    ),
                )
            )
            supports = db.execute(
                f"{ANCESTRY}SELECT src, dst, weight FROM link WHERE tenant = ?1"
                f" AND rel = '{Rel.SUPPORTS.value}' AND src IN (SELECT id FROM up)",
                args,
            ).fetchall()
            units = dict(
                db.execute("SELECT id, parent FROM unit WHERE tenant = ?", (tenant,)).fetchall()
            )
        finally:
            db.execute("COMMIT")
        return AncestryRows(nodes, supports, units)

    def close(self) -> None:
        self._db.close()
