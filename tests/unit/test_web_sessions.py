"""Browser sessions: a token exchanged once, ended by 8 idle hours, sign-out or revocation."""

from __future__ import annotations

from pathlib import Path

from service.roles import Role
from service.store.sqlite import SQLiteStore
from service.store.tokens import TokenStore
from service.web.sessions import IDLE_SECONDS, Sessions


def test_a_session_lives_while_used_and_ends_idle_revoked_or_closed(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "s.db").close()
    tokens = TokenStore(tmp_path / "s.db")
    tokens.CACHE_SECONDS = 0
    now = [1000.0]
    sessions = Sessions(tokens, clock=lambda: now[0])
    token = tokens.create("acme", Role.EDITOR)
    assert sessions.open("smt_nope") is None
    s = sessions.open(token)
    assert s is not None and s.principal.tenant == "acme" and s.id != s.csrf
    other = sessions.open(token)
    assert len(s.id) >= 40 and other is not None and other.id != s.id  # random, per sign-in
    now[0] += IDLE_SECONDS - 1
    assert sessions.get(s.id) is s  # used just in time: the idle clock starts again
    now[0] += IDLE_SECONDS - 1
    assert sessions.get(s.id) is s
    now[0] += IDLE_SECONDS + 1
    assert sessions.get(s.id) is None and sessions.get(s.id) is None  # idle too long: gone
    again = sessions.open(token)
    assert again is not None
    sessions.close(again.id)
    assert sessions.get(again.id) is None
    third = sessions.open(token)
    assert third is not None
    token_id = tokens.list()[0]["id"]
    assert token_id is not None and tokens.revoke(token_id) == 1
    assert sessions.get(third.id) is None  # the token is revoked: its sessions end
    assert sessions.get(None) is None and sessions.get("") is None
    tokens.close()


def test_a_pasted_token_with_spaces_works_and_one_token_evicts_only_its_own(
    tmp_path: Path,
) -> None:
    from service.web.sessions import PER_TOKEN

    SQLiteStore(tmp_path / "s.db").close()
    tokens = TokenStore(tmp_path / "s.db")
    sessions = Sessions(tokens)
    mine, other = tokens.create("acme", Role.VIEWER), tokens.create("globex", Role.VIEWER)
    spaced = sessions.open(f"  {mine}\n")
    assert spaced is not None and sessions.get(spaced.id) is spaced  # it does not end at once
    theirs = sessions.open(other)
    assert theirs is not None
    flood = [sessions.open(mine) for _ in range(PER_TOKEN)]
    assert all(s is not None for s in flood)
    assert sessions.get(spaced.id) is None  # its own oldest went
    assert sessions.get(theirs.id) is theirs  # nobody else's
    tokens.close()
