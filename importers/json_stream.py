"""A native JSON document read as a stream: its top-level keys, and `nodes` one entry at a time.

The standard library only parses whole texts, but `JSONDecoder.raw_decode` parses one value at
a position. The reader walks the top-level object itself (braces, keys, commas) and hands each
value to raw_decode over a buffer refilled from the file, so memory holds one entry, never the
file. Every value comes back with its text and first line, for messages that name lines.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from importers.errors import ImportInputError

CHUNK = 1 << 20  # bytes read at a time
_WS = " \t\n\r"


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's default keeps the last of two equal keys ({"id":"X","id":"Y"} is Y): refuse."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(object_pairs_hook=_one_value_per_key)


class DuplicateKeyError(ImportInputError):
    """One object gives a key twice: which value is meant cannot be known."""


def loads(text: str) -> Any:
    """A whole JSON text, like json.loads, except that a key given twice in one object is an
    error instead of the last value silently winning."""
    try:
        return _DECODER.decode(text)
    except _DuplicateKey as exc:
        shown = exc.key if len(exc.key) <= 60 else exc.key[:57] + "..."
        raise DuplicateKeyError(
            f"the key {shown!r} appears twice in one object (which one is meant?)"
        ) from None


# A value that raw_decode rejects, or ends, this close to the end of the buffer may be cut short.
_NEAR_END = 32


class JsonSyntaxError(ImportInputError):
    """Not JSON: the message names the line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message, self.line, self.column = message, line, column


class NotAnObject(JsonSyntaxError):
    """The document starts with a JSON value that is not an object."""


class JsonEncodingError(ImportInputError):
    """Bytes that are not UTF-8 (or the encoding the file declares): names the byte offset."""

    def __init__(self, reason: str, byte: int) -> None:
        super().__init__(f"{reason} at byte {byte}")
        self.reason, self.byte = reason, byte


@dataclass(frozen=True)
class JsonValue:
    key: str  # the top-level key it sits under
    value: Any
    text: str  # its JSON text, for finding lines inside it
    line: int  # 1-based line where it starts
    index: int = -1  # position in `nodes`, for its entries


class _Reader:
    def __init__(self, fh: BinaryIO, chunk: int) -> None:
        self.fh, self.chunk = fh, chunk
        # plain UTF-8, the BOM dropped by hand: utf-8-sig reports error offsets without it
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.dropped = 0  # characters already dropped from the front of the buffer
        self.lines_before = 0  # newlines among them
        self.last_newline = -1  # absolute character offset of the last of them
        self.bytes_read = 0

    def more(self, at_least: int = 0) -> bool:
        """Append the next chunk (or at least `at_least` more bytes); False at the end of file."""
        if self.eof:
            return False
        raw = self.fh.read(max(self.chunk, at_least))
        held = len(self.decoder.getstate()[0])  # bytes of a character cut by the previous read
        start = self.bytes_read - held
        self.bytes_read += len(raw)
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise JsonEncodingError(exc.reason, start + exc.start) from None
        if start == 0 and text.startswith("\ufeff"):
            text = text[1:]
        if self.pos > self.chunk:  # drop what has been consumed, keeping line and column counts
            newline = self.buf.rfind("\n", 0, self.pos)
            if newline >= 0:
                self.lines_before += self.buf.count("\n", 0, self.pos)
                self.last_newline = self.dropped + newline
            self.buf = self.buf[self.pos :]
            self.dropped += self.pos
            self.pos = 0
        self.buf += text
        self.eof = not raw
        return True

    def line_col(self, pos: int) -> tuple[int, int]:
        """1-based line and column of buffer position `pos`, counted as json.loads counts them."""
        line = self.lines_before + self.buf.count("\n", 0, pos) + 1
        newline = self.buf.rfind("\n", 0, pos)
        return line, (pos - newline if newline >= 0 else self.dropped + pos - self.last_newline)

    def fail(self, message: str, pos: int | None = None) -> JsonSyntaxError:
        return JsonSyntaxError(message, *self.line_col(self.pos if pos is None else pos))

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf) or not self.more():
                return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def expect(self, chars: str, what: str) -> str:
        c = self.peek()
        if c == "" or c not in chars:
            raise self.fail(
                f"expected {what}" + (f", found {c!r}" if c else ", found the end of the file")
            )
        self.pos += 1
        return c

    def value(self) -> tuple[Any, str, int]:
        """The next JSON value, its text and its first line."""
        self.peek()
        while True:
            start = self.pos
            # A value cut short is parsed again from its start once more text is in: asking for
            # as much again as it already spans keeps a large value linear, not quadratic.
            grow = len(self.buf) - start
            try:
                value, end = _DECODER.raw_decode(self.buf, start)
            except json.JSONDecodeError as exc:
                cut_short = exc.pos >= len(self.buf) - _NEAR_END or exc.msg.startswith(
                    "Unterminated string"
                )
                if cut_short and self.more(grow):
                    continue
                raise self.fail(exc.msg, exc.pos) from None
            except RecursionError:
                raise self.fail("nested too deeply to be a stratmap document", start) from None
            except _DuplicateKey as exc:
                shown = exc.key if len(exc.key) <= 60 else exc.key[:57] + "..."
                raise self.fail(
                    f"the key {shown!r} appears twice in one object (which one is meant?)", start
                ) from None
            except ValueError as exc:  # e.g. an integer beyond Python's 4300-digit conversion limit
                raise self.fail(str(exc).split(";")[0], start) from None
            # a number may go on in the next chunk ("1" of "12", or "0" of "0.5" cut after the dot)
            if end > len(self.buf) - _NEAR_END and self.more(grow):
                continue
            self.pos = end
            return value, self.buf[start:end], self.line_col(start)[0]


def walk(path: Path, chunk: int = CHUNK) -> Iterator[JsonValue]:
    """The top-level values of a JSON object document; the entries of a `nodes` list one by one."""
    with path.open("rb") as fh:
        r = _Reader(fh, chunk)
        if r.peek() == "":
            raise JsonSyntaxError("the file is empty", 1, 1)
        if r.peek() != "{":
            at = r.line_col(r.pos)
            if r.peek() != "[":  # a scalar, or not JSON at all: json's own message says which
                r.value()
            raise NotAnObject("the document is not a JSON object", *at)
        r.pos += 1
        seen: dict[str, int] = {}
        if r.peek() == "}":
            r.pos += 1
        else:
            while True:
                if r.peek() != '"':
                    raise r.fail("expected a key in double quotes")
                key, key_text, line = r.value()
                if key in seen:  # json.loads would silently keep the last one
                    raise r.fail(
                        f"the key {key!r} appears twice at the top level "
                        f"(first on line {seen[key]})",
                        r.pos - len(key_text),
                    )
                seen[key] = line
                r.expect(":", "':' after a key")
                if key == "nodes" and r.peek() == "[":
                    r.pos += 1
                    index = 0
                    if r.peek() == "]":
                        r.pos += 1
                    else:
                        while True:
                            value, text, line = r.value()
                            yield JsonValue("nodes", value, text, line, index)
                            index += 1
                            if r.expect(",]", "',' or ']' between entries of 'nodes'") == "]":
                                break
                else:
                    value, text, line = r.value()
                    yield JsonValue(key, value, text, line)
                if r.expect(",}", "',' or '}' after a value") == "}":
                    break
        if r.peek() != "":
            raise r.fail("extra data after the document")
