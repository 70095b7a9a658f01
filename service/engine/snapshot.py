"""Engines persisted on disk, so a process that starts finds its engine instead of building it.

Building the engine of a 1M-node tenant reads the store and analyses it for 15-20 s; loading
the engine that an earlier process built for the same state takes a fraction of that. A
snapshot is the pickled `Engine` with every analysis it had computed, in
`STRATMAP_CACHE_DIR/<store and tenant>/<period>-v<version>-<stamp>-f<format>-<code>.pickle`:

- it is trusted only for the exact state it was built from: the store's `snapshot_stamp`
  (epoch, version, last audit record), the period, the snapshot format and a digest of the code
  that computes the findings (any change to the engine or the domain retires every snapshot);
- a snapshot that does not load (cut short, corrupt, from another Python) is deleted and the
  engine is built from the store as if there were none;
- pickle runs code as it loads, so a file is loaded only from a directory this user made and
  owns, that nobody else may write (0700), and only if the file is this user's too;
- saving replaces the file atomically and removes the snapshots of older versions of the same
  tenant and period: one file per (store, tenant, period);
- a process about to save says so (`writing`: a marker file named after the state, which it
  holds locked), and a process that needs that very state waits for it (at most WAIT_FOR_WRITER
  seconds, and only while the lock is held) rather than build the same engine beside it: right
  after an import, `analyze` or `serve` would otherwise read and build 1M nodes while the
  import's child analyses and writes them. A lock, not a pid: a writer that dies, however it
  dies, lets go of it, where its pid may live on as a zombie's or another process's.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import pickle
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from service.gcpause import gc_paused

if TYPE_CHECKING:
    from service.engine.engine import Engine

__all__ = ["FORMAT", "Snapshots", "code_digest", "stamp_version"]

log = logging.getLogger("stratmap.engine")
FORMAT = 2  # bump when what a snapshot holds changes in a way the code digest would not show
_ROOT = Path(__file__).resolve().parents[2]
# how long a process waits for another to write the snapshot it needs: a 1M-node engine takes
# a few seconds to analyse and write, and a build of it three times that
WAIT_FOR_WRITER = 60.0
_POLL = 0.05


@cache
def code_digest() -> str:
    """A digest of the source that computes the findings: the engine and the domain model."""
    digest = hashlib.sha256()
    for package in ("service/engine", "graph_schema"):
        for path in sorted((_ROOT / package).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stamp_version(stamp: str) -> int:
    """The version a store's stamp names (service.store.base.GraphStore.snapshot_stamp)."""
    head = stamp.split("/", 1)[0]
    return int(head) if head.isdigit() else -1


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


