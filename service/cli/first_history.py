"""A tenant's first import: its history point worked out beside its write, on the second core.

An import records the alignment it leads to, which needs the engine of the state it wrote.
After most imports that engine is the previous command's snapshot patched with the write
(service.cli.main._patched_since). A tenant's first import has no snapshot before it, so the
engine was built by reading back every row just written: at 100k rows about 1 s of a 4 s
import, at 1M about 15 s of 48. But what a first write leaves is exactly its change set
(service.store.records.first_write_rows, held to every store's read by a contract test), so a
forked child builds the engine from the parsed file while the parent writes, hands back the
alignment (a small JSON document) and, once told the store's stamp, saves the engine as the
next command's snapshot, as the import's background save did.

The parent's write stays the only truth: it uses the child's alignment only if the write made
the tenant's first version and nothing wrote after it; otherwise (another writer was first,
the write failed, the child died) the child is told to stop and the point is built from the
store as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

from graph_schema import Node, Person, Unit, Value
from graph_schema.rows import NodeRecord
from service.engine.engine import Engine
from service.engine.findings_json import alignment_record
from service.engine.snapshot import Snapshots
from service.store.records import first_write_rows

__all__ = ["FirstHistory"]


class FirstHistory:
    """The forked child's side of a first import's history point, seen from the parent."""

    def __init__(self, pid: int, answer: int, stamp: int) -> None:
        self._pid, self._answer, self._stamp = pid, answer, stamp

    @classmethod
    def start(
        cls,
        nodes: Callable[[], Iterable[Node | NodeRecord]],
        units: Iterable[Unit],
        people: Iterable[Person],
        values: Iterable[Value],
        *,
        tenant: str,
        snapshots: Snapshots | None,
    ) -> FirstHistory | None:
        """Fork the child; None where there is no fork (the import then builds as before).
        `nodes` gives a fresh pass over the import's nodes (a spool replay: pread, no shared
        file position)."""
        if not hasattr(os, "fork"):
            return None
        answer_r, answer_w = os.pipe()
        stamp_r, stamp_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never back into the parent's code, whatever happens
            try:
                os.close(answer_r)
                os.close(stamp_w)
                quiet = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(quiet, fd)
                engine = Engine(first_write_rows(nodes(), units, people, values), None)
                with os.fdopen(answer_w, "w", encoding="utf-8") as out:
                    json.dump(alignment_record(engine), out)
                with os.fdopen(stamp_r, encoding="utf-8") as told:
                    stamp = told.read()
                if stamp and snapshots is not None:
                    with snapshots.writing(tenant, stamp, None):  # the next command waits
                        engine.analyse_all()
                        snapshots.save(tenant, stamp, engine)
            finally:
                os._exit(0)
        os.close(answer_w)
        os.close(stamp_r)
        return cls(pid, answer_r, stamp_w)

    def alignment(self) -> dict[str, Any] | None:
        """The alignment_record the child made of the first write's state; None if it died
        before saying (the import then builds from the store)."""
        with os.fdopen(self._answer, encoding="utf-8") as answer:
            text = answer.read()
        self._answer = -1
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
        for fd in (self._answer, self._stamp):
            if fd >= 0 and not (stamp and fd == self._stamp):
                os.close(fd)
        if stamp:
            with contextlib.suppress(BrokenPipeError):  # it ended already
                os.write(self._stamp, stamp.encode())
            os.close(self._stamp)
        else:
            os.kill(self._pid, signal.SIGTERM)
            os.waitpid(self._pid, 0)
        self._pid, self._answer, self._stamp = 0, -1, -1
