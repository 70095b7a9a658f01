"""The `stratmap` command line. Exit codes: 0 ok, 1 a --fail-under threshold failed, 2 bad input,
3 the store stayed busy with another writer."""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import importlib
import json
import shutil
import socket
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml
from rich.table import Table

import importers
from graph_schema import Node
from graph_schema.rows import GraphDelta, NodeRecord
from service import usecases
from service.ancestry_sight import StoreReads, ancestry_line_of_sight
from service.bootstrap import open_store, snapshots_for
from service.cli.background import in_background
from service.cli.console import err, out
from service.cli.history_child import HistoryChild
from service.cli.options import (
    BadInput,
    BusyStore,
    db_option,
    no_database,
    output_option,
    stored_tenant,
    tenant_option,
)
from service.cli.render import (
    pct,
    render_analysis,
)
from service.errors import UnknownNode, UseCaseError
from service.gcpause import gc_paused
from service.roles import Role
from service.settings import Settings
from service.store.base import ApplyResult, GraphStore, StoreBusy, StoreError
from service.store.sqlite import SQLiteStore
from service.store.tokens import TokenStore

if TYPE_CHECKING:
    from graph_schema.rows import GraphRows
    from service.engine.engine import Engine
    from service.engine.snapshot import Snapshots

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def cli_actor() -> str:
    """Who writes from the command line, for the audit: the operating-system user."""
    try:
        return f"cli {getpass.getuser()}@{socket.gethostname()}"
    except (OSError, KeyError):  # no user name in this container: still say it was the CLI
        return "cli"


def _store(db: Path | None) -> GraphStore:
    try:
        return open_store(Settings(), db=db)
    except StoreBusy:
        raise
    except StoreError as exc:
        raise BadInput(str(exc)) from exc


