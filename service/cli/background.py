"""Work a command leaves to a forked child of its own: a snapshot to write, a history point to
work out beside a write (service.cli.history_child)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

__all__ = ["in_background"]


def in_background(work: Callable[[], object]) -> int | None:
    """Run `work` in a forked child and return its pid; None where there is no fork or it
    fails (too little memory or too many processes: the caller then does without). The child
    shares the parent's pages until it writes them; its output goes nowhere, so whatever reads
    the command's (a pipe, `tee`, a CI runner) sees its end when the command ends, not when the
    child does; and it leaves with os._exit whatever happens, never running the parent's code
    (its exit handlers, a test runner's) again."""
    if not hasattr(os, "fork"):
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        try:
            quiet = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(quiet, fd)
            work()
        finally:
            os._exit(0)
    return pid
