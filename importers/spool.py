"""Validated rows kept on disk between an import's one read of its file and the store's write.

An import validates the whole file before the store writes anything (all or nothing, every
problem listed at once), but must not hold a million rows in memory meanwhile. Reading and
validating the file a second time inside the store's transaction cost a third of a 100k-row
import; replaying what the first read produced costs a few microseconds a row. The spool is an
anonymous temporary file (gone when closed or collected) of `marshal`led batches: stratmap
writes and reads it itself (in the process that parsed, or a child it forked), so marshal's
format and trust are enough.
"""

from __future__ import annotations

import marshal
import os
import tempfile
from collections.abc import Iterator
from typing import IO

from graph_schema.rows import LinkRow, NodeRecord, NodeRow

__all__ = ["RecordSpool"]

# a batch is written once it holds this many records or about this many bytes of text:
# large enough to amortise a marshal call, small beside the file (descriptions run to 10k chars)
_BATCH = 2000
_BATCH_BYTES = 1 << 20


class RecordSpool:
    def __init__(self) -> None:
        # closed by close(), or with the spool when the import that made it is collected
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="stratmap-import-")  # noqa: SIM115
        self._pending: list[tuple[tuple[object, ...], list[tuple[object, ...]]]] = []
        self.count = 0
        self._bytes = 0
        self._sealed = False

    def add(self, record: NodeRecord) -> None:
        if self._sealed:
            raise RuntimeError("a sealed spool takes no more records")
        row, links = record
        self._pending.append((tuple(row), [tuple(link) for link in links]))
        self.count += 1
        self._bytes += 100 * (1 + len(links)) + len(row.title) + len(row.description or "")
        if len(self._pending) >= _BATCH or self._bytes >= _BATCH_BYTES:
            self._flush()

    def seal(self) -> None:
        """Every record is added: write what is pending, into the file itself (which _read
        reads beneath the buffer). Only then may it be replayed: a replay that wrote the
        pending batch could write it twice, once in each of two processes that share the file
        after a fork (service.cli.history_child)."""
        self._flush()
        self._file.flush()
        self._sealed = True

    def _flush(self) -> None:
        if self._pending:
            # length-prefixed: marshal.load() on a file reads it in small pieces (5x slower)
            blob = marshal.dumps(self._pending)
            self._file.write(len(blob).to_bytes(8, "little"))
            self._file.write(blob)
            self._pending, self._bytes = [], 0

    def replay(self) -> Iterator[NodeRecord]:
        """Every record added, in order; each call starts again from the first, and two replays
        may interleave, in one process or in two after a fork (each reads at its own offset)."""
        if not self._sealed:
            raise RuntimeError("a spool is replayed once it is sealed")
        make_row, make_link = NodeRow._make, LinkRow._make
        offset = 0
        while True:
            size = int.from_bytes(self._read(offset, 8), "little")
            if not size:
                return
            batch = marshal.loads(self._read(offset + 8, size))
            offset += 8 + size
            for row, links in batch:
                yield make_row(row), [make_link(link) for link in links]

    def _read(self, offset: int, size: int) -> bytes:
        """`size` bytes at `offset`. pread moves no file position, which a forked process
        shares with its parent: a child replaying the spool while the parent replays it too
        (service.cli.history_child) would otherwise read from wherever the other left it."""
        if hasattr(os, "pread"):
            return os.pread(self._file.fileno(), size, offset)
        self._file.seek(offset)  # pragma: no cover - Windows, which has no fork either
        return self._file.read(size)

    def close(self) -> None:
        self._file.close()
