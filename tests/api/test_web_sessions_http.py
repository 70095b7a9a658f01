"""The session cookie's attributes over plain HTTP and over HTTPS, and the sign-in redirect."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from service.api.app import create_app
from service.roles import Role
from service.store.base import ChangeSet
from service.store.sqlite import SQLiteStore
from service.store.tokens import TokenStore
from tests.conftest import node


class Client:
    """A blocking client of an app in this process, without its lifespan (httpx over ASGI)."""

    def __init__(self, app: Any, base_url: str = "http://t") -> None:
        self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.cookies = self._http.cookies

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return asyncio.run(self._http.get(url, **kw))

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return asyncio.run(self._http.post(url, **kw))


def test_the_cookie_is_httponly_strict_and_secure_on_https(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "w.db")
    store.apply("acme", ChangeSet(nodes=[node("V", "Vision")]))
    tokens = TokenStore(tmp_path / "w.db")
    token = tokens.create("acme", Role.VIEWER)
    app = create_app(store, tokens=tokens)
    for scheme, secure in (("http", False), ("https", True)):
        c = Client(app, base_url=f"{scheme}://t")
        assert c.get("/").headers["location"] == "/signin?next=/"
        bad = c.post("/signin", data={"token": "smt_nope"})
        assert bad.status_code == 401 and "set-cookie" not in bad.headers
        # a redirect off the site is never followed
        off = c.post("/signin?next=//evil.example/", data={"token": token})
        assert off.headers["location"] == "/"
        ok = c.post("/signin?next=/units/x", data={"token": token})  # ends the one before
        assert ok.status_code == 303 and ok.headers["location"] == "/units/x"
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert ("secure" in cookie.split("; ")) is secure, cookie
        assert "max-age" not in cookie  # the server ends it after 8 idle hours, not the browser
        session_id = ok.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        c.cookies.clear()
        page = c.get("/", headers={"cookie": f"stratmap_session={session_id}"})
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    tokens.close()
    store.close()


def test_graphql_reads_the_session_beside_a_malformed_cookie_and_auth_off_is_loopback_only(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "w.db")
    store.apply("acme", ChangeSet(nodes=[node("V", "Vision")]))
    tokens = TokenStore(tmp_path / "w.db")
    c = Client(create_app(store, tokens=tokens))
    signed = c.post("/signin", data={"token": tokens.create("acme", Role.VIEWER)})
    session_id = signed.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    page = c.get("/", headers={"cookie": f"stratmap_session={session_id}"}).text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    c.cookies.clear()
    # another app on localhost left a cookie Python's SimpleCookie cannot read
    headers = {"cookie": f'a={{"x":1}}; stratmap_session={session_id}', "x-csrf-token": csrf}
    answer = c.post("/graphql", json={"query": "{ alignment { score } }"}, headers=headers)
    assert answer.status_code == 200, answer.text
    wrong = {**headers, "x-csrf-token": ("é" + csrf).encode()}  # not ASCII: a 403, not a 500
    assert c.post("/graphql", json={"query": "{ __typename }"}, headers=wrong).status_code == 403
    # auth off: the web app too answers only requests addressed to a loopback name
    open_app = Client(create_app(store, tokens=None, open_tenant="acme"))
    assert open_app.get("/", headers={"host": "evil.example"}).status_code == 403
    assert open_app.get("/", headers={"host": "127.0.0.1:8000"}).status_code == 200
    crossed = open_app.post(
        "/gaps/V/accept", data={"parent": "X"}, headers={"sec-fetch-site": "cross-site"}
    )
    assert crossed.status_code == 403
    tokens.close()
    store.close()
