"""Tokens that expire and rotate; every write audited with who made it, through API and CLI."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from service.cli.main import cli
from service.roles import Role
from service.store.tokens import TokenStore
from tests.api.conftest import Api

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_a_token_stops_working_when_it_expires_even_if_cached(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "t.db")
    short = tokens.create("acme", Role.VIEWER, expires_in=timedelta(seconds=0.4))
    lasting = tokens.create("acme", Role.VIEWER)
    assert tokens.verify(short) is not None  # now cached, for no longer than it lives
    time.sleep(0.5)
    assert tokens.verify(short) is None and tokens.verify(lasting) is not None
    listed = {t["id"]: t["expires"] for t in tokens.list()}
    assert sorted(v is None for v in listed.values()) == [False, True]
    tokens.close()


def test_rotating_a_token_replaces_it_with_the_same_rights_and_lifetime(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "t.db")
    old = tokens.create("acme", Role.EDITOR, "ci", expires_in=timedelta(days=90))
    tokens.verify(old)
    (entry,) = tokens.list()
    new = tokens.rotate(str(entry["id"]))
    assert tokens.verify(old) is None  # the cache is dropped with the old token
    principal = tokens.verify(new)
    assert principal is not None and (principal.tenant, principal.role) == ("acme", Role.EDITOR)
    (again,) = tokens.list()
    assert again["label"] == "ci" and again["id"] != entry["id"]
    lifetime = datetime.fromisoformat(str(again["expires"])) - datetime.fromisoformat(
        str(again["created"])
    )
    assert lifetime == timedelta(days=90)  # as long as the old one was given
    tokens.close()


def test_the_token_commands_create_with_an_expiry_and_rotate(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    run = CliRunner().invoke
    org = tmp_path / "a.csv"
    org.write_text("id,kind,title\nV,Vision,Be trusted\n", encoding="utf-8")
    assert run(cli, ["import", str(org), "--tenant", "a", "--db", db]).exit_code == 0
    made = run(
        cli,
        ["token", "create", "--tenant", "a", "--role", "viewer", "--expires", "90d", "--db", db],
    )
    assert made.exit_code == 0 and made.output.startswith("smt_")
    bad = run(
        cli,
        ["token", "create", "--tenant", "a", "--role", "viewer", "--expires", "soon", "--db", db],
    )
    assert bad.exit_code == 2 and "90d, 12h or 4w" in bad.output
    listed = run(cli, ["token", "list", "--db", db]).output
    assert "expires 20" in listed
    rotated = run(cli, ["token", "rotate", listed[:12], "--db", db])
    assert rotated.exit_code == 0 and rotated.output.strip() != made.output.strip()
    assert run(cli, ["token", "rotate", "deadbeef00", "--db", db]).exit_code == 2


def test_an_api_write_is_audited_with_the_token_that_made_it(api: Api) -> None:
    api.data('mutation { link(childId: "O2", parentId: "G1") { __typename } }', token="editor")
    api.data('mutation { setStatus(id: "I1", status: DONE) { __typename } }', token="admin")
    last_two = api.store.audit("acme", last=2)
    editor_id = next(t["id"] for t in TokenStore(api.store.path).list() if t["role"] == "editor")
    assert [(r.actor, r.action, r.updated) for r in last_two] == [
        (f"api token {editor_id} (editor)", "link G1", ["O2"]),
        (last_two[1].actor, "setStatus done", ["I1"]),
    ]
    assert last_two[1].actor.endswith("(admin)")
    assert api.store.audit("other") == [] or all(
        "acme" not in r.actor for r in api.store.audit("other")
    )


def test_stratmap_audit_lists_who_wrote_what(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    run = CliRunner().invoke
    assert run(cli, ["import", str(EXAMPLES / "northwind.yaml"), "--db", db]).exit_code == 0
    assert run(cli, ["import", str(EXAMPLES / "northwind.yaml"), "--db", db]).exit_code == 0
    shown = run(cli, ["audit", "--db", db])
    assert (
        shown.exit_code == 0 and "import northwind.yaml" in shown.output and "cli" in shown.output
    )
    records = json.loads(run(cli, ["audit", "--json", "--db", db]).output)
    assert len(records) == 1  # the second import changed nothing: nothing to audit
    count = sqlite3.connect(db).execute("SELECT COUNT(*) FROM node").fetchone()[0]
    assert len(records[0]["created"]) == count and records[0]["actor"].startswith("cli")
