"""Relay connections over the engine's memoised lists: slicing an answer, never recomputing it."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from service.api.errors import PageError

T = TypeVar("T")
Item = TypeVar("Item")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(value)
        if kind != "o" or offset < 0:
            raise ValueError
        return offset
    except (ValueError, UnicodeDecodeError):
        raise PageError(f"after: '{cursor}' is not a cursor this server issued") from None


def paginate(
    items: Sequence[Item],
    first: int | None,
    after: str | None,
    *,
    default: int,
    cap: int,
    build: Callable[[Item], T],
) -> Connection[T]:
    size = default if first is None else first
    if size < 0:
        raise PageError("first: must not be negative")
    if size > cap:
        raise PageError(f"first: at most {cap} items per page (asked for {size})")
    start = 0 if after is None else _offset(after) + 1
    page = items[start : start + size]
    edges = [Edge(cursor=_cursor(start + i), node=build(item)) for i, item in enumerate(page)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + len(page) < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(items),
    )
