"""The session cookie's attributes over plain HTTP and over HTTPS, and the sign-in redirect."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from service.api.app import create_app
from service.roles import Role
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from service.store.tokens import TokenStore
from tests.conftest import node


def test_the_cookie_is_httponly_strict_and_secure_on_https(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "w.db")
    store.apply("acme", ChangeSet(nodes=[node("V", "Vision")]))
    tokens = TokenStore(tmp_path / "w.db")
    token = tokens.create("acme", Role.VIEWER)
    app = create_app(store, tokens=tokens)
    for scheme, secure in (("http", False), ("https", True)):
        c = TestClient(app, base_url=f"{scheme}://t", follow_redirects=False)  # no lifespan
        assert c.get("/").headers["location"] == "/signin?next=/"
        bad = c.post("/signin", data={"token": "smt_nope"})
        assert bad.status_code == 401 and "set-cookie" not in bad.headers
        ok = c.post("/signin?next=/units/x", data={"token": token})
        assert ok.status_code == 303 and ok.headers["location"] == "/units/x"
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert ("secure" in cookie.split("; ")) is secure, cookie
        # a redirect off the site is never followed
        off = c.post("/signin?next=//evil.example/", data={"token": token})
        assert off.headers["location"] == "/"
        session_id = ok.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        c.cookies.clear()
        page = c.get("/", cookies={"stratmap_session": session_id})
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    tokens.close()
    store.close()
