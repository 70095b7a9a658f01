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

from service.engine.arrays import unique, unique_counts
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


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


_SEP = "\x07"  # ASCII, not whitespace, not punctuation: survives lower/translate/split as its own token
_NON_WORD = re.compile(r"[^\w\x07]|_")
_M1, _M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)


def _flat_tokens(titles: list[str]) -> list[str]:
    """Every title's words in one list, titles separated by _SEP: one pass of C string methods."""
    joined = f" {_SEP} ".join(titles)
    if joined.count(_SEP) != len(titles) - 1:  # a title held the separator itself
        joined = f" {_SEP} ".join(t.replace(_SEP, " ") for t in titles)
    low = joined.lower()
    low = low.translate(_ASCII_PUNCT) if low.isascii() else _NON_WORD.sub(" ", low)
    return low.split()


def _similar_siblings(titles: list[str], parents: np.ndarray,
                      kinds: np.ndarray) -> list[tuple[int, int, float]]:
    """(i, j, jaccard) for entries with the same parent and kind and token Jaccard >= 0.8.

    Token sets become sums of random 64-bit numbers per token (a set hash), so the keys of the
    deletion neighbourhood are integer arithmetic in numpy; only candidates sharing a key reach
    Python, where the exact Jaccard decides (a hash collision can only add a candidate).
    """
    n = len(titles)
    if n < 2:
        return []
    flat = _flat_tokens(titles)
    vocab = dict.fromkeys(flat)
    index = dict(zip(vocab, range(len(vocab))))
    codes = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    is_sep = codes == index.get(_SEP, -1)
    title = np.cumsum(is_sep)
    stop = np.array([index[w] for w in _STOP if w in index], dtype=np.int64)
    keep = ~is_sep & ~np.isin(codes, stop)
    size_v = np.int64(len(vocab))
    pair = unique(title[keep] * size_v + codes[keep])  # one entry per (title, distinct token)
    tt, tk = pair // size_v, pair % size_v
    size = np.bincount(tt, minlength=n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(size, out=starts[1:])
    rand = np.random.default_rng(0x5EED).integers(0, 2**63, size=len(vocab), dtype=np.int64).astype(np.uint64) * 2 + 1
    h = np.zeros(n, dtype=np.uint64)
    nonempty = size > 0
    if nonempty.any():
        h[nonempty] = np.add.reduceat(rand[tk], starts[:-1][nonempty])
    pos_parts = [np.arange(n)]
    key_parts = [h]
    one = size[tt] >= 4  # titles that may lose one token: one key per token dropped
    pos_parts.append(tt[one])
    key_parts.append(h[tt[one]] - rand[tk[one]])
    extra_pos: list[int] = []
    extra_key: list[int] = []
    for t in np.flatnonzero(size >= 8).tolist():  # long titles lose two or three: rare, so Python
        toks = tk[starts[t]:starts[t + 1]].tolist()
        base = int(h[t])
        for k in range(2, min(len(toks) // 4, _MAX_DROP) + 1):
            for gone in combinations(toks, k):
                extra_pos.append(t)
                extra_key.append((base - sum(int(rand[x]) for x in gone)) % 2**64)
    pos_parts.append(np.array(extra_pos, dtype=np.int64))
    key_parts.append(np.array(extra_key, dtype=np.uint64))
    pos = np.concatenate(pos_parts)
    with np.errstate(over="ignore"):
        bucket = (np.concatenate(key_parts) * _M1 + parents[pos].astype(np.uint64) * _M2
                  + kinds[pos].astype(np.uint64))
    order = np.argsort(bucket, kind="stable")
    bucket, pos = bucket[order], pos[order]
    same = np.flatnonzero(bucket[1:] == bucket[:-1])
    if not len(same):
        return []
    runs = unique(np.concatenate([same, same + 1]))
    found: dict[tuple[int, int], float] = {}
    cut = np.flatnonzero(np.diff(bucket[runs]) != 0) + 1
    for run in np.split(runs, cut):
        members = sorted(set(pos[run].tolist()))
        for i, j in combinations(members, 2):
            if (i, j) in found or parents[i] != parents[j] or kinds[i] != kinds[j]:
                continue
            a, b = frozenset(tk[starts[i]:starts[i + 1]].tolist()), frozenset(tk[starts[j]:starts[j + 1]].tolist())
            sim = jaccard(a, b)  # type: ignore[arg-type]
            if sim >= THRESHOLD:
                found[(i, j)] = sim
    return [(i, j, sim) for (i, j), sim in found.items()]


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
    distinct = unique(group * (len(g.unit_ids) + 1) + g.unit_code[ec])  # one entry per (group, unit)
    groups, units_in = unique_counts(distinct // (len(g.unit_ids) + 1))
    mixed = np.isin(group, groups[units_in >= 2])
    cs = ec[mixed]
    pairs: dict[tuple[int, int], tuple[int, float]] = {}
    for i, j, sim in _similar_siblings([g.titles[c] for c in cs.tolist()], ep[mixed], g.kind[cs]):
        a, b = sorted((int(cs[i]), int(cs[j])))
        if a != b and g.unit[a] != g.unit[b] and (a, b) not in pairs:
            pairs[(a, b)] = (int(ep[mixed][i]), sim)
    for (a, b), (parent, sim) in pairs.items():
        x, y = sorted((a, b))
        found.append(Overlap("DUPLICATE_TITLE", [x, y], sorted({g.unit[x], g.unit[y]}), parent, round(sim, 3)))  # type: ignore[arg-type]
    found.sort(key=lambda o: (o.type, o.nodes))
    return found