def _progress(nodes: Iterable[Node | NodeRecord], total: int) -> Iterator[Node | NodeRecord]:
    if not err.is_terminal or total < 2000:  # a bar is noise for small files and in pipes
        yield from nodes
        return
    from rich.progress import (  # a bar on a terminal only
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("import", total=total)
        for i, node in enumerate(nodes, start=1):
            yield node
            if i % 500 == 0 or i == total:
                bar.update(task, completed=i)


# Commands in modules of their own, imported only when run (or listed by --help): the report's
# client and templates, uvicorn and the rest cost every other command about 0.1 s to import.
_LAZY = {
    "line-of-sight": "service.cli.sight:line_of_sight",
    "report": "service.cli.report:report",
    "serve": "service.cli.serve:serve",
    "token": "service.cli.tokens:token",
}


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreBusy as exc:  # every command, wherever the store said it
            raise BusyStore(str(exc)) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _LAZY:
            return super().get_command(ctx, cmd_name)
        module, name = _LAZY[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """stratmap: how strategy cascades into work, and where it does not."""


@cli.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(importers.FORMATS),
    default="auto",
    show_default=True,
    help="auto: from the file name and its header.",
)
@click.option("--encoding", default=None, help="Default: a BOM, else UTF-8, else Windows-1252.")
@click.option("--delimiter", default=None, help="Default: sniffed (comma, semicolon or tab).")
@click.option(
    "--levels",
    default=None,
    help="Kinds by depth in the tree, where a layout has no Type column "
    "(outlines, Peoplebox), e.g. vision,goal,objective,keyresult,initiative.",
)
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy"]),
    default=None,
    help="For slashed dates that never say (01/02/2026): day/month or month/day.",
)
@click.option(
    "--truncate",
    is_flag=True,
    help="Cut text longer than its field allows (listing every cut) instead of refusing the file.",
)
@click.option(
    "--link-column",
    default=None,
    help="Work exports (Jira): the column holding the stratmap ids an item supports.",
)
@click.option(
    "--link-label-prefix",
    default=None,
    help="Work exports (Jira): labels starting with this prefix "
    "name the stratmap id an item supports (okr:O-DIG).",
)
@click.option("--sheet", default=None, help="The sheet of an .xlsx workbook (default: the first).")
@click.option(
    "--columns",
    "columns_map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A YAML map of an export's headers to stratmap's (null drops a column).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show how the files are read and what would change; write nothing.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Remove nodes previously imported from this source that the files no longer have.",
)
@click.option(
    "--source", default=None, help="Source name recorded on each node (default: each file's name)."
)
@click.option(
    "--no-history",
    is_flag=True,
    help="Do not record the alignment after an import that changed something "
    "(stratmap history list shows the points).",
)
@tenant_option
@db_option
def import_cmd(
    files: tuple[Path, ...],
    fmt: str,
    encoding: str | None,
    delimiter: str | None,
    levels: str | None,
    date_order: str | None,
    truncate: bool,
    link_column: str | None,
    link_label_prefix: str | None,
    sheet: str | None,
    columns_map: Path | None,
    dry_run: bool,
    prune: bool,
    source: str | None,
    no_history: bool,
    tenant: str | None,
    db: Path | None,
) -> None:
    """Import FILES (goals, units, people, links; native YAML/JSON, CSV layouts) in one transaction:
    all or nothing, idempotent."""
    with contextlib.ExitStack() as cleanup:
        if delimiter is not None:
            delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        options = importers.ReadOptions(
            encoding=encoding,
            delimiter=delimiter,
            date_order=date_order,
            truncate=truncate,
            link_column=link_column,
            link_label_prefix=link_label_prefix,
            sheet=sheet,
            levels=tuple(w.strip() for w in levels.split(",") if w.strip()) if levels else (),
        )
        try:
            if columns_map is not None:
                options = dataclasses.replace(
                    options, columns=importers.read_column_map(columns_map)
                )
            with gc_paused():  # a file's rows are acyclic: full collections over them only cost
                parsed = importers.parse_files(files, fmt, source=source, options=options)
            if prune and source is None:
                # a file's name is no identity: pruning by it would remove nothing after a
                # rename, or the wrong nodes after a reuse of the name
                raise BadInput(
                    "--prune needs --source NAME: the source whose nodes these files replace"
                )
            store = _store(db)
            seen = usecases.ParentCollector()
            name = usecases.tenant_for(
                parsed, tenant, [] if tenant is not None else store.tenants()
            )
            # the state the import is made on: its snapshot, patched with the write, is the
            # history point's engine
            before = store.snapshot_stamp(name)
            child = None if dry_run or no_history else _history_child(store, name, before, parsed)
            if child is not None:  # whatever ends the command, it never leaves the child waiting
                cleanup.callback(child.finish, None)
            name, result = usecases.import_parsed(
                store,
                parsed,
                actor=cli_actor(),
                tenant=name,
                dry_run=dry_run,
                prune=prune,
                progress=lambda nodes, total: _progress(seen.watch(nodes), total),
            )
        except usecases.TenantChoiceError as exc:
            raise BadInput(str(exc)) from exc
        except importers.ImportFailed as exc:
            err.print(
                f"[red]Import failed; nothing was written.[/red] {len(exc.issues)} problem(s):",
                highlight=False,
            )
            for issue in exc.issues:
                err.print(f"  {issue}", highlight=False, markup=False, soft_wrap=True)
            sys.exit(2)
        verb = "would be" if dry_run else "were"
        s = result.summary()
        if dry_run:
            for part in parsed.parts:
                how = ", ".join(f"{k} {v}" for k, v in part.details.items())
                out.print(
                    f"  {part.file}: read as {part.layout}" + (f" ({how})" if how else ""),
                    highlight=False,
                    soft_wrap=True,
                )
        out.print(
            f"{'DRY RUN: ' if dry_run else ''}{', '.join(map(str, files))} -> tenant '{name}': "
            f"{s['created']} created, {s['updated']} updated, {s['unchanged']} unchanged, "
            + (f"{s['moved']} only renamed their source, " if s["moved"] else "")
            + f"{s['removed']} removed "
            f"({s['orgChanged']} units/people/values changed) {verb} applied;"
            f" version {s['version']}",
            highlight=False,
            soft_wrap=True,
        )
        for cut in parsed.cuts:
            out.print(f"  cut: {cut}", highlight=False, markup=False, soft_wrap=True)
        count, missing = usecases.dangling_parents(store, name, seen, written=not dry_run)
        if count:
            out.print(
                f"  {count} parent id(s) name no node (kept as dangling references; they resolve "
                "when the "
                "parent is imported):",
                highlight=False,
            )
            for ref, maybe in missing:
                hint = f" (did you mean {', '.join(maybe)}?)" if maybe else ""
                out.print(f"    {ref}{hint}", highlight=False, markup=False)
            if count > len(missing):
                out.print(
                    f"    ... and {count - len(missing)} more (stratmap analyze lists them all)",
                    highlight=False,
                )
        changed = any(s[k] for k in ("created", "updated", "moved", "removed", "orgChanged"))
        if not dry_run and not no_history:
            label = f"import {', '.join(f.name for f in files)}"
            if not changed:  # a point per unchanged re-import would only repeat the last one
                out.print("  nothing changed: no new history point", highlight=False)
            elif child is None or not _record_by_child(store, name, label, child, result):
                if child is not None:
                    child.finish(None)  # before the point is built here: one engine at a time
                _record(db, name, label, (before, result.delta))
        if dry_run:
            for label, ids in (("created", result.created), ("removed", result.removed)):
                if ids:
                    shown = ", ".join(ids[:20]) + (
                        f" ... (+{len(ids) - 20})" if len(ids) > 20 else ""
                    )
                    out.print(f"  {label}: {shown}", highlight=False)
            for node_id in result.updated[:50]:
                out.print(
                    f"  updated {node_id}: {'; '.join(result.diffs.get(node_id, []))}",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
            if len(result.updated) > 50:
                out.print(f"  ... and {len(result.updated) - 50} more updated", highlight=False)


def _existing(db: Path | None, tenant: str | None) -> tuple[str, GraphStore]:
    """The store to read and the tenant in it; refuses a missing database or organisation."""
    settings = Settings()
    path = db if db is not None else settings.db
    if settings.store == "sqlite" and not Path(path).exists():
        raise no_database(path)
    store = _store(db)
    try:
        return stored_tenant(store, tenant, path), store
    except BadInput:
        store.close()
        raise


# a write this process made: the stamp of the state it was made on, and its delta
Written = tuple[str | None, GraphDelta | None]


def _engine(
    db: Path | None, tenant: str | None, period: str | None, written: Written | None = None
) -> tuple[str, Engine, Callable[[], None] | None]:
    """The tenant's engine: an earlier process's snapshot of this very state when there is one
    (service.engine.snapshot); else, right after a `written` write, the snapshot of the state it
    was made on patched with it; else built from the store. And, for an engine not loaded, what
    saves it as the next command's snapshot once this one has computed what it needs (None:
    nothing to save). Saving runs in a forked child, so the command never waits for it."""
    name, store = _existing(db, tenant)
    try:
        snapshots, stamp, engine = snapshots_for(Settings(), store), None, None
        if snapshots is not None:
            stamp = store.snapshot_stamp(name)
            found = snapshots.load(name, stamp, period)
            if found is not None:
                return name, _in_period(found, period), None
            if written is not None and stamp is not None:
                engine = _patched_since(snapshots, name, period, written, stamp)
        if engine is None:
            engine = _in_period(_built(store.read_graph(name), period), period)
    finally:
        store.close()
    if snapshots is None or stamp is None:
        return name, engine, None

    def save() -> None:
        # the analyses the command did not need are the child's work too: at 1M nodes about
        # 1.5 s the command no longer waits for, and memory its process never holds
        def complete_and_save() -> None:
            with snapshots.writing(name, stamp, engine.period):  # the next command waits for it
                engine.analyse_all()
                snapshots.save(name, stamp, engine)

        _save_in_background(complete_and_save)

    return name, engine, save


def _patched_since(
    snapshots: Snapshots, name: str, period: str | None, written: Written, now: str
) -> Engine | None:
    """The snapshot of the state a write was made on, patched with the write's delta and
    refreshed (service.engine.patch: every finding as a rebuild's). After a re-import that
    changed 1% of a million nodes, loading, patching and refreshing take about 4 s where
    reading and building the tenant take 10. None where there is no such snapshot, the delta
    does not patch it, or another write landed since (`now`, the store's stamp, names a later
    version)."""
    before, delta = written
    from service.engine.patch import patched_engine
    from service.engine.snapshot import stamp_version

    if before is None or delta is None or delta.version != stamp_version(now):
        return None
    try:
        return patched_engine(snapshots.load(name, before, period), delta)
    except Exception as exc:  # the write is in: its history point is still owed, so build it
        err.print(
            f"  patching the engine saved before the import failed ({type(exc).__name__}:"
            f" {exc}); building it from the store instead",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return None


def _built(rows: GraphRows, period: str | None) -> Engine:
    """An engine built from the store's rows. The engine's modules (numpy, scipy: 0.3 s) are
    imported here, where a command needs one, not when the command line starts: an import's
    history is worked out by a child (service.cli.history_child), which imports them itself
    while the command writes."""
    from service.engine.engine import Engine

    return Engine(rows, period)


def _in_period(engine: Engine, period: str | None) -> Engine:
    """The engine, unless `period` is one no node has: a typo would show an empty organisation
    (a 0% score) instead of saying so."""
    if period is not None and period not in (known := engine.periods()):
        raise BadInput(
            f"no node has period '{period}'; the periods there are: "
            + (", ".join(known) if known else "none (no node names a period)")
        )
    return engine


def _save_in_background(save: Callable[[], object]) -> None:
    """Write a snapshot from a forked child, so the command ends without waiting for it (a 1M
    node engine takes seconds to write). Where there is no fork the command simply waits."""
    if in_background(save) is None:
        save()


def _check_threshold(score: float | None, fail_under: float | None) -> None:
    if fail_under is not None and (score is None or score * 100 < fail_under):
        err.print(f"[red]alignment {pct(score)} is below the threshold {fail_under:g}%[/red]")
        sys.exit(1)


# `analyze --json` lists at most this many of each finding: at 1M nodes the whole document was
# 202 MB (894k unowned nodes) and took longer to print than to compute
JSON_LIMIT = 1000


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with stable keys.")
@click.option(
    "--all",
    "whole",
    is_flag=True,
    help=f"With --json: every finding of every list, not the first {JSON_LIMIT:,} of each "
    "(`totals` always says how many there are).",
)
@click.option(
    "--period", default=None, help="Only nodes of this period (nodes without one always take part)."
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the score in percent is below PCT.",
)
@click.option(
    "--top",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    help="Rows per section in the table.",
)
@tenant_option
@db_option
def analyze(
    as_json: bool,
    whole: bool,
    period: str | None,
    fail_under: float | None,
    top: int,
    tenant: str | None,
    db: Path | None,
) -> None:
    """Score, counts and the disconnected objectives, top gaps first."""
    from service.engine.findings_json import analysis_json  # with the engine: _built's why

    name, engine, save = _engine(db, tenant, period)
    # the table shows `top` rows but counts and groups whole lists; JSON is capped unless --all
    limit = JSON_LIMIT if as_json and not whole else None
    data = {"tenant": name, **analysis_json(engine, limit)}
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        out.print(f"Tenant [bold]{name}[/bold], version {engine.version}")
        render_analysis(out, data, top=top)
    if save is not None:  # after the findings: the snapshot keeps the suggestion index too
        save()
    _check_threshold(data["score"], fail_under)


def line_of_sight_items(
    db: Path | None, tenant: str | None, period: str | None, node_id: str | None, unit: str | None
) -> list[dict[str, Any]]:
    """`stratmap line-of-sight` the general way (service.cli.sight): from the store's ancestry
    of the answer, else, for a period that no node of it names, from the whole engine, which
    says whether it is one."""
    name, store = _existing(db, tenant)
    try:
        found = ancestry_line_of_sight(StoreReads(store), name, period, node_id=node_id, unit=unit)
    except UnknownNode:
        raise BadInput(f"no node '{node_id}' in tenant '{name}'") from None
    except UseCaseError as exc:
        raise BadInput(f"{exc.message} in tenant '{name}'") from None
    finally:
        store.close()
    if found is not None:
        return found
    name, engine, _ = _engine(db, tenant, period)  # one line of sight: not worth saving
    if node_id is not None:
        try:
            targets = [engine.index_of(node_id)]
        except UnknownNode:
            raise BadInput(f"no node '{node_id}' in tenant '{name}'") from None
    else:
        assert unit is not None
        if not engine.has_unit(unit):
            raise BadInput(f"no unit '{unit}' in tenant '{name}'")
        targets = engine.unit_work(unit)
    from service.engine.findings_json import line_of_sight_json  # only on this, the engine's way

    return [line_of_sight_json(engine, engine.line_of_sight_at(i)) for i in targets]


@cli.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("stratmap-demo.db"),
    show_default=True,
    help="The demo's own store, recreated on every run.",
)
@click.option(
    "--serve/--no-serve",
    "then_serve",
    default=True,
    show_default=True,
    help="Then serve the example over GraphQL on 127.0.0.1.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.pass_context
def demo(ctx: click.Context, db: Path, then_serve: bool, port: int) -> None:
    """Import the example organisation into a fresh embedded store, print its analysis, serve it."""
    from service.engine.findings_json import analysis_json  # with the engine: _built's why

    example = EXAMPLES / "northwind.yaml"
    if not example.exists():
        raise BadInput(f"the example organisation is not at {example} (run from a source checkout)")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = _store(db)
    name, result = usecases.import_parsed(store, importers.parse(example), actor=cli_actor())
    out.print(f"Imported {example.name} into {db} (tenant '{name}'): {len(result.created)} nodes")
    engine = _built(store.read_graph(name), None)
    usecases.record_history(store, name, engine, f"import {example.name}")  # the trend's start
    store.close()
    render_analysis(out, {"tenant": name, **analysis_json(engine)})
    out.print("-" * min(shutil.get_terminal_size().columns, 80))
    out.print(
        f"Try: stratmap line-of-sight --db {db} --unit sales   |   "
        f"stratmap analyze --db {db} --json"
    )
    if not then_serve:
        return
    tokens = TokenStore(db)
    token_value = tokens.create(name, Role.EDITOR, "demo")
    tokens.close()
    out.print(
        f"\nGraphQL API and GraphiQL: [bold]http://127.0.0.1:{port}/graphql[/bold]", highlight=False
    )
    out.print(f"Demo token (editor, tenant {name}): {token_value}", highlight=False, soft_wrap=True)
    out.print(
        f"  curl -s http://127.0.0.1:{port}/graphql -H 'Authorization: Bearer {token_value}' "
        "-H 'Content-Type: application/json' -d '{\"query\": \"{ alignment { score } }\"}'",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    out.print("Ctrl+C stops the server.")
    from service.cli.serve import serve

    ctx.invoke(serve, host="127.0.0.1", port=port, db=db, no_auth=False, tenant=None)


def _record(
    db: Path | None, tenant: str, label: str | None, written: Written | None = None
) -> dict[str, Any]:
    """Record the tenant's alignment as the next history point, and say so; the engine built
    for it (patched from the snapshot before a `written` write, where there is one) is saved as
    the next command's snapshot."""
    name, engine, save = _engine(db, tenant, None, written)
    store = _store(db)
    try:
        row = usecases.record_history(store, name, engine, label)
    finally:
        store.close()
    if save is not None:
        save()
    _say_recorded(row)
    return row


def _history_child(
    store: GraphStore, name: str, before: str | None, parsed: importers.ParsedImport
) -> HistoryChild | None:
    """The child that works out an import's history point beside its write
    (service.cli.history_child): for a tenant's first import, from its rows; for one onto a
    state with a snapshot, from that snapshot."""
    snapshots = snapshots_for(Settings(), store)
    if store.version(name) == 0:
        return HistoryChild.first(
            parsed.records or parsed.nodes,
            parsed.units,
            parsed.people,
            parsed.values,
            tenant=name,
            snapshots=snapshots,
        )
    if snapshots is not None and before is not None:
        return HistoryChild.patching(snapshots, tenant=name, before=before)
    return None


def _record_by_child(
    store: GraphStore, name: str, label: str, child: HistoryChild, result: ApplyResult
) -> bool:
    """Record an import's history point from the alignment its child worked out, and let the
    child save its engine as the snapshot; False, recording nothing, where that alignment would
    not be of the store's state: the write did not make the state the child was to describe
    (no first version; no delta to patch with), another write followed it, or the child could
    not say."""
    delta = result.delta if child.patch else None  # a first import's child needs none
    if child.patch and delta is None:  # too large, an org change, a removal: nothing to patch
        return False
    made = delta.version if delta is not None else 1  # a first import's child made version 1
    if result.version != made:
        return False
    found = child.alignment(delta)
    stamp = store.snapshot_stamp(name)
    if found is None or store.version(name) != made:
        return False
    row = usecases.record_alignment(store, name, found, label)
    child.finish(stamp)
    _say_recorded(row)
    return True


def _say_recorded(row: dict[str, Any]) -> None:
    out.print(
        f"  recorded alignment {pct(row['score'])} as history point {row['seq']}"
        + (f" ({row['label']})" if row["label"] else ""),
        highlight=False,
        markup=False,
    )


@cli.group()
def history() -> None:
    """The alignment over time: record a point, list the points (the report charts them)."""


@history.command("record")
@click.option("--label", default=None, help="What this point marks (a quarter, a reorganisation).")
@tenant_option
@db_option
def history_record(label: str | None, tenant: str | None, db: Path | None) -> None:
    """Record the alignment now: the score, the counts, each unit's and each goal's."""
    name, store = _existing(db, tenant)
    store.close()
    _record(db, name, label)


@history.command("list")
@click.option("--last", type=click.IntRange(1), default=None, help="Only the newest N points.")
@click.option("--unit", "unit_id", default=None, help="That unit's recorded score instead.")
@click.option("--json", "as_json", is_flag=True, help="Every point whole.")
@tenant_option
@db_option
def history_list(
    last: int | None, unit_id: str | None, as_json: bool, tenant: str | None, db: Path | None
) -> None:
    """The recorded points, oldest first, with the change from the one before."""
    name, store = _existing(db, tenant)
    try:
        rows = store.history(name, last)
    finally:
        store.close()
    if unit_id is not None:
        units = {u for r in rows for u in usecases.recorded_scores(r)}
        if rows and unit_id not in units:
            raise BadInput(
                f"no recorded score of unit '{unit_id}'; units recorded: "
                + (", ".join(sorted(units)[:20]) or "none (older points keep none)")
            )
        for r in rows:
            r["score"] = usecases.recorded_scores(r).get(unit_id)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        out.print(
            f"No history for '{name}' yet: stratmap history record (an import that changes "
            "something records one)."
        )
        return
    table = Table(title=f"Alignment of {unit_id or name} over time", box=None)
    for col in ("#", "recorded (UTC)", "version", "score", "change", "gaps"):
        table.add_column(col, no_wrap=True)
    table.add_column("label", overflow="fold")
    before: float | None = None
    for r in rows:
        score = r["score"]
        change = "" if score is None or before is None else f"{(score - before) * 100:+.1f}"
        table.add_row(
            str(r["seq"]),
            r["at"].replace("T", " ").removesuffix("+00:00"),
            str(r["version"]),
            pct(score),
            change,
            "" if unit_id else str(r.get("counts", {}).get("gaps", "")),  # the org's counts
            r["label"] or "",
        )
        before = score if score is not None else before
    out.print(table)


@cli.command()
@click.option("--last", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Every record whole, with every id.")
@tenant_option
@db_option
def audit(last: int, as_json: bool, tenant: str | None, db: Path | None) -> None:
    """Who wrote what, and when: one record per write that changed something, oldest first."""
    name, store = _existing(db, tenant)
    try:
        records = store.audit(name, last)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(r) for r in records], indent=1))
        return
    table = Table(box=None)
    for column in ("#", "at (UTC)"):  # a time cut short is no time: these never wrap
        table.add_column(column, no_wrap=True)
    for column in ("who", "what", "version", "changed"):
        table.add_column(column)
    for r in records:
        counts = [
            f"{len(ids)} {label}"
            for ids, label in (
                (r.created, "created"),
                (r.updated, "updated"),
                (r.moved, "moved"),
                (r.removed, "removed"),
            )
            if ids
        ] + ([f"{r.org_changed} org"] if r.org_changed else [])
        changed = r.created + r.updated + r.moved + r.removed
        ids = ", ".join(changed[:3]) + (", ..." if len(changed) > 3 else "")
        table.add_row(
            str(r.seq),
            r.at.removesuffix("+00:00"),
            r.actor,
            r.action,
            str(r.version),
            f"{', '.join(counts)}: {ids}",
        )
    out.print(
        f"Audit of tenant [bold]{name}[/bold]: the last {len(records)} write(s)", highlight=False
    )
    out.print(table)


@cli.command()
@output_option("Write to this file (.json: JSON, else YAML); standard output without it.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default=None)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@tenant_option
@db_option
def export(
    output: Path | None, fmt: str | None, force: bool, tenant: str | None, db: Path | None
) -> None:
    """Write an organisation as the native document, every field and each node's source.

    Importing the document into an empty store gives the same graph and the same analysis:
    that is a restore on any store, SQLite or Neo4j. Left out:"""
    name, store = _existing(db, tenant)
    try:
        document = usecases.export_document(store, name)
    finally:
        store.close()
    fmt = fmt or ("json" if output is not None and output.suffix.lower() == ".json" else "yaml")
    if fmt == "json":
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    else:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C emitter: 10x faster
        text = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise BadInput(f"{output} exists; pass --force to replace it")
    # a whole file or none: written beside the target, then renamed over it
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(output)
    err.print(
        f"exported '{name}': {len(document['nodes'])} nodes, {len(document['units'])} units, "
        f"{len(document['people'])} people to {output} (not exported: "
        f"{usecases.EXPORT_LEAVES_OUT})",
        highlight=False,
        soft_wrap=True,
    )


export.help = (export.help or "") + usecases.EXPORT_LEAVES_OUT + "."


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@db_option
def backup(file: Path, force: bool, db: Path | None) -> None:
    """Copy the embedded database to FILE while it is in use, and check the copy.

    To restore, stop the server and put the copy in place of the database file (or serve it
    with --db). A Neo4j store is backed up with Neo4j's own tools (docs/neo4j.md)."""
    settings = Settings()
    if settings.store != "sqlite":
        raise BadInput("backup copies the embedded SQLite store; back Neo4j up with neo4j-admin")
    path = db if db is not None else settings.db
    if not Path(path).exists():
        raise BadInput(f"no database at {path}")
    if file.exists() and not force:
        raise BadInput(f"{file} exists; pass --force to replace it")
    if file.resolve() == Path(path).resolve():
        raise BadInput("the backup cannot be the database itself")
    if force:
        file.unlink(missing_ok=True)
    try:
        store = SQLiteStore(path)
        try:
            verdict = store.backup(file)
        finally:
            store.close()
    except StoreBusy:
        raise
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    if verdict != "ok":
        raise BadInput(f"the copy at {file} failed its integrity check: {verdict}")
    out.print(f"backed up {path} to {file} (integrity check: ok)", highlight=False)
