"""`stratmap report`: the reporting client, talking to a server through the GraphQL API only."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clients import ApiError, MapUnavailable, StratmapClient
from clients.report.data import TOP, collect
from clients.report.render import FORMATS, render
from service.cli.options import output_option


@click.command()
@click.option(
    "--url",
    required=True,
    help="The server's GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql.",
)
@click.option(
    "--token",
    envvar="STRATMAP_TOKEN",
    default=None,
    help="Bearer token (default: $STRATMAP_TOKEN).",
)
@click.option("--unit", default=None, help="Only this unit and the units below it.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@output_option("Write here instead of standard output.")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the score in percent is below PCT (for scheduled checks).",
)
@click.option("--timeout", type=float, default=60.0, show_default=True)
def report(
    url: str,
    token: str | None,
    unit: str | None,
    fmt: str,
    output: Path | None,
    fail_under: float | None,
    timeout: float,
) -> None:
    """A report that highlights disconnected objectives: html, md, csv or json."""
    try:
        with StratmapClient(url, token, timeout) as client:
            # a page lists the first findings of each section with totals; CSV and JSON all
            data = collect(
                client,
                url,
                unit,
                top=TOP if fmt in ("html", "md") else None,
                with_nodes=fmt in ("html", "json"),  # the map, and JSON's every node
                focus=fmt == "html",  # a focused map of each gap
            )
            text = render(data, fmt)
    except (ApiError, MapUnavailable) as exc:
        click.echo(f"report failed: {exc}", err=True)
        sys.exit(2)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(
            f"wrote {output} ({fmt}, {len(data.gaps)} gaps, score "
            f"{'n/a' if data.score_pct is None else f'{data.score_pct:.1f}%'})",
            err=True,
        )
    if fail_under is not None and (data.score_pct is None or data.score_pct < fail_under):
        click.echo(
            f"alignment {'n/a' if data.score_pct is None else f'{data.score_pct:.1f}%'} "
            f"is below {fail_under:g}%",
            err=True,
        )
        sys.exit(1)
