"""An import's history point, worked out beside its write by a forked child, on the second core.

An import records the alignment it leads to, which needs the engine of the state it wrote.
That engine is either the previous state's snapshot patched with the write's delta (a
re-import), or, for a tenant's first import, built from rows. Both were worked out after the
write, on the command's own core: loading and restoring a 1M-node snapshot took about 4 s of
a 26 s re-import, and reading back a first import's rows and building took about 1 s of a
4-5 s 100k-row import and 15 s of 48 at 1M. A forked child now does the part it can before
the write ends, while the parent writes: it builds a first import's engine from the parsed
rows (service.store.records.first_write_rows: what a first write leaves, held to every
store's read by a contract test), or loads and restores the snapshot a re-import is made on.
Told the write's delta, it patches; it hands back the alignment (a small JSON document) and,
once told the store's stamp, saves its engine as the next command's snapshot, as the import's
background save did.

The parent's write stays the only truth: it uses the child's alignment only where the write
made the state the child describes and nothing wrote after it; otherwise (another writer, a
failed write, no delta, a child that died) the child is stopped and the point is built as it
would be without a child.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from graph_schema import Node, Person, Unit, Value
from graph_schema.rows import GraphDelta, NodeRecord
from service.cli.background import in_background
from service.store.records import first_write_rows

if TYPE_CHECKING:
    from service.engine.engine import Engine
    from service.engine.snapshot import Snapshots

__all__ = ["HistoryChild"]


def worth_a_child() -> bool:
    """Where a child helps: a second core to work on (on one, it only competes with the
    write), on Linux, where the engine's libraries are known to work after a fork (macOS's
    system libraries are not fork-safe, and the child works with numpy and scipy after it)."""
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1


class HistoryChild:
    """The forked child's side of an import's history point, seen from the parent."""

    def __init__(self, pid: int, answer: int, told: int, *, patch: bool) -> None:
        self._pid, self._answer, self._told = pid, answer, told
        self.patch = patch  # a snapshot to patch with the write's delta (else a first import)

    @classmethod
    def first(
        cls,
        nodes: Callable[[], Iterable[Node | NodeRecord]],
        units: Iterable[Unit],
        people: Iterable[Person],
        values: Iterable[Value],
        *,
        tenant: str,
        snapshots: Snapshots | None,
    ) -> HistoryChild | None:
        """For a tenant's first import: the engine built from its rows. `nodes` gives a fresh
        pass over the import's nodes (a spool replay: pread, no shared file position)."""

        def built() -> Engine:
            from service.engine.engine import Engine

            return Engine(first_write_rows(nodes(), units, people, values), None)

        return cls._fork(built, patch=False, tenant=tenant, snapshots=snapshots)

    @classmethod
    def patching(cls, snapshots: Snapshots, *, tenant: str, before: str) -> HistoryChild | None:
        """For an import onto a state `before` that has a snapshot: that snapshot, loaded and
        restored (its id index and rows) while the parent writes, then patched."""
        return cls._fork(
            lambda: snapshots.load(tenant, before, None, restore=True),
            patch=True,
            tenant=tenant,
            snapshots=snapshots,
        )

    @classmethod
    def _fork(
        cls,
        make: Callable[[], Engine | None],
        *,
        patch: bool,
        tenant: str,
        snapshots: Snapshots | None,
    ) -> HistoryChild | None:
        """None where no child helps or the fork fails (the import then works it out as
        without one)."""
        if not worth_a_child():
            return None
        answer_r, answer_w = os.pipe()
        told_r, told_w = os.pipe()

        def work() -> None:
            # the engine's modules, imported here (while the parent writes), not by the command
            from service.engine.findings_json import alignment_record
            from service.engine.patch import patched_engine

            os.close(answer_r)
            os.close(told_w)
            engine = make()
            with os.fdopen(told_r, "rb") as told:
                delta = pickle.load(told)  # None for a first import
                if patch:
                    engine = patched_engine(engine, delta)
                if engine is None or engine.stale:
                    return  # nothing to say: the parent works it out itself
                with os.fdopen(answer_w, "w", encoding="utf-8") as out:
                    json.dump(alignment_record(engine), out)
                stamp = told.read().decode()
            if stamp and snapshots is not None:
                with snapshots.writing(tenant, stamp, None):  # the next command waits for it
                    engine.analyse_all()
                    snapshots.save(tenant, stamp, engine)

        pid = in_background(work)
        os.close(answer_w)
        os.close(told_r)
        if pid is None:
            os.close(answer_r)
            os.close(told_w)
            return None
        return cls(pid, answer_r, told_w, patch=patch)

    def alignment(self, delta: GraphDelta | None) -> dict[str, Any] | None:
        """The alignment_record of the state the write made: the child's engine, patched with
        the write's `delta` where it is a snapshot's. None if the child could not say (no
        snapshot, a delta that does not patch it, a child that died): the import then builds
        from the store."""
        with contextlib.suppress(BrokenPipeError):  # the child ended already
            _send(self._told, pickle.dumps(delta))
        answer, self._answer = self._answer, -1  # closed below, whatever happens
        with os.fdopen(answer, encoding="utf-8") as reading:
            text = reading.read()
        try:
            found = json.loads(text) if text else None
        except ValueError:  # cut short: the child died while writing it
            return None
        return found if isinstance(found, dict) else None

    def finish(self, stamp: str | None) -> None:
        """Let the child go, once (later calls do nothing): given the store's stamp of the
        state it described, it saves its engine as that state's snapshot by itself, as the
        import's background save did; given None, it is stopped and reaped at once (it holds
        nothing yet: it is told a stamp only once the state is known to be its own)."""
        if self._pid == 0:
            return
        if self._answer >= 0:
            os.close(self._answer)
        if stamp:
            with contextlib.suppress(BrokenPipeError):  # it ended already
                _send(self._told, stamp.encode())
            os.close(self._told)
        else:
            os.close(self._told)
            # gone already where something else reaps children (SIGCHLD ignored)
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self._pid, signal.SIGTERM)
                os.waitpid(self._pid, 0)
        self._pid, self._answer, self._told = 0, -1, -1


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
