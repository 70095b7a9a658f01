"""`stratmap serve` and `stratmap token create`."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from pathlib import Path

import click
import uvicorn

from service.api.graphiql import missing_assets
from service.auth import Role, TokenStore
from service.bootstrap import build_app
from service.settings import Settings


def is_loopback(host: str) -> bool:
    try:
        return all(
            ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)
        )
    except (OSError, ValueError):
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file (default: $STRATMAP_DB, else ./stratmap.db).",
)
@click.option(
    "--no-auth", is_flag=True, help="Serve without tokens: allowed on a loopback address only."
)
@click.option("--tenant", default=None, help="With --no-auth: the organisation served.")
def serve(host: str, port: int, db: Path | None, no_auth: bool, tenant: str | None) -> None:
    """Serve the GraphQL API (and GraphiQL in a browser) at http://HOST:PORT/graphql."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if no_auth and not is_loopback(host):
        raise click.UsageError(
            f"--no-auth is refused on {host}: it is only allowed on a loopback address"
        )
    if no_auth:
        click.secho(
            "!" * 72 + f"\n!! AUTH IS OFF: anyone who can reach {host}:{port} reads and writes.\n"
            "!! Allowed only because the address is loopback.\n" + "!" * 72,
            fg="red",
            err=True,
        )
    missing = missing_assets()
    if missing:
        click.secho(
            f"GraphiQL assets are missing ({len(missing)}); run `make setup`. The API works without them.",
            fg="yellow",
            err=True,
        )
    app = build_app(Settings(), db=db, auth=not no_auth, tenant=tenant)
    click.echo(
        f"stratmap serving http://{host}:{port}/graphql (GraphiQL in a browser), /healthz", err=True
    )
    # uvicorn finishes in-flight requests on SIGTERM/SIGINT before the lifespan closes the store
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_level="info", timeout_graceful_shutdown=10
    )


@click.group()
def token() -> None:
    """API tokens: each bound to one tenant and one role."""


@token.command("create")
@click.option("--tenant", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--label", default=None, help="What the token is for (shown nowhere but the database)."
)
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None)
def create(tenant: str, role: str, label: str | None, db: Path | None) -> None:
    """Create a token and print it once: only its hash is stored."""
    store = TokenStore(db if db is not None else Settings().db)
    try:
        click.echo(store.create(tenant, Role(role), label))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tenant") from None
    finally:
        store.close()


@token.command("list")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None)
def list_tokens(db: Path | None) -> None:
    """List tokens (never the secret: only the first characters of its hash)."""
    store = TokenStore(db if db is not None else Settings().db)
    for t in store.list():
        click.echo(
            f"{t['id']}  {t['tenant']:<16} {t['role']:<7} {t['created']}  {t['label'] or ''}"
        )
    store.close()


@token.command("revoke")
@click.argument("token_id")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None)
def revoke(token_id: str, db: Path | None) -> None:
    """Revoke the token with this id (from `token list`); a running server stops accepting it
    within 30 seconds."""
    store = TokenStore(db if db is not None else Settings().db)
    try:
        count = store.revoke(token_id)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        store.close()
    if count == 0:
        click.echo(f"no token with id {token_id}", err=True)
        sys.exit(2)
    click.echo(f"revoked {count} token(s)")
