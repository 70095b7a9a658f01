"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from service.tenants import Tenanted, default_tenant

__all__ = [
    "BadInput",
    "BusyStore",
    "db_option",
    "existing_db",
    "no_database",
    "output_option",
    "stored_tenant",
    "tenant_option",
]

F = TypeVar("F", bound=Callable[..., Any])


class BusyStore(click.ClickException):
    """Another writer held the store past the write wait: exit 3, so a script can retry."""

    exit_code = 3


class BadInput(click.ClickException):
    """Input that cannot be meant: the message says what is wrong and what there is; exit 2."""

    exit_code = 2


def existing_db(path: Path, create: bool = False) -> Path:
    """`path`, which must exist unless `create`: a mistyped --db would otherwise start an empty
    database and serve (or list) nothing."""
    if not create and str(path) != ":memory:" and not path.exists():
        raise BadInput(f"no database at {path}: give the right --db, or --create to start one")
    return path


def no_database(path: Path | str) -> BadInput:
    """What a reading command says of a missing SQLite file: reading must not create an empty
    database where a typo'd path was meant."""
    return BadInput(
        f"no database at {path}: import a file first (stratmap import FILE --db {path})"
    )


def stored_tenant(store: Tenanted, tenant: str | None, path: Path | str) -> str:
    """The organisation a reading command means (service.tenants), which must be stored when
    it is named."""
    name = default_tenant(store, tenant)
    known = store.tenants()
    if tenant is not None and tenant not in known:
        raise BadInput(
            f"no organisation '{tenant}' in {path} (known: {', '.join(known) or 'none'})"
        )
    return name


def db_option(f: F) -> F:
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="SQLite file (default: $STRATMAP_DB, else ./stratmap.db).",
    )(f)


def _tenant(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and (not value.strip() or value != value.strip()):
        raise click.BadParameter("must be a non-empty name without surrounding spaces")
    return value


def tenant_option(f: F) -> F:
    return click.option(
        "--tenant",
        default=None,
        callback=_tenant,
        help="Organisation to use (default: the only one stored, else 'default').",
    )(f)


def output_option(help: str) -> Callable[[F], F]:
    """-o/--output FILE; without it, standard output."""

    def add(f: F) -> F:
        return click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help=help,
        )(f)

    return add
