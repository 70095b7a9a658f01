"""Ownership overlaps: shared ownership across units, and near-duplicate sibling work.

Near-identical titles are found without comparing every pair of siblings: if two word sets
have Jaccard >= 0.8, each loses at most a quarter of its words to reach their intersection, so
every such pair shares a key "(parent, kind, word set minus up to that many words)"; long
titles use prefix-filtering keys instead (see _PREFIX_FROM). The keys per node depend only on
its title's length and are bounded, so the pass stays linear in the number of nodes.
The keys come from the fingerprints the store keeps beside each title (graph_schema.titles):
this pass groups integers, and reads the words of a title only to decide a candidate pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

import numpy as np

from graph_schema.titles import THRESHOLD, jaccard, words
from service.engine.arrays import unique, unique_counts
from service.engine.graph import CompactGraph
from service.engine.results import Overlap, OverlapType

PREFIX = 7  # the code of a prefix-word key; 0 to 3 say how many words a deletion key dropped
_CODE_BITS = 3
CHUNK = 1 << 17  # entries per slice of the key search (see _chunked_candidates)
# Titles of up to 15 words get deletion keys (at most floor(15 / 4) = 3 words dropped); titles of
# 13 words or more get prefix keys. A title that can match one of 16+ words has 13 or more
# (16 * 0.8 = 12.8), so every pair meets on one kind of key, and no title gets more than 575.
_DELETE_UP_TO = 15
_PREFIX_FROM = 13
_PREFIX_SALT = np.uint64(0x6A09E667F3BCC908)  # keeps prefix keys apart from set hashes
_M1, _M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
if THRESHOLD != 0.8:  # pragma: no cover - the integer bounds below are worked out for 0.8
    raise ImportError("overlap's key bounds assume a Jaccard threshold of 0.8")


def _mix(words32: np.ndarray) -> np.ndarray:
    """A well-spread 64-bit value per 32-bit word fingerprint (the splitmix64 finaliser)."""
    z = words32.astype(np.uint64)
    with np.errstate(over="ignore"):
        z += _M1
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def _drops(length: int) -> list[np.ndarray]:
    """For a title of `length` words, the word positions each of its deletion keys leaves out.

    Jaccard >= 0.8 means each side keeps at least 4/5 of the union, so each loses at most a
    quarter of its own words to reach the intersection.
    """
    if length > _DELETE_UP_TO:
        return []
    return [
        np.array(list(combinations(range(length), k)), dtype=np.int64)
        for k in range(1, length // 4 + 1)
    ]


def _prefix(length: int) -> int:
    """Prefix filtering: two word sets with Jaccard >= 0.8, both in one global order (the
    fingerprints are stored sorted), share a word among the first n - ceil(0.8 n) + 1 of each."""
    return length - (4 * length + 4) // 5 + 1 if length >= _PREFIX_FROM else 0


def _keys(
    h: np.ndarray, value: np.ndarray, starts: np.ndarray, size: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key, entry, code) for every word set: whole, with words dropped, and its prefix words.

    `code` says what the key leaves out: 0 to 3 words, or PREFIX for a prefix-word key.

    Titles are taken one length at a time, so each length's drop patterns are one small index
    table applied to a (titles x words) matrix. Everything is written into two preallocated
    arrays: at a million titles the time goes to touching memory, so no step copies more.
    """
    m = len(h)
    titles = {n: np.flatnonzero(size == n) for n in unique(size[size >= 4]).tolist()}
    drops = {n: _drops(n) for n in titles}
    total = m + sum(
        len(t) * (sum(len(p) for p in drops[n]) + _prefix(n)) for n, t in titles.items()
    )
    keys = np.empty(total, dtype=np.uint64)
    entry = np.empty(total, dtype=np.int64)
    code = np.zeros(total, dtype=np.uint8)
    keys[:m] = h
    entry[:m] = np.arange(m)
    at = m
    for n, t in titles.items():
        words = value[starts[t][:, None] + np.arange(n)]  # (titles, n)
        blocks = [
            (h[t][:, None] - words[:, gone].sum(axis=2, dtype=np.uint64), len(gone), k + 1)
            for k, gone in enumerate(drops[n])
        ]
        if _prefix(n):
            blocks.append((words[:, : _prefix(n)] ^ _PREFIX_SALT, _prefix(n), PREFIX))
        for block, per_title, what in blocks:  # (titles, keys per title)
            keys[at : at + block.size] = block.ravel()
            entry[at : at + block.size] = np.repeat(t, per_title)
            code[at : at + block.size] = what
            at += block.size
    return keys, entry, code


