"""Existing ids close to a dangling parent id: the typo a user most likely made.

A suggestion is an id at Damerau-Levenshtein (optimal string alignment) distance at most
k = min(2, len(query) // 3) from the query, closest first. Candidates come from an index, not a
scan of every id: each id is cut into three segments (PassJoin's partition); an id within two
insertions, deletions or substitutions of the query keeps at least one segment intact, so the
query holds that segment as a substring, shifted by at most k. A transposition can break two
segments at once, so the query's variants with one or two adjacent swaps undone are probed too
(each such swap is one of the k edits). The index is three hashes an id in one sorted numpy array
(32-bit keys and their ids: about 24 MB at a million ids); a query probes a few thousand hashes
and verifies what it finds.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

MAX_EDITS = 2
_BUCKETS = 32  # letter classes of the letter-count bound (see IdIndex._letter_gap)
PARTS = MAX_EDITS + 1  # pigeonhole: two edits touch at most two of three segments


def max_edits(query: str) -> int:
    return min(MAX_EDITS, len(query) // 3)


def _segments(length: int) -> list[tuple[int, int]]:
    """(start, size) of the three segments of an id of `length` (>= 3), sizes within one."""
    base, extra = divmod(length, PARTS)
    out, start = [], 0
    for i in range(PARTS):
        size = base + (1 if i >= PARTS - extra else 0)
        out.append((start, size))
        start += size
    return out


_BASE = 1_000_003
_MIX_LENGTH, _MIX_PART = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_MIX = np.uint64(0x165667B19E3779F9)


def _keys(
    codes: np.ndarray, starts: np.ndarray, sizes: np.ndarray, lengths: np.ndarray, part: np.ndarray
) -> np.ndarray:
    """The key of each segment codes[starts[i]:starts[i] + sizes[i]] (code points) as part
    part[i] of an id of lengths[i] characters, all at once: a polynomial hash modulo 2**64
    (unsigned arithmetic wraps), one step per character position over the segments that long,
    mixed with the length and the part. Equal segments get equal keys wherever they sit; a
    collision only adds a candidate, which the distance then refuses. (One hash() per segment
    in Python took 5.5 s for a million ids; this holds a few arrays of one entry a segment.)"""
    h = np.zeros(len(starts), dtype=np.uint64)
    live = np.flatnonzero(sizes > 0)
    power, at = 1, 0
    while live.size:
        h[live] += codes[starts[live] + at].astype(np.uint64) * np.uint64(power)
        power, at = power * _BASE % 2**64, at + 1
        live = live[sizes[live] > at]
    key = h ^ (lengths.astype(np.uint64) * _MIX_LENGTH) ^ (part.astype(np.uint64) * _MIX_PART)
    key *= _MIX
    key ^= key >> np.uint64(29)
    # the top 32 bits: three million segments among four billion keys collide rarely, and a
    # collision costs one candidate; half the memory of 64-bit keys, sorted faster
    out: np.ndarray = (key >> np.uint64(32)).astype(np.uint32)
    return out


def _code_points(text: str) -> np.ndarray:
    """The text's code points, one byte each when they all fit (ids are mostly ASCII: 8 MB
    for a million ids, not 32); compared by value, so queries may come as uint32."""
    try:
        return np.frombuffer(text.encode("latin-1"), dtype=np.uint8)
    except UnicodeEncodeError:
        return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _probe_keys(probes: list[tuple[int, int, str]]) -> np.ndarray:
    """_keys of (id length, part, segment text) probes."""
    texts = [t for _, _, t in probes]
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    return _keys(
        np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32),
        starts,
        sizes,
        np.fromiter((n for n, _, _ in probes), dtype=np.int64, count=len(probes)),
        np.fromiter((k for _, k, _ in probes), dtype=np.int64, count=len(probes)),
    )


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of a and b, or limit + 1 once it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    # the common prefix and suffix cost nothing: ids that share "KR-00" leave a few characters
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _swaps(text: str) -> list[str]:
    """`text` with one pair of adjacent, different characters swapped, every way."""
    return [
        text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        for i in range(len(text) - 1)
        if text[i] != text[i + 1]
    ]


class IdIndex:
    """Built once over a list of ids (in O(total id length)); answers `suggest` without a scan."""

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = ids
        # every id's characters as code points, end to end: keys and candidates in bulk
        self._len = np.fromiter(map(len, ids), dtype=np.int32, count=len(ids))
        self._start = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(self._len, out=self._start[1:])
        self._codes = _code_points("".join(ids))
        self._short = np.flatnonzero(self._len < PARTS).astype(np.int32)  # too short to cut
        cut = np.flatnonzero(self._len >= PARTS).astype(np.int32)
        n = self._len[cut]
        base, extra = n // PARTS, n % PARTS
        # _segments, for every id at once (the last `extra` parts are one longer), one part at a
        # time: at a million ids, all three at once held 200 MB of temporaries
        keys, offset = [], np.zeros_like(n)
        for part in range(PARTS):
            size = base + (extra >= PARTS - part)
            keys.append(
                _keys(self._codes, self._start[cut] + offset, size, n, np.full_like(n, part))
            )
            offset += size
        all_keys = np.concatenate(keys)
        del keys
        order = np.argsort(all_keys, kind="stable")
        self._keys = all_keys[order]
        del all_keys
        self._owners = np.tile(cut, PARTS)[order]

    def _candidates(self, query: str, k: int) -> np.ndarray:
        """Every id within distance k of `query` (and some others), from one batched lookup.

        Probed: the query (k insertions, deletions or substitutions) and the query with one or
        two adjacent swaps undone (k - 1 or k - 2 of them). Of an id's three segments at least
        3 - e survive e such edits, so any e + 1 segments hold a survivor: per probe and length,
        only the e + 1 segments whose postings are shortest are read. Ids that share a prefix
        (KR-0001, KR-0002, ...) then cost only where their distinctive parts match."""
        variants = [(query, k)]
        for once in _swaps(query):
            variants.append((once, k - 1))
            if k >= 2:
                variants.extend((twice, k - 2) for twice in _swaps(once))
        probes: list[tuple[int, int, str]] = []
        groups: list[
            tuple[int, int, list[tuple[int, int]]]
        ] = []  # (budget, probe group, key span per segment)
        short: set[int] = set()
        for text, e in variants:
            q = len(text)
            for n in range(max(1, q - e), q + e + 1):
                if n < PARTS:
                    short.add(n)
                    continue
                spans: list[tuple[int, int]] = []
                for start, size in _segments(n):
                    first = len(probes)
                    part = len(spans)
                    probes.extend(
                        (n, part, text[at : at + size])
                        for at in range(max(0, start - e), min(q - size, start + e) + 1)
                    )
                    spans.append((first, len(probes)))
                groups.append((e, len(groups), spans))
        found: list[np.ndarray] = (
            [self._short[np.isin(self._len[self._short], list(short))]] if short else []
        )
        if probes:
            wanted = _probe_keys(probes)
            lo = np.searchsorted(self._keys, wanted, side="left")
            hi = np.searchsorted(self._keys, wanted, side="right")
            size = (hi - lo).tolist()
            lo_l, hi_l = lo.tolist(), hi.tolist()
            for e, _, spans in groups:
                cost = [(sum(size[a:b]), a, b) for a, b in spans]
                for _, a, b in sorted(cost)[: e + 1]:
                    found.extend(self._owners[lo_l[x] : hi_l[x]] for x in range(a, b) if size[x])
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)

    def _letter_gap(self, query: str, cand: np.ndarray) -> np.ndarray:
        """A lower bound of twice each candidate's distance to `query`, cheap enough to run
        before the distance: the L1 difference of their letter counts (letters folded into
        _BUCKETS, which can only lower it). A substitution changes that by at most 2, an
        insertion or deletion by 1, a transposition not at all. Segment keys propose every id
        that shares a piece of the query (10k of a million generated ids for a missing
        "GONE11197"); nearly all of them are this far off."""
        lens = self._len[cand].astype(np.int64)
        rows = np.repeat(np.arange(len(cand)), lens)
        first = np.repeat(self._start[cand] - (np.cumsum(lens) - lens), lens)
        letters = self._codes[first + np.arange(len(rows))] % _BUCKETS
        counts = np.bincount(rows * _BUCKETS + letters, minlength=len(cand) * _BUCKETS).reshape(
            len(cand), _BUCKETS
        )
        asked = np.frombuffer(query.encode("utf-32-le"), dtype=np.uint32) % _BUCKETS
        gap: np.ndarray = np.abs(counts - np.bincount(asked, minlength=_BUCKETS)).sum(axis=1)
        return gap

    def _distances(self, query: str, cand: np.ndarray, limit: int) -> np.ndarray:
        """Optimal-string-alignment distance of `query` to each candidate, one DP for them all
        (a row of the table is one numpy operation over every candidate)."""
        lens = self._len[cand].astype(np.int64)
        width = int(lens.max())
        cols = np.arange(width)
        pos = self._start[cand][:, None] + np.minimum(cols, np.maximum(lens - 1, 0)[:, None])
        text = np.where(
            cols < lens[:, None], self._codes[pos], np.uint32(0xFFFFFFFF)
        )  # padding matches nothing
        qc = np.frombuffer(query.encode("utf-32-le"), dtype=np.uint32)
        m = len(cand)
        prev = np.broadcast_to(np.arange(width + 1), (m, width + 1)).copy()
        prev2 = prev
        for i in range(1, len(qc) + 1):
            cur = np.empty_like(prev)
            cur[:, 0] = i
            sub = prev[:, :-1] + (text != qc[i - 1])
            best = np.minimum(prev[:, 1:] + 1, sub)
            if i > 1:
                swap = (text[:, 1:] == qc[i - 2]) & (text[:, :-1] == qc[i - 1])
                best[:, 1:] = np.where(
                    swap, np.minimum(best[:, 1:], prev2[:, :-2] + 1), best[:, 1:]
                )
            for j in range(1, width + 1):  # the insertion term runs along the row
                cur[:, j] = np.minimum(best[:, j - 1], cur[:, j - 1] + 1)
            prev2, prev = prev, cur
        out: np.ndarray = prev[np.arange(m), lens]
        return out

    def suggest_ids(self, refs: Sequence[str], members: Collection[str], limit: int) -> list[str]:
        """For missing parent ids `refs` named by a gap's `members`: the closest existing ids
        of each ref in turn, each once, never a member, at most `limit`."""
        out: list[str] = []
        for ref in refs:
            for i in self.suggest(ref, limit + len(members)):
                found = self.ids[i]
                if found not in members and found not in out:
                    out.append(found)
        return out[:limit]

    def suggest(self, query: str, limit: int = 3) -> list[int]:
        """Indices of the closest ids, closest first (then in id order); never the query itself."""
        k = max_edits(query)
        hits: list[tuple[int, str, int]] = []
        # one edit first: if `limit` ids are one edit away, a wider search cannot change the answer
        for budget in sorted({min(1, k), k} - {0}):
            cand = self._candidates(query, budget)
            cand = cand[np.abs(self._len[cand] - len(query)) <= budget]
            cand = cand[self._letter_gap(query, cand) <= 2 * budget]
            if len(cand) == 0:
                continue
            d = self._distances(query, cand, budget)
            keep = cand[d <= budget]
            hits = [
                (int(dist), self.ids[i], int(i))
                for i, dist in zip(keep.tolist(), d[d <= budget].tolist(), strict=False)
                if self.ids[i] != query
            ]
            if len(hits) >= limit:
                break
        hits.sort()
        return [i for _, _, i in hits[:limit]]