def _held(marker: Path) -> bool:
    """Whether a writer holds this marker locked (see Snapshots.writing)."""
    try:
        fd = os.open(marker, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # and with it the shared lock, if it was taken
    return False


def _h(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


class Snapshots:
    def __init__(self, root: Path, store_id: str) -> None:
        self._announced: set[Path] = set()  # markers this process holds (writing nests)
        self.root = root
        self.store_id = store_id  # which store (a database file, a server): tenants of two differ
        self.loaded = 0  # engines loaded instead of built: lets tests and /healthz see it
        self.saved = 0

    def _folder(self, tenant: str) -> Path:
        return self.root / _h(self.store_id, tenant)

    def _name(self, stamp: str, period: str | None) -> tuple[str, str]:
        """(the prefix all snapshots of this period share, this state's file name)."""
        prefix = f"{_h(period or '')}-"
        return (
            prefix,
            f"{prefix}v{stamp_version(stamp)}-{_h(stamp)}-f{FORMAT}-{code_digest()}.pickle",
        )

    def _safe(self, path: Path) -> bool:
        """Whether this user alone could have written `path` and the folders it is in."""
        uid = os.getuid()
        for node in (self.root, path.parent, path):
            info = node.stat()
            if info.st_uid != uid or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                log.warning("engine snapshot %s ignored: writable by others or not ours", node)
                return False
        return True

    @contextmanager
    def writing(self, tenant: str, stamp: str, period: str | None) -> Iterator[None]:
        """Says, while the block runs, that this process is about to save the snapshot of this
        state: `load` in another process waits for it instead of building the same engine.
        The marker is named with the pid (two writers, two markers) and held locked."""
        _, name = self._name(stamp, period)
        marker = self._folder(tenant) / f"{name}.{os.getpid()}.writing"
        if marker in self._announced:  # nested (save inside a caller's block): said already
            yield
            return
        fd: int | None = None
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            marker.parent.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(marker, os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._announced.add(marker)
        except OSError:  # no announcement: the others build, as they would without it
            if fd is not None:
                os.close(fd)
                fd = None
        try:
            yield
        finally:
            if fd is not None:
                self._announced.discard(marker)
                with suppress(OSError):
                    marker.unlink()
                os.close(fd)

    def _await_writer(self, path: Path, wait: float) -> None:
        """Return once no other process holds a marker of the snapshot `path` (see `writing`),
        it exists, or `wait` seconds have passed. Only in a folder none but this user could
        have written: anyone else's marker could otherwise hold every load back."""
        if not all(self._private(folder) for folder in (self.root, path.parent)):
            return
        mine = f"{path.name}.{os.getpid()}.writing"
        deadline = time.monotonic() + wait
        while not path.exists() and time.monotonic() < deadline:
            markers = path.parent.glob(f"{path.name}.*.writing")
            if not any(m.name != mine and _held(m) for m in markers):
                return
            time.sleep(_POLL)

    @staticmethod
    def _private(node: Path) -> bool:
        info = node.stat()
        return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)

    def load(
        self,
        tenant: str,
        stamp: str | None,
        period: str | None,
        wait: float = WAIT_FOR_WRITER,
        *,
        restore: bool = False,
    ) -> Engine | None:
        """The engine saved for exactly this state, or None (absent, unsafe or corrupt; or no
        stamp: a store that cannot name its state has no snapshot). If another process is
        writing it, wait for it (at most `wait` seconds). `restore`: bring back now what a
        snapshot leaves for first use (its rows, its id index), which otherwise the first use
        pays for."""
        if stamp is None:
            return None
        _, name = self._name(stamp, period)
        path = self._folder(tenant) / name
        try:
            if not path.exists() and wait > 0 and path.parent.is_dir():
                self._await_writer(path, wait)
            if not path.exists() or not self._safe(path):
                return None
            with path.open("rb") as fh, gc_paused():  # a million objects, none in a cycle
                engine = pickle.load(fh)
            from service.engine.engine import Engine  # loaded by the pickle already

            if not isinstance(engine, Engine) or engine.period != period:
                raise ValueError(f"holds {type(engine).__name__}, not this period's engine")
        except Exception as exc:  # a snapshot that does not load is only a missed shortcut
            log.warning("engine snapshot %s is unreadable (%s); building from the store", path, exc)
            path.unlink(missing_ok=True)
            return None
        self.loaded += 1
        if restore:
            engine.graph.restore()
        return engine

    def save(self, tenant: str, stamp: str, engine: Engine) -> Path | None:
        """Persist `engine` as the snapshot of `stamp`, replacing older ones; None if it cannot
        (a full disk, a read-only folder: logged, never raised)."""
        if engine.version != stamp_version(stamp):
            return None  # a write landed between the stamp and the read: not this state's engine
        with self.writing(tenant, stamp, engine.period):
            return self._write(tenant, stamp, engine)

    def _write(self, tenant: str, stamp: str, engine: Engine) -> Path | None:
        prefix, name = self._name(stamp, engine.period)
        folder = self._folder(tenant)
        tmp: str | None = None
        try:
            # named like the snapshots it replaces: one a killed process left is cleaned up below
            with tempfile.NamedTemporaryFile(
                dir=folder, prefix=prefix, suffix=".tmp", delete=False
            ) as fh:
                tmp = fh.name
                with gc_paused():
                    pickle.dump(engine, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / name)
        except Exception as exc:  # a snapshot not written is a missed shortcut, never an error
            log.warning("cannot save the engine snapshot of tenant %r: %s", tenant, exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            return None
        for old in folder.glob(f"{prefix}*"):
            in_making = old.suffix in (".tmp", ".writing")
            if old.name != name and (not in_making or _older_than(old, 3600)):
                old.unlink(missing_ok=True)  # another process's file in the making is left be
        self.saved += 1
        return folder / name
