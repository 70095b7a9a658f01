"""Ids for rows whose tool gives none: derived from what the row says, so a re-import matches.

Derived from the normalised title path (the titles from the root down to the row) and the
owner: inserting or moving unrelated rows changes nothing, renaming a title (or an ancestor's)
makes a new node and leaves the old one to `--prune`. Two rows with the same path and owner get
`-2`, `-3`, ... in file order.
"""

from __future__ import annotations

import hashlib
import re

_SLUG = re.compile(r"[^a-z0-9]+")


def normalise(title: str) -> str:
    return " ".join(title.lower().split())


def derived_id(namespace: str, path: tuple[str, ...], owner: str | None) -> str:
    key = "\x1f".join((*path, (owner or "").lower()))
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    slug = _SLUG.sub("-", path[-1].lower()).strip("-")[:40].rstrip("-") or "node"
    return f"{namespace}:{slug}-{digest}"


class IdDeriver:
    """Derived ids for one file, with the repeat counter that keeps identical rows apart."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._seen: dict[str, int] = {}

    def __call__(self, path: tuple[str, ...], owner: str | None) -> str:
        base = derived_id(self.namespace, tuple(normalise(t) for t in path), owner)
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        return base if count == 1 else f"{base}-{count}"
