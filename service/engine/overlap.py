"""Ownership overlaps: shared ownership across units, and near-duplicate sibling work.

Near-identical titles are found without comparing every pair of siblings: if two token sets
have Jaccard >= 0.8, each loses at most a quarter of its tokens to reach their intersection, so
every such pair shares a key "(parent, kind, token set minus up to that many tokens)". The keys
per node depend only on its title's length, so the pass stays linear in the number of nodes.
"""
from __future__ import annotations

import re
import string
from itertools import combinations

import numpy as np

from service.engine.graph import CompactGraph
from service.engine.results import Overlap

THRESHOLD = 0.8
_MAX_DROP = 3  # titles longer than 15 tokens only get keys with up to 3 tokens dropped
_STOP = frozenset(
    "a an and are as at be by for from in into is it of on or our the to with we this that will our per via".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


_ASCII_PUNCT = str.maketrans({c: " " for c in string.punctuation})


def tokens(title: str) -> frozenset[str]:
    low = title.lower()
    words = low.translate(_ASCII_PUNCT).split() if low.isascii() else _WORD.findall(low)
    return frozenset(words) - _STOP


def _token_sets(titles: list[str]) -> list[frozenset[str]]:
    """tokens() of every title, done as one lower/translate over the joined text when it is ASCII.

    Same answer as calling tokens() per title, several times faster on a million titles.
    """
    joined = "\n".join(titles).lower()
    if joined.isascii():
        parts = joined.translate(_ASCII_PUNCT).split("\n")
        if len(parts) == len(titles):  # no title held a newline of its own
            return [frozenset(p.split()) - _STOP for p in parts]
    return [tokens(t) for t in titles]


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _keys(words: frozenset[str]) -> list[frozenset[str]]:
    drop = min(len(words) // 4, _MAX_DROP)
    if not drop:  # up to three tokens: only an identical set is similar enough
        return [words]
    keys = [words]
    for k in range(1, drop + 1):
        keys.extend(words.difference(gone) for gone in combinations(words, k))
    return keys


def overlaps(g: CompactGraph) -> list[Overlap]:
    found: list[Overlap] = []
    for i, co in sorted(g.co_owners.items()):
        if not g.active[i]:
            continue
        primary = g.unit[i] or g.person_unit.get(g.owner[i] or "")
        units = {primary} | {c if c in g.unit_parent else g.person_unit.get(c) for c in co}
        units.discard(None)
        if len(units) >= 2:
            found.append(Overlap("CO_OWNERS", [i], sorted(u for u in units if u is not None)))

    # Only sibling groups (parent, kind) holding children of two or more units can overlap.
    live = g.active[g.e_child] & g.active[g.e_parent] & (g.unit_code[g.e_child] >= 0)
    ec, ep = g.e_child[live], g.e_parent[live]
    group = ep.astype(np.int64) * 8 + g.kind[ec]
    distinct = np.unique(group * (len(g.unit_ids) + 1) + g.unit_code[ec])  # one entry per (group, unit)
    groups, units_in = np.unique(distinct // (len(g.unit_ids) + 1), return_counts=True)
    mixed = np.isin(group, groups[units_in >= 2])
    cs, ps, ks = ec[mixed].tolist(), ep[mixed].tolist(), g.kind[ec[mixed]].tolist()
    sets = _token_sets([g.titles[c] for c in cs])
    words: dict[int, frozenset[str]] = dict(zip(cs, sets))
    buckets: dict[tuple[int, int, frozenset[str]], list[int]] = {}
    for c, p, k, w in zip(cs, ps, ks, sets):
        if len(w) < 4:  # the common case, inlined: the set itself is its only key
            buckets.setdefault((p, k, w), []).append(c)
            continue
        for key in _keys(w):
            buckets.setdefault((p, k, key), []).append(c)
    pairs: dict[tuple[int, int], tuple[int, float]] = {}
    for (parent, _, _), members in buckets.items():
        if len(members) < 2:
            continue
        for a, b in combinations(sorted(set(members)), 2):
            if g.unit[a] == g.unit[b] or (a, b) in pairs:
                continue
            sim = jaccard(words[a], words[b])
            if sim >= THRESHOLD:
                pairs[(a, b)] = (parent, sim)
    for (a, b), (parent, sim) in pairs.items():
        x, y = sorted((a, b))
        found.append(Overlap("DUPLICATE_TITLE", [x, y], sorted({g.unit[x], g.unit[y]}), parent, round(sim, 3)))  # type: ignore[arg-type]
    found.sort(key=lambda o: (o.type, o.nodes))
    return found

