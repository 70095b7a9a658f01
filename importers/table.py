"""Delimited text files the way they come: encoding, delimiter and header names found, not assumed.

Spreadsheets saved by hand arrive as UTF-8 with or without a BOM, UTF-16 (Excel's "Unicode
text"), or Windows-1252 (Excel on Windows, European locales), separated by `,`, `;` (Excel where
the decimal mark is a comma) or tabs. A `Table` is opened once to decide all of that, then its
records can be read any number of times, streamed: nothing but the header is held.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from importers.errors import ImportFailed, ImportIssue

SNIFF_BYTES = 64 * 1024
csv.field_size_limit(
    16 * 1024 * 1024
)  # past the csv module's 128 KiB: --truncate decides on long text
DELIMITERS = ",;\t"
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE"),
)
_LABELS = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}


def header_key(name: str) -> str:
    """Headers match case- and space-insensitively: 'Owner Email' = 'owner_email' = 'OWNEREMAIL'."""
    return re.sub(r"[\s_]+", "", name).lower()


@dataclass(frozen=True)
class Table:
    path: Path
    encoding: str  # a Python codec name
    encoding_label: str  # what the summary says
    delimiter: str
    header: tuple[str, ...]  # as written, stripped
    label: str | None = None  # what problems call the file, where it is not `path` (a workbook)
    keep: tuple[int, ...] | None = None  # the columns read (--columns may drop some); None: all
    header_record: int = 1  # blank rows above the header (a title left out) are skipped

    @property
    def file(self) -> str:
        return self.label or str(self.path)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(h) for h in self.header)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(record number, cells) of every non-empty data record; the header is record 1."""
        try:
            with self.path.open("r", encoding=self.encoding, newline="") as fh:
                reader = csv.reader(fh, delimiter=self.delimiter)
                for _ in range(self.header_record):
                    next(reader, None)
                for number, cells in enumerate(reader, start=self.header_record + 1):
                    if self.keep is not None:
                        cells = [cells[i] if i < len(cells) else "" for i in self.keep]
                    if "".join(cells).strip():
                        yield number, cells
        except csv.Error as exc:
            raise ImportFailed([ImportIssue(self.file, f"malformed CSV: {exc}")]) from None


def _encoding(path: Path) -> tuple[str, str]:
    with path.open("rb") as fh:
        head = fh.read(4)
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label
    with path.open("rb") as fh:
        sample = fh.read(4096)
    # UTF-16 saved without a BOM: ASCII text with a NUL beside every character
    if len(sample) >= 4 and sample.count(0) * 3 > len(sample):
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if odd > even:
            return "utf-16-le", "UTF-16 LE (no BOM)"
        return "utf-16-be", "UTF-16 BE (no BOM)"
    # strict UTF-8 over the whole file, chunk by chunk: a file that is UTF-8 for its first
    # megabyte and Windows-1252 further down must not be half-misread
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        return "cp1252", "Windows-1252"


def _undecodable_line(path: Path, encoding: str) -> int:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return 1


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # one column, or a sample the sniffer cannot read: count in the header line
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def open_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    label: str | None = None,
) -> Table:
    """Decide encoding, delimiter and header; a problem is an ImportFailed naming the file."""
    path = Path(path)
    file = label or str(path)
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ImportFailed([ImportIssue(file, f"unknown encoding '{encoding}'")]) from None
        said = f"{encoding} (as asked)"
    else:
        codec, said = _encoding(path)
    if delimiter is not None and len(delimiter) != 1:
        raise ImportFailed(
            [ImportIssue(file, f"the delimiter must be one character, not {delimiter!r}")]
        )
    try:
        with path.open("r", encoding=codec, newline="") as fh:
            sample = fh.read(SNIFF_BYTES)
        delim = delimiter if delimiter is not None else _delimiter(sample)
        header_record, header = 0, None
        with path.open("r", encoding=codec, newline="") as fh:
            for cells in csv.reader(fh, delimiter=delim):
                header_record += 1
                if any(c.strip() for c in cells):
                    header = cells
                    break
        if codec != "utf-8-sig":  # a BOM read under an explicit --encoding
            header = [header[0].lstrip("\ufeff"), *header[1:]] if header else header
    except UnicodeError as exc:  # UnicodeDecodeError, or UTF-16 asked for a file without a BOM
        line = _undecodable_line(path, codec)
        raise ImportFailed(
            [
                ImportIssue(
                    file,
                    f"cannot be read as {_LABELS.get(codec, codec)} on line {line} "
                    f"({getattr(exc, 'reason', exc)}); "
                    "pass --encoding",
                    row=line,
                )
            ]
        ) from None
    except csv.Error as exc:
        raise ImportFailed([ImportIssue(file, f"malformed CSV: {exc}", row=1)]) from None
    if len(delim) != 1:
        raise ImportFailed(
            [ImportIssue(file, f"the delimiter must be one character, not {delim!r}")]
        )
    if not header or not any(h.strip() for h in header):
        raise ImportFailed([ImportIssue(file, "the file is empty: expected a header row", row=1)])
    return Table(
        path,
        codec,
        "xlsx" if label else said,
        delim,
        tuple(h.strip() for h in header),
        label,
        header_record=header_record,
    )


def check_decodes(table: Table) -> None:
    """Fail with the line where the chosen encoding breaks (records() would stop mid-file)."""
    try:
        with table.path.open("r", encoding=table.encoding, newline="") as fh:
            while fh.read(1 << 20):
                pass
    except UnicodeDecodeError as exc:
        line = _undecodable_line(table.path, table.encoding)
        raise ImportFailed(
            [
                ImportIssue(
                    table.file,
                    f"cannot be read as {table.encoding_label} on line {line} ({exc.reason}); "
                    "pass --encoding",
                    row=line,
                )
            ]
        ) from None


def describe(table: Table) -> dict[str, str]:
    if table.label is not None:
        return {"read from": "an .xlsx sheet"}
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    return {
        "encoding": table.encoding_label,
        "delimiter": names.get(table.delimiter, repr(table.delimiter)),
    }


def renamed(table: Table, mapping: dict[str, str | None]) -> Table:
    """The table with its headers renamed by a --columns map (matched like headers are); a header
    mapped to nothing is dropped. Names the map does not mention stay as they are."""
    by_key = {header_key(k): v for k, v in mapping.items()}
    keep = [i for i, h in enumerate(table.header) if by_key.get(header_key(h), h) is not None]
    header = tuple(str(by_key.get(header_key(table.header[i]), table.header[i])) for i in keep)
    return dataclasses.replace(table, header=header, keep=tuple(keep))
