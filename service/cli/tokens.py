"""`stratmap token create | list | rotate | revoke`: the API's bearer tokens."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from service.bootstrap import open_store
from service.cli.options import BadInput, db_option, existing_db
from service.roles import Role
from service.settings import Settings
from service.store.tokens import TokenStore

__all__ = ["token"]


_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class Lifetime(click.ParamType[timedelta]):
    """A token's lifetime: a whole number and a unit, 90d, 12h or 4w."""

    name = "lifetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        text = str(value).strip().lower()
        number, unit = text[:-1], text[-1:]
        if unit not in _UNITS or not number.isdigit() or int(number) == 0:
            self.fail(f"{value!r} is no lifetime: write it as 90d, 12h or 4w", param, ctx)
        if int(number) > 3650 * 24:
            self.fail(f"{value!r} is over ten years: leave --expires out for no expiry", param, ctx)
        return timedelta(**{_UNITS[unit]: int(number)})


LIFETIME = Lifetime()


def _tokens_at(db: Path | None, settings: Settings) -> Path:
    """The tokens' database. On SQLite it is the organisations' own, so it must exist (a typo
    would list nothing); beside Neo4j it is the service's own file, made on first use."""
    path = db if db is not None else settings.db
    return existing_db(path) if settings.store == "sqlite" else path


@click.group()
def token() -> None:
    """API tokens: each bound to one tenant and one role."""


@token.command("create")
@click.option("--tenant", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--label", default=None, help="What the token is for (shown nowhere but the database)."
)
@click.option(
    "--expires",
    type=LIFETIME,
    default=None,
    help="Lifetime: 90d, 12h, 4w (days, hours, weeks). Without it the token never expires.",
)
@db_option
def create(
    tenant: str, role: str, label: str | None, expires: timedelta | None, db: Path | None
) -> None:
    """Create a token and print it once: only its hash is stored."""
    settings = Settings()
    path = _tokens_at(db, settings)
    graphs = open_store(settings, db=path)
    try:
        known = graphs.tenants()
    finally:
        graphs.close()
    if tenant not in known:
        raise BadInput(
            f"no organisation '{tenant}' in {path} (known: {', '.join(known) or 'none'}): "
            "import it first"
        )
    store = TokenStore(path)
    try:
        click.echo(store.create(tenant, Role(role), label, expires))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tenant") from None
    finally:
        store.close()


@token.command("list")
@db_option
def list_tokens(db: Path | None) -> None:
    """List tokens (never the secret: only the first characters of its hash)."""
    store = TokenStore(_tokens_at(db, Settings()))
    for t in store.list():
        expires = f"expires {t['expires']}" if t["expires"] else "never expires"
        click.echo(
            f"{t['id']}  {t['tenant']:<16} {t['role']:<7} {t['created']}  {expires:<33} "
            f"{t['label'] or ''}"
        )
    store.close()


@token.command("rotate")
@click.argument("token_id")
@click.option(
    "--expires", type=LIFETIME, default=None, help="The new token's lifetime (else the old one's)."
)
@db_option
def rotate(token_id: str, expires: timedelta | None, db: Path | None) -> None:
    """Replace the token with this id (from `token list`) by a new one, printed once, for the
    same tenant, role and label; the old one stops working (on a running server within 30 s)."""
    store = TokenStore(_tokens_at(db, Settings()))
    try:
        click.echo(store.rotate(token_id, expires))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        store.close()


@token.command("revoke")
@click.argument("token_id")
@db_option
def revoke(token_id: str, db: Path | None) -> None:
    """Revoke the token with this id (from `token list`); a running server stops accepting it
    within 30 seconds."""
    store = TokenStore(_tokens_at(db, Settings()))
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
