"""Browser sessions: an API token exchanged once for a random session id kept in an HttpOnly
cookie. The token stays on the server; each request checks it again (so revoking it ends the
session, within the token store's 30 s cache), and a session idle for 8 hours ends too.

Sessions live in this process's memory: a restart signs everyone out, which is the safe way to
lose them. Every session carries its own CSRF token, which a form or a `/graphql` request sent
with the cookie must echo (`X-CSRF-Token`), so another site cannot act with it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.roles import Principal
from service.store.tokens import TokenStore

__all__ = ["COOKIE", "IDLE_SECONDS", "Session", "Sessions"]

COOKIE = "stratmap_session"
IDLE_SECONDS = 8 * 3600
MAX_SESSIONS = 10_000  # a flood of sign-ins cannot grow the table without bound
PER_TOKEN = 50  # sessions one token may hold: its own oldest goes first, nobody else's


@dataclass
class Session:
    id: str
    csrf: str
    token: str
    principal: Principal
    last_seen: float
    min_version: int = 0  # the newest version this session wrote: its pages wait for it


class Sessions:
    def __init__(
        self,
        tokens: TokenStore,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tokens, self.idle, self.clock = tokens, idle_seconds, clock
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, token: str) -> Session | None:
        """A new session for a valid token, None for an unknown, revoked or expired one."""
        token = token.strip()  # as verified: a pasted token often carries a space
        principal = self.tokens.verify(token)
        if principal is None:
            return None
        now = self.clock()
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), token, principal, now
        )
        with self._lock:
            mine = [s for s in self._by_id.values() if s.token == token]
            if len(mine) >= PER_TOKEN:  # one token signing in again and again evicts only its own
                del self._by_id[min(mine, key=lambda s: s.last_seen).id]
            if len(self._by_id) >= MAX_SESSIONS:
                self._drop_idle(now)
            if len(self._by_id) >= MAX_SESSIONS:  # still full of live ones: the oldest goes
                oldest = min(self._by_id.values(), key=lambda s: s.last_seen)
                del self._by_id[oldest.id]
            self._by_id[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id: not idle too long, its token still valid."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            session = self._by_id.get(session_id)
            if session is not None and now - session.last_seen > self.idle:
                del self._by_id[session_id]
                session = None
        if session is None:
            return None
        principal = self.tokens.verify(session.token)
        if principal is None:  # revoked or expired: the session ends with its token
            self.close(session_id)
            return None
        session.principal, session.last_seen = principal, now
        return session

    def close(self, session_id: str) -> None:
        with self._lock:
            self._by_id.pop(session_id, None)

    def _drop_idle(self, now: float) -> None:
        for sid in [s.id for s in self._by_id.values() if now - s.last_seen > self.idle]:
            del self._by_id[sid]
