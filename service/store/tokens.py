"""Bearer tokens: created once, shown once, stored only as a hash, bound to a tenant and a role.

A second adapter over the embedded SQLite file (table api_token, migration 2), beside the graph
store: tokens are the server's, not the organisation's, so they are no part of GraphStore.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from service.roles import Principal, Role
from service.store.sqlite import SQLiteStore

__all__ = ["PREFIX", "TokenStore"]

PREFIX = "smt_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """The tokens of one embedded SQLite file."""

    CACHE_SECONDS = 30.0  # how long a running server may honour a token revoked since

    def __init__(self, path: str | Path) -> None:
        SQLiteStore(path).close()  # runs the migrations that create the table
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 10000")
        self._cache: dict[str, tuple[Principal, float]] = {}

    def create(self, tenant: str, role: Role, label: str | None = None) -> str:
        if not tenant or tenant != tenant.strip():
            raise ValueError("a token needs a tenant name without leading or trailing spaces")
        token = PREFIX + secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO api_token(hash, tenant, role, label, created_at) VALUES (?, ?, ?, ?, ?)",
            (
                _hash(token),
                tenant,
                role.value,
                label,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
        return token

    def verify(self, token: str) -> Principal | None:
        digest = _hash(token)
        cached = self._cache.get(digest)
        if cached is not None and time.monotonic() - cached[1] < self.CACHE_SECONDS:
            return cached[0]  # requests must not cost a database read each
        row = self._db.execute(
            "SELECT tenant, role FROM api_token WHERE hash = ?", (digest,)
        ).fetchone()
        if row is None:
            self._cache.pop(digest, None)
            return None
        principal = Principal(row[0], Role(row[1]), subject=digest[:12])
        self._cache[digest] = (principal, time.monotonic())
        return principal

    def list(self) -> list[dict[str, str | None]]:
        """Every token's hash prefix (its public name), tenant, role, label and creation time."""
        rows = self._db.execute(
            "SELECT hash, tenant, role, label, created_at FROM api_token ORDER BY created_at"
        )
        return [
            {"id": h[:12], "tenant": t, "role": r, "label": lb, "created": c}
            for h, t, r, lb, c in rows
        ]

    def revoke(self, token_id: str) -> int:
        """Delete the tokens whose hash starts with token_id (12 characters from `list`)."""
        if len(token_id) < 8 or any(c not in "0123456789abcdef" for c in token_id):
            raise ValueError(
                "give at least 8 hexadecimal characters of the token id, as `token list` shows it"
            )
        cur = self._db.execute(
            "DELETE FROM api_token WHERE substr(hash, 1, ?) = ?", (len(token_id), token_id)
        )
        self._cache.clear()
        return cur.rowcount

    def close(self) -> None:
        self._db.close()
