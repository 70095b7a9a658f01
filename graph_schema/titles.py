"""Title words: what "near-identical titles" compares (DESIGN section 2, ownership overlaps).

A title becomes a set of words: lower case, punctuation and stop words removed. Stores also
keep each title's word set as 32-bit fingerprints (`fingerprint`), computed once when the title
is written, so an analysis groups integers instead of splitting a million titles again. The
fingerprints only ever propose candidates: every reported pair is decided on the real words.
"""

from __future__ import annotations

import re
import string
import sys
import zlib
from array import array

__all__ = ["THRESHOLD", "fingerprint", "jaccard", "words"]

THRESHOLD = 0.8  # token Jaccard at or above which two titles count as near-identical

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "our",
        "the",
        "to",
        "with",
        "we",
        "this",
        "that",
        "will",
        "per",
        "via",
    ]
)
_ASCII_PUNCT = str.maketrans({c: " " for c in string.punctuation})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# words() on ASCII, for bytes: punctuation is a blank, and so are the four separators
# (0x1c-0x1f) that str.split() splits on and bytes.split() does not
_ASCII_BLANKS = bytes.maketrans(
    (string.punctuation + "\x1c\x1d\x1e\x1f").encode(), b" " * (len(string.punctuation) + 4)
)
_STOP_BYTES = frozenset(w.encode() for w in _STOP)


def words(title: str) -> frozenset[str]:
    low = title.lower()
    found = low.translate(_ASCII_PUNCT).split() if low.isascii() else _WORD.findall(low)
    return frozenset(found) - _STOP


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def fingerprint(title: str) -> bytes:
    """The CRC-32 of each of the title's distinct words, sorted, as little-endian uint32s.

    CRC-32 is stable across processes and Python versions (unlike `hash`), which is what a
    stored value needs. Two words of one title with the same CRC both stay (the list is not
    deduplicated), so a title always has one fingerprint per word and a collision can only
    add a candidate pair, never hide one. Changing this function changes stored data: it
    needs a new SQLite migration that recomputes the column.
    """
    if title.isascii():  # bytes all the way: no str per word to encode (a third of the cost)
        found = set(title.lower().encode().translate(_ASCII_BLANKS).split())
        found -= _STOP_BYTES
        hashes = array("I", sorted(map(zlib.crc32, found)))
    else:
        hashes = array("I", sorted(zlib.crc32(w.encode()) for w in words(title)))
    if sys.byteorder == "big":  # pragma: no cover - the stored format is little-endian everywhere
        hashes.byteswap()
    return hashes.tobytes()


if array("I").itemsize != 4:  # pragma: no cover - true of every platform CPython supports
    raise ImportError("array('I') must be 32-bit for title fingerprints")