def _candidates(
    g: CompactGraph, nodes: np.ndarray, parents: np.ndarray, kinds: np.ndarray
) -> list[tuple[int, int]]:
    """Pairs of entries (i < j) sharing a key that can reach the threshold on that key.

    A word set's hash is the sum of its words' 64-bit values, so a key with words dropped is a
    subtraction. Each key, salted with the entry's parent and kind, keeps its top bits and
    carries its entry number and its code in the low ones, so a single value sort (NumPy's SIMD
    sort, far cheaper than an argsort) both groups equal keys and says whose they are. Losing
    the low bits of a hash, or any hash collision, can only add a candidate, never hide one.
    Within a group, `_pairs_of_run` proposes only the pairs the key itself proves close enough.
    """
    m = len(nodes)
    lo = g.word_ptr[nodes]
    size = g.word_ptr[nodes + 1] - lo
    starts = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(size, out=starts[1:])
    where = np.repeat(lo - starts[:-1], size)  # the stored position of each entry's words
    where += np.arange(starts[-1])
    value = _mix(g.words[where])
    del where
    h = np.zeros(m, dtype=np.uint64)
    nonempty = size > 0
    if nonempty.any():
        h[nonempty] = np.add.reduceat(value, starts[:-1][nonempty])
    keys, entry, code = _keys(h, value, starts, size)
    del value
    bits = np.uint64(max(int(m - 1).bit_length(), 1) + _CODE_BITS)
    salt = parents.astype(np.uint64) * _M2 + kinds.astype(np.uint64)
    with np.errstate(over="ignore"):
        keys *= _M1
        keys += salt[entry]
    keys >>= bits
    keys <<= bits
    keys |= (entry.astype(np.uint64) << np.uint64(_CODE_BITS)) | code
    del entry, code
    keys.sort()  # a value sort is several times cheaper than ordering every entry
    top = keys >> bits
    same = top[1:] == top[:-1]
    if not same.any():
        return []
    in_run = np.zeros(len(keys), dtype=bool)
    in_run[1:] |= same
    in_run[:-1] |= same
    runs = keys[in_run]
    cut = np.flatnonzero(np.diff(top[in_run]) != 0) + 1
    low = runs & np.uint64((1 << int(bits)) - 1)
    members = (low >> np.uint64(_CODE_BITS)).astype(np.int64)
    codes = (low & np.uint64(PREFIX)).astype(np.int64)
    sizes, hashes = size.tolist(), h.tolist()
    pairs: set[tuple[int, int]] = set()
    for run, what in zip(np.split(members, cut), np.split(codes, cut), strict=True):
        _pairs_of_run(run.tolist(), what.tolist(), sizes, hashes, pairs)
    return sorted(pairs)


def _pairs_of_run(
    run: list[int],
    codes: list[int],
    size: list[int],
    h: list[int],
    pairs: set[tuple[int, int]],
) -> None:
    """Add to `pairs` the pairs of one group of equal keys that can be near-identical.

    A deletion key K shared by A (d_a words dropped) and B (d_b) proves
    Jaccard(A, B) >= |K| / (|K| + d_a + d_b), and the pair's own intersection is one such key
    with equality. So a pair is proposed exactly when its key proves it: 4 (d_a + d_b) <= |K|.
    Templated siblings ("migrate service N to the new platform") all share the key without N,
    but that key proves nothing for them, so they cost nothing instead of every pair. Equal word
    sets pair on their whole key, and are skipped on the others. Prefix keys prove nothing:
    they propose the pairs, with sizes within the threshold's ratio, that deletion keys cannot
    (a title of more than _DELETE_UP_TO words).
    """
    if len(run) == 2 and codes[0] == codes[1] == 0:  # the common case: two equal word sets
        a, b = run
        if a != b:
            pairs.add((a, b) if a < b else (b, a))
        return
    classes: dict[tuple[int, int], dict[int, list[int]]] = {}  # (|K|, dropped) -> hash -> entries
    long: list[int] = []
    for e, c in zip(run, codes, strict=True):
        if c == PREFIX:
            long.append(e)
        else:
            classes.setdefault((size[e] - c, c), {}).setdefault(h[e], []).append(e)
    for (k, d), sets in classes.items():
        for (k2, d2), sets2 in classes.items():
            if k2 != k or d2 < d or 4 * (d + d2) > k:
                continue
            if d2 != d:
                _add_cross([e for es in sets.values() for e in es], sets2.values(), pairs)
                continue
            groups = list(sets.values())
            for x, es in enumerate(groups):
                if d == 0:  # equal word sets: their whole key is the one that pairs them
                    _add_cross(es, [es], pairs)
                _add_cross(es, groups[x + 1 :], pairs)
    if len(long) > 1:
        long.sort(key=size.__getitem__)
        for x, a in enumerate(long):
            for b in long[x + 1 :]:
                if 4 * size[b] > 5 * size[a]:
                    break  # sorted by size: every later one is further off
                if size[b] > _DELETE_UP_TO and a != b:
                    pairs.add((a, b) if a < b else (b, a))


