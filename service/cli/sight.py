"""`stratmap line-of-sight`: what a node, or a unit's work, serves, every chain up to the vision
with its breaks marked.

The command a manager runs again and again, so it answers in the time of its answer: from a
SQLite store it reads the nodes and everything above them (service.store.sqlite_ancestry) and
decides their line of sight in plain Python (service.ancestry_sight), importing neither
pydantic nor numpy nor the rest of the command line; `stratmap` starts it alone
(service.cli.entry). Anything else (a Neo4j store, a store to migrate, settings only
pydantic-settings reads, a period no node of the answer names) goes the general way, through
service.cli.main, loaded then; with --url it asks the server, through the client.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import click

from service.ancestry_sight import ancestry_line_of_sight
from service.cli.options import (
    BadInput,
    BusyStore,
    db_option,
    no_database,
    stored_tenant,
    tenant_option,
)
from service.errors import UnknownNode, UseCaseError
from service.store.sqlite_ancestry import SQLiteAncestry, busy_message, is_busy

__all__ = ["line_of_sight"]

# what service.settings.Settings reads the store's kind, its file and the wait for a busy one
# from (its defaults: "sqlite", stratmap.db, 5 s)
_SETTINGS = ("STRATMAP_STORE", "STRATMAP_DB", "STRATMAP_WRITE_WAIT_SECONDS")


@click.command("line-of-sight", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("node_id", required=False)
@click.option(
    "--unit",
    "unit_id",
    default=None,
    help="Every active initiative of this unit and the units below it.",
)
@click.option("--period", default=None)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: the engine's line of sight, or with --url what the API answered "
    "(its field names, the first page of paths).",
)
@click.option(
    "--url",
    default=None,
    help="Ask this server (GraphQL endpoint) instead of reading the local store.",
)
@click.option(
    "--token",
    envvar="STRATMAP_TOKEN",
    default=None,
    help="With --url: bearer token ($STRATMAP_TOKEN).",
)
@tenant_option
@db_option
def line_of_sight(
    node_id: str | None,
    unit_id: str | None,
    period: str | None,
    as_json: bool,
    url: str | None,
    token: str | None,
    tenant: str | None,
    db: Path | None,
) -> None:
    """What NODE_ID (or a unit's work) serves: every chain up to the vision, breaks marked."""
    if (node_id is None) == (unit_id is None):
        raise BadInput("give exactly one of NODE_ID or --unit UNIT_ID")
    if url is not None:
        _remote(url, token, node_id, unit_id, as_json)
        return
    items = _from_sqlite(db, tenant, period, node_id, unit_id)
    if items is None:
        # the general way (see the docstring); started alone, outside the command group, this
        # command says "busy" itself, as the group does for the others
        from service.cli.main import line_of_sight_items
        from service.store.base import StoreBusy

        try:
            items = line_of_sight_items(db, tenant, period, node_id, unit_id)
        except StoreBusy as exc:
            raise BusyStore(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    from service.cli.console import out
    from service.cli.render import line_of_sight_tree

    if unit_id is not None:
        _unit_summary(unit_id, [(i["node"]["kind"], bool(i["traced"])) for i in items])
    for item in items:
        out.print(line_of_sight_tree(item))


def _from_sqlite(
    db: Path | None, tenant: str | None, period: str | None, node_id: str | None, unit: str | None
) -> list[dict[str, Any]] | None:
    """The answer read from a SQLite store of this version's schema, as Settings would choose
    it; None where the general way must answer."""
    env = os.environ
    if any(k.upper() in _SETTINGS and k != k.upper() for k in env) or (
        env.get(_SETTINGS[0], "sqlite") != "sqlite"
    ):
        return None  # Neo4j, or a setting spelt in another case: Settings parses it
    given = env.get(_SETTINGS[2], "5")
    try:  # float() also reads digits of other scripts, which pydantic refuses
        wait = float(given) if given.isascii() else float("nan")
    except ValueError:
        return None  # Settings says what is wrong with it
    if not 0 < wait <= 600:
        return None
    path = db if db is not None else Path(env.get(_SETTINGS[1], "stratmap.db"))
    if not path.exists():
        raise no_database(path)
    try:
        reads = SQLiteAncestry.open(path, busy_timeout_ms=int(wait * 1000))
    except sqlite3.DatabaseError as exc:
        _refuse_if_busy(exc, path, wait)
        return None  # not a database: the general way says so
    if reads is None:
        return None
    try:
        name = stored_tenant(reads, tenant, path)
        try:
            return ancestry_line_of_sight(reads, name, period, node_id=node_id, unit=unit)
        except UnknownNode:
            raise BadInput(f"no node '{node_id}' in tenant '{name}'") from None
        except UseCaseError as exc:
            raise BadInput(f"{exc.message} in tenant '{name}'") from None
    except sqlite3.DatabaseError as exc:
        _refuse_if_busy(exc, path, wait)
        return None  # a damaged store: the general way says what it can of it
    finally:
        reads.close()


def _refuse_if_busy(exc: sqlite3.DatabaseError, path: Path, wait: float) -> None:
    """A store locked past the write wait is busy (exit 3) however it is read."""
    if is_busy(exc):
        raise BusyStore(busy_message(path, "another process", wait)) from exc


def _unit_summary(unit_id: str, work: list[tuple[str, bool]]) -> None:
    """The line above a unit's trees: its active work by kind, and how much of it is broken."""
    from service.cli.console import out

    broken = sum(1 for _, traced in work if not traced)
    kinds = Counter(kind for kind, _ in work)
    listed = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no active work"
    out.print(
        f"Unit [bold]{unit_id}[/bold]: {listed} ({len(work)} active nodes), "
        f"{broken} without line of sight"
    )


def _remote(
    url: str, token: str | None, node_id: str | None, unit_id: str | None, as_json: bool
) -> None:
    from clients import ApiError, StratmapClient
    from service.cli.console import out
    from service.cli.render import remote_line_of_sight_tree

    try:
        with StratmapClient(url, token) as client:
            found = client.line_of_sight(node_id, unit_id)
    except ApiError as exc:
        raise BadInput(f"{url}: {exc}") from None
    if as_json:  # what the API answered, as the client holds it (the API's field names)
        click.echo(
            json.dumps(
                [item.model_dump(mode="json", by_alias=True) for item in found],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if unit_id is not None:
        _unit_summary(unit_id, [(item.node.kind, item.traced) for item in found])
    for item in found:
        out.print(remote_line_of_sight_tree(item))
