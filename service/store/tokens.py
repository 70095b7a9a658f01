"""Bearer tokens: created once, shown once, stored only as a hash, bound to a tenant and a role.

A second adapter over the embedded SQLite file (table api_token, migration 2), beside the graph
store: tokens are the server's, not the organisation's, so they are no part of GraphStore.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.roles import Principal, Role
from service.store.sqlite import SQLiteStore

__all__ = ["PREFIX", "TokenStore"]

PREFIX = "smt_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _token_id(token_id: str) -> str:
    if len(token_id) < 8 or any(c not in "0123456789abcdef" for c in token_id):
        raise ValueError(
            "give at least 8 hexadecimal characters of the token id, as `token list` shows it"
        )
    return token_id


class TokenStore:
    """The tokens of one embedded SQLite file."""

    CACHE_SECONDS = 30.0  # how long a running server may honour a token revoked since

    def __init__(self, path: str | Path) -> None:
        SQLiteStore(path).close()  # runs the migrations that create the table
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 10000")
        # hash -> (principal, when cached, when it expires), both on the monotonic clock
        self._cache: dict[str, tuple[Principal, float, float]] = {}

    def create(
        self,
        tenant: str,
        role: Role,
        label: str | None = None,
        expires_in: timedelta | None = None,
    ) -> str:
        """A new token, shown this once; it expires after `expires_in` (never without)."""
        if not tenant or tenant != tenant.strip():
            raise ValueError("a token needs a tenant name without leading or trailing spaces")
        if expires_in is not None and expires_in <= timedelta(0):
            raise ValueError("a token's lifetime must be positive")
        token = PREFIX + secrets.token_urlsafe(32)
        self._insert(self._db, token, tenant, role.value, label, expires_in)
        return token

    @staticmethod
    def _insert(
        db: sqlite3.Connection,
        token: str,
        tenant: str,
        role: str,
        label: str | None,
        expires_in: timedelta | None,
    ) -> None:
        now = datetime.now(UTC)
        expires = (
            None if expires_in is None else (now + expires_in).isoformat(timespec="milliseconds")
        )
        db.execute(
            "INSERT INTO api_token(hash, tenant, role, label, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (_hash(token), tenant, role, label, now.isoformat(timespec="milliseconds"), expires),
        )

    def rotate(self, token_id: str, expires_in: timedelta | None = None) -> str:
        """A new token for the same tenant, role and label, and the old one revoked, at once.

        The new one lives `expires_in`, else as long as the old one was meant to live."""
        prefix = _token_id(token_id)
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = db.execute(
                "SELECT hash, tenant, role, label, created_at, expires_at FROM api_token"
                " WHERE substr(hash, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchall()
            if len(rows) != 1:
                raise ValueError(
                    f"no token with id {prefix}"
                    if not rows
                    else f"{len(rows)} tokens start with {prefix}: give more characters"
                )
            digest, tenant, role, label, created, expires = rows[0]
            if expires_in is None and expires is not None:
                expires_in = datetime.fromisoformat(expires) - datetime.fromisoformat(created)
            token = PREFIX + secrets.token_urlsafe(32)
            self._insert(db, token, tenant, role, label, expires_in)
            db.execute("DELETE FROM api_token WHERE hash = ?", (digest,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._cache.clear()
        return token

    def verify(self, token: str) -> Principal | None:
        digest = _hash(token)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self.CACHE_SECONDS and now < cached[2]:
            return cached[0]  # requests must not cost a database read each
        row = self._db.execute(
            "SELECT tenant, role, expires_at FROM api_token WHERE hash = ?", (digest,)
        ).fetchone()
        if row is None or (row[2] is not None and datetime.fromisoformat(row[2]) <= _now()):
            self._cache.pop(digest, None)
            return None
        principal = Principal(row[0], Role(row[1]), subject=digest[:12])
        until = float("inf")
        if row[2] is not None:  # never honoured from the cache past its expiry
            until = now + (datetime.fromisoformat(row[2]) - _now()).total_seconds()
        self._cache[digest] = (principal, now, until)
        return principal

    def list(self) -> list[dict[str, str | None]]:
        """Every token's hash prefix (its public name), tenant, role, label and creation time."""
        rows = self._db.execute(
            "SELECT hash, tenant, role, label, created_at, expires_at FROM api_token"
            " ORDER BY created_at"
        )
        return [
            {"id": h[:12], "tenant": t, "role": r, "label": lb, "created": c, "expires": x}
            for h, t, r, lb, c, x in rows
        ]

    def revoke(self, token_id: str) -> int:
        """Delete the tokens whose hash starts with token_id (12 characters from `list`)."""
        prefix = _token_id(token_id)
        cur = self._db.execute(
            "DELETE FROM api_token WHERE substr(hash, 1, ?) = ?", (len(prefix), prefix)
        )
        self._cache.clear()
        return cur.rowcount

    def close(self) -> None:
        self._db.close()