def _add_cross(left: list[int], rights: Iterable[list[int]], pairs: set[tuple[int, int]]) -> None:
    for right in rights:
        for a in left:
            for b in right:
                if a != b:
                    pairs.add((a, b) if a < b else (b, a))


def _chunked_candidates(
    g: CompactGraph, nodes: np.ndarray, parents: np.ndarray, kinds: np.ndarray
) -> list[tuple[int, int]]:
    """_candidates over slices of about CHUNK entries, split by parent so no group is cut.

    The key arrays of a million titles take hundreds of megabytes; slices of them are freed
    and reused while the memory is still the process's. Fresh pages cost far more than the
    extra passes: on this machine's VM, first touches made the title pass about 2x slower.
    """
    chunks = max(1, len(nodes) // CHUNK)
    if chunks == 1:
        return _candidates(g, nodes, parents, kinds)
    pairs: list[tuple[int, int]] = []
    for c in range(chunks):
        sel = np.flatnonzero(parents % chunks == c)
        pairs.extend(
            (int(sel[i]), int(sel[j]))
            for i, j in _candidates(g, nodes[sel], parents[sel], kinds[sel])
        )
    return pairs


def _similar_siblings(
    g: CompactGraph, nodes: np.ndarray, parents: np.ndarray, kinds: np.ndarray
) -> list[tuple[int, int, float]]:
    """(i, j, jaccard) for entries with the same parent and kind and word Jaccard >= 0.8."""
    found: list[tuple[int, int, float]] = []
    seen: dict[int, frozenset[str]] = {}
    for i, j in _chunked_candidates(g, nodes, parents, kinds):
        if parents[i] != parents[j] or kinds[i] != kinds[j]:
            continue  # a bucket collision
        a, b = int(nodes[i]), int(nodes[j])
        wa = seen[a] if a in seen else seen.setdefault(a, words(g.titles[a]))
        wb = seen[b] if b in seen else seen.setdefault(b, words(g.titles[b]))
        sim = jaccard(wa, wb)
        if sim >= THRESHOLD:
            found.append((i, j, sim))
    return found


def overlaps(g: CompactGraph) -> list[Overlap]:
    found: list[Overlap] = []
    for i, co in sorted(g.co_owners.items()):
        if not g.active[i]:
            continue
        primary = g.unit[i] or g.person_unit.get(g.owner[i] or "")
        units = {primary} | {c if c in g.unit_parent else g.person_unit.get(c) for c in co}
        units.discard(None)
        if len(units) >= 2:
            found.append(
                Overlap(OverlapType.CO_OWNERS, [i], sorted(u for u in units if u is not None))
            )

    # Only sibling groups (parent, kind) holding children of two or more units can overlap.
    live = g.active[g.e_child] & g.active[g.e_parent] & (g.unit_code[g.e_child] >= 0)
    ec, ep = g.e_child[live], g.e_parent[live]
    group = ep.astype(np.int64) * 8 + g.kind[ec]
    distinct = unique(
        group * (len(g.unit_ids) + 1) + g.unit_code[ec]
    )  # one entry per (group, unit)
    groups, units_in = unique_counts(distinct // (len(g.unit_ids) + 1))
    flag = np.zeros(g.n * 8, dtype=bool)  # groups are dense integers: a flag table beats a search
    flag[groups[units_in >= 2]] = True
    mixed = flag[group]
    cs, ps = ec[mixed], ep[mixed]
    pairs: dict[tuple[int, int], tuple[int, float]] = {}
    for i, j, sim in _similar_siblings(g, cs, ps, g.kind[cs]):
        a, b = sorted((int(cs[i]), int(cs[j])))
        # two nodes under several shared parents are one overlap, reported under the first parent
        # by id: the order candidates arrive in depends on how the search was sliced
        if a != b and g.unit[a] != g.unit[b] and ((a, b) not in pairs or ps[i] < pairs[(a, b)][0]):
            pairs[(a, b)] = (int(ps[i]), sim)
    for (a, b), (parent, sim) in pairs.items():
        x, y = sorted((a, b))
        # a duplicate title counts only across units, so both have one
        pair_units = sorted({u for u in (g.unit[x], g.unit[y]) if u is not None})
        found.append(
            Overlap(OverlapType.DUPLICATE_TITLE, [x, y], pair_units, parent, round(sim, 3))
        )
    found.sort(key=lambda o: (o.type, o.nodes))
    return found
