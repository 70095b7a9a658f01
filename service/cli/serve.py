"""`stratmap serve`: the GraphQL API over HTTP."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from pathlib import Path

import click
import uvicorn

from service.bootstrap import build_app, missing_web_assets
from service.cli.options import BadInput, db_option, existing_db
from service.settings import Settings


def is_loopback(host: str) -> bool:
    try:
        return all(
            ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)
        )
    except (OSError, ValueError):
        return False


def _port_free(host: str, port: int) -> None:
    """Refuse a port another process holds, before the store is opened and a banner printed."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise BadInput(f"cannot serve on {host}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise BadInput(
                f"port {port} on {host} is in use ({exc.strerror}): stop what holds it, or "
                "choose another with --port"
            ) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@db_option
@click.option(
    "--no-auth", is_flag=True, help="Serve without tokens: allowed on a loopback address only."
)
@click.option("--tenant", default=None, help="With --no-auth: the organisation served.")
@click.option("--create", is_flag=True, help="Start a new, empty database when --db names none.")
def serve(
    host: str, port: int, db: Path | None, no_auth: bool, tenant: str | None, create: bool
) -> None:
    """Serve the GraphQL API (and GraphiQL in a browser) at http://HOST:PORT/graphql."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    settings = Settings()
    no_auth = no_auth or not settings.auth  # STRATMAP_AUTH=false is the flag, same checks
    if no_auth and not is_loopback(host):
        raise click.UsageError(
            f"--no-auth is refused on {host}: it is only allowed on a loopback address"
        )
    if settings.store == "sqlite":
        db = existing_db(db if db is not None else settings.db, create)
    _port_free(host, port)
    if no_auth:
        click.secho(
            "!" * 72 + f"\n!! AUTH IS OFF: anyone who can reach {host}:{port} reads and writes.\n"
            "!! Allowed only because the address is loopback.\n" + "!" * 72,
            fg="red",
            err=True,
        )
    missing = missing_web_assets()
    if missing:
        click.secho(
            f"GraphiQL assets are missing ({len(missing)}); run `make setup`. "
            "The API works without them.",
            fg="yellow",
            err=True,
        )
    app = build_app(settings, db=db, auth=not no_auth, tenant=tenant)
    click.echo(
        f"stratmap serving http://{host}:{port}/graphql (GraphiQL in a browser), /healthz", err=True
    )
    # uvicorn finishes in-flight requests on SIGTERM/SIGINT before the lifespan closes the store
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_level="info", timeout_graceful_shutdown=10
    )
