"""The generic CSV's plain rows straight to the store's rows, without a dict between.

parse_csv turned each row into model fields (a dict) and graph_schema.rows.record_of then walked
that dict checking each field: two passes and a dict a row, about 60% of a 100k-row import's
parse. Most rows are plain (known enum words, text within its limits, numbers in range, no field
the kind lacks, no id listed twice): `RowPlan.record` reads such a row's cells once, in the
column order the header fixed, into the rows the store writes. Any other row gets None and takes
the two-pass path, which judges it and names the problem. A property test holds the two to the
same rows: whatever this accepts, that path accepts with exactly these rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph_schema.rows import (
    MAX_IDS,
    NUMBER_BOUNDS,
    TEXT_BOUNDS,
    WEIGHT_BOUNDS,
    NodeRecord,
    NodeRow,
    checked_record,
)
from importers.cells import CellError, number, split_ids

__all__ = ["RowPlan"]

_SLOT = {name: i for i, name in enumerate(NodeRow._fields)}
_ID, _KIND, _TITLE = _SLOT["id"], _SLOT["kind"], _SLOT["title"]
# the kinds of column csv_generic tells apart (its _KIND_OF)
TEXT, ENUM, NUMBER, PARENTS, LIST = range(5)
_ID_MIN, _ID_MAX = TEXT_BOUNDS["id"]
_WEIGHT_LO, _WEIGHT_HI = WEIGHT_BOUNDS
if any(lo > 1 for lo, _ in TEXT_BOUNDS.values()):  # a stripped, non-empty cell meets every minimum
    raise ImportError("importers.csv_rows assumes no text field needs more than one character")


@dataclass(frozen=True)
class RowPlan:
    """How one file's columns map onto a node's rows: made once from its header."""

    # (cell index, what it holds, where it goes: the row's slot, or a list's field name, bound)
    columns: tuple[tuple[int, int, Any, Any], ...]
    template: tuple[Any, ...]  # a NodeRow's values before any cell: its status and source
    decimal_comma: bool

    @classmethod
    def of(
        cls,
        names: Sequence[str],
        kinds: dict[str, int],
        enums: dict[str, dict[str, str]],
        *,
        source: str,
        default_status: str,
        decimal_comma: bool,
    ) -> RowPlan | None:
        """The plan for a header of `names` (fields), each of `kinds`, enum words read through
        `enums`; None where no row of the file can be plain (its source name is too long or
        padded with spaces)."""
        if len(source) > TEXT_BOUNDS["source"][1] or source != source.strip():
            return None  # too long, or padded (the model strips it): the two-pass path judges
        columns = []
        for index, name in enumerate(names):
            what = kinds[name]
            bound: Any = None
            if what == TEXT:
                bound = TEXT_BOUNDS[name][1]
            elif what == ENUM:
                bound = enums[name]
            elif what == NUMBER:
                bound = NUMBER_BOUNDS[name]
            columns.append((index, what, name if what == LIST else _SLOT.get(name), bound))
        template: list[Any] = [None] * len(NodeRow._fields)
        template[_SLOT["status"]] = default_status
        template[_SLOT["source"]] = source
        return cls(tuple(columns), tuple(template), decimal_comma)

    def record(self, cells: Sequence[str]) -> NodeRecord | None:
        """The row's node as the store's rows, or None where the two-pass path must judge it."""
        values = list(self.template)
        parents: list[tuple[str, float]] = []
        lists: dict[str, list[str]] = {}
        for index, what, where, bound in self.columns:
            cell = cells[index].strip()
            if not cell:
                continue
            if what == TEXT:
                if len(cell) > bound:
                    return None
                values[where] = cell
            elif what == ENUM:
                value = bound.get(cell.lower())
                if value is None:
                    return None
                values[where] = value
            elif what == NUMBER:
                try:
                    amount = number(cell, decimal_comma=self.decimal_comma)[0]
                except CellError:
                    return None
                if not bound[0] <= amount <= bound[1]:
                    return None
                values[where] = amount
            elif what == PARENTS:
                found = self._parents(cell)
                if found is None:
                    return None
                parents = found
            else:
                ids = split_ids(cell)  # stripped, blanks dropped: each is non-empty, unpadded
                if len(ids) > MAX_IDS or any(len(i) > _ID_MAX for i in ids):
                    return None
                lists[where] = ids
        if values[_ID] is None or values[_KIND] is None or values[_TITLE] is None:
            return None
        return checked_record(NodeRow._make(values), parents, lists)

    def _parents(self, cell: str) -> list[tuple[str, float]] | None:
        refs: list[tuple[str, float]] = []
        for part in split_ids(cell):
            pid, _, weight = part.partition("=")
            pid = pid.strip()
            if not _ID_MIN <= len(pid) <= _ID_MAX:
                return None
            if not weight:
                refs.append((pid, 1.0))
                continue
            try:
                amount = number(weight, decimal_comma=self.decimal_comma)[0]
            except CellError:
                return None
            if not _WEIGHT_LO <= amount <= _WEIGHT_HI:
                return None
            refs.append((pid, amount))
        return refs if len(refs) <= MAX_IDS else None
