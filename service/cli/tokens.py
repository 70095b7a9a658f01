"""`stratmap token create | list | revoke`: the API's bearer tokens."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.cli.options import db_option
from service.roles import Role
from service.settings import Settings
from service.store.tokens import TokenStore

__all__ = ["token"]


@click.group()
def token() -> None:
    """API tokens: each bound to one tenant and one role."""


@token.command("create")
@click.option("--tenant", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--label", default=None, help="What the token is for (shown nowhere but the database)."
)
@db_option
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
@db_option
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
@db_option
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
