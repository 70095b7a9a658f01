"""Bearer tokens: created once, shown once, stored only as a hash, bound to a tenant and a role."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path


class Role(str, Enum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    def can_write(self) -> bool:
        return self.allows(Role.EDITOR)

    def allows(self, needed: "Role") -> bool:
        """Roles are ranked: an admin may do what an editor may, an editor what a viewer may."""
        order = (Role.VIEWER, Role.EDITOR, Role.ADMIN)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class Principal:
    tenant: str
    role: Role


PREFIX = "smt_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """Tokens live in the embedded SQLite file (table api_token, migration 2)."""

    CACHE_SECONDS = 30.0  # how long a running server may honour a token revoked since

    def __init__(self, path: str | Path) -> None:
        from service.store.sqlite import SQLiteStore  # runs the migrations that create the table

        SQLiteStore(path).close()
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
                datetime.now(timezone.utc).isoformat(timespec="seconds"),
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
        principal = Principal(row[0], Role(row[1]))
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
