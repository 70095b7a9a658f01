"""A per-node column of Python values that later versions share: an immutable sequence held in
chunks, so a copy with a few entries replaced copies those chunks only.

A patched engine (service.engine.patch) must not change what the previous version's readers
see, and copying a million-entry list costs 18 ms here, four times over for the titles, owners,
units and rows a write touches: more than the rest of a patch together. Indexing costs one
method call more than a list's; iterating costs the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, Generic, TypeVar, cast, overload

__all__ = ["Column"]

T = TypeVar("T")
_SHIFT = 10
_SIZE = 1 << _SHIFT  # entries per chunk: 100 scattered edits copy 100 chunks of 1,024
_MASK = _SIZE - 1


class Column(Sequence[T], Generic[T]):
    __slots__ = ("_chunks", "_n")

    def __init__(self, values: Iterable[T] = ()) -> None:
        items = values if isinstance(values, list) else list(values)
        self._chunks: list[list[T]] = [items[k : k + _SIZE] for k in range(0, len(items), _SIZE)]
        self._n = len(items)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("column index out of range")
        return self._chunks[i >> _SHIFT][i & _MASK]

    def __iter__(self) -> Iterator[T]:
        return chain.from_iterable(self._chunks)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Column | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(v) for v in list(chain.from_iterable(self._chunks[:1]))[:5])
        return f"Column([{head}{', ...' if self._n > 5 else ''}], n={self._n})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Column, (list(self),))

    def replaced(self, changes: dict[int, T], n: int | None = None) -> Column[T]:
        """A column of n entries (at least as many as this one's): these entries replaced, new
        ones past the end taken from `changes`; every chunk not touched is shared."""
        size = self._n if n is None else n
        if size < self._n:
            raise ValueError("a column only grows")
        if size == self._n and all(self[i] == v for i, v in changes.items()):
            return self
        chunks = list(self._chunks)
        copied: set[int] = set()
        missing = size - self._n
        if missing and chunks and len(chunks[-1]) < _SIZE:
            chunks[-1] = list(chunks[-1])  # the last chunk grows: a copy, never the shared one
            copied.add(len(chunks) - 1)
        while missing:  # new entries, None until set below
            if not chunks or len(chunks[-1]) == _SIZE:
                chunks.append([])
                copied.add(len(chunks) - 1)
            room = min(_SIZE - len(chunks[-1]), missing)
            chunks[-1].extend([cast(T, None)] * room)
            missing -= room
        for i, v in changes.items():
            c = i >> _SHIFT
            if c not in copied:
                chunks[c] = list(chunks[c])
                copied.add(c)
            chunks[c][i & _MASK] = v
        out: Column[T] = Column.__new__(Column)
        out._chunks, out._n = chunks, size
        return out


def column(values: Sequence[T] | Iterable[T]) -> Column[T]:
    return values if isinstance(values, Column) else Column(values)
