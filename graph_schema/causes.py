"""Why a chain to the vision breaks, in words a strategy person reads: one wording, used by the
report's maps and the terminal alike. Knows the reasons by name, nothing of the engine."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["gap_cause"]

_SHOWN = 4  # ids a sentence names before it counts the rest


def _ids(ids: Sequence[str]) -> str:
    named = ", ".join(ids[:_SHOWN])
    return named if len(ids) <= _SHOWN else f"{named} and {len(ids) - _SHOWN} more"


def gap_cause(
    reason: str,
    *,
    dangling: Sequence[str] = (),
    inactive: Sequence[str] = (),
    invalid: Sequence[str] = (),
    members: Sequence[str] = (),
    node: str | None = None,
) -> str:
    """The cause of a gap at its break point `node`: which parent is missing, archived or
    linked against the level rules, or which other nodes close the cycle."""
    if reason == "DANGLING_PARENT":
        s = "" if len(dangling) == 1 else "s"
        verb = "does" if len(dangling) == 1 else "do"
        return f"its parent{s} {_ids(dangling) or '(unnamed)'} {verb} not exist"
    if reason == "INACTIVE_PARENT":
        s, verb = ("", "is") if len(inactive) == 1 else ("s", "are")
        return f"its parent{s} {_ids(inactive)} {verb} no longer active"
    if reason == "LEVEL_INVERSION":
        if not invalid:
            return "its links break the level rules"
        s = "" if len(invalid) == 1 else "s"
        return f"its link{s} to {_ids(invalid)} break{'s' if not s else ''} the level rules"
    if reason == "CYCLE":
        others = [m for m in members if m != node]
        return f"it is in a cycle with {_ids(others)}" if others else "it is in a cycle"
    if reason == "UNLINKED":
        return "it is linked to nothing above it"
    return reason.lower().replace("_", " ")
