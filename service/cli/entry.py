"""The `stratmap` command's entry point.

`stratmap line-of-sight` starts alone (service.cli.sight): the whole command line imports the
importers, the engine and their libraries (numpy, scipy, pydantic), about 0.5 s before any
command runs, five times the whole line of sight of one node. Every other command, and
`stratmap --help`, is the whole command line (service.cli.main), where line-of-sight is one of
its commands, the same one.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    if sys.argv[1:2] == ["line-of-sight"]:
        from service.cli.sight import line_of_sight

        line_of_sight.main(sys.argv[2:], prog_name="stratmap line-of-sight")
    else:
        from service.cli.main import cli

        cli()
