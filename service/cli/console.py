"""Where the command writes for people: standard output and standard error, through rich."""

from __future__ import annotations

import os
import sys

from rich.console import Console

__all__ = ["err", "out"]

# In a pipe or CI log rich would assume 80 columns and fold every table; logs are wide. A width
# the user gives (COLUMNS) always wins.
_WIDE = "COLUMNS" in os.environ
out = Console(width=None if sys.stdout.isatty() or _WIDE else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() or _WIDE else 140)
