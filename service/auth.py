"""Bearer tokens: created once, shown once, stored only as a hash, bound to a tenant and a role."""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
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

    def __init__(self, path: str | Path) -> None:
        from service.store.sqlite import SQLiteStore  # runs the migrations that create the table

        SQLiteStore(path).close()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 10000")
        self._cache: dict[str, Principal | None] = {}

    def create(self, tenant: str, role: Role, label: str | None = None) -> str:
        token = PREFIX + secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO api_token(hash, tenant, role, label, created_at) VALUES (?, ?, ?, ?, ?)",
            (_hash(token), tenant, role.value, label, datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )
        return token

    def verify(self, token: str) -> Principal | None:
        digest = _hash(token)
        if digest in self._cache:  # requests must not cost a database read each
            return self._cache[digest]
        row = self._db.execute("SELECT tenant, role FROM api_token WHERE hash = ?", (digest,)).fetchone()
        principal = Principal(row[0], Role(row[1])) if row else None
        if principal is not None:
            self._cache[digest] = principal
        return principal

    def close(self) -> None:
        self._db.close()
