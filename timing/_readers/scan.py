"""Lazy sources for the streaming path: Parquet files, folders and globs; plain CSV and NDJSON.

:func:`open_scan` returns a :class:`Scanned` (a Polars ``LazyFrame`` of the wanted
columns, the number of rows and how to turn a row number into the file and row a person
sees) or None when the input is not one it can read exactly as the eager readers do; the
eager readers then take it. A delimited file qualifies when it is UTF-8 without a
byte-order mark, starts with its header, names every column once, and every record sits
on one line (the file has one more line than records), so that a record's line is its
index plus 2; anything else (quoted line breaks, blank lines, a ragged record, other
encodings) goes the eager way, which says where the problem is.

An NDJSON file qualifies (:func:`open_ndjson`) when Polars reads every cell as Python's
``json`` module and :func:`timing._readers.jsonish.read_ndjson` would turn it into text:
UTF-8 without a byte-order mark or control characters, no blank line, no key given twice
on a line, no key with padding spaces, no arrays or objects as values, and no number with
a fraction or an exponent in the columns read (Polars writes ``1.0`` as ``1`` where
Python writes ``1.0``); whole numbers, booleans and nulls read as the eager text.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from timing._readers.delimited import (
    WIDE,
    _header_end,
    _parse_header,
    check_header,
    sniff_separator,
)
from timing._readers.raw import ReadInfo, select_columns
from timing._readers.source import DELIMITED_SUFFIXES, expand_files
from timing.errors import TimingInputError

__all__ = ["Scanned", "expand_paths", "open_ndjson", "open_scan"]


@dataclass(frozen=True, slots=True)
class Scanned:
    """A lazily read table: its wanted columns, size and row numbering."""

    frame: pl.LazyFrame
    loaded: list[str]
    rows: int
    first_row: int
    info: ReadInfo
    place: Callable[[int], tuple[str, int]]


def expand_paths(path: str | Path, suffix: str = ".parquet") -> list[Path] | None:
    """The ``suffix`` files a folder or glob pattern stands for (sorted), else None."""
    # An empty match goes to the eager reader, which says what is wrong.
    return expand_files(path, suffixes=(suffix,)) or None


def _places(label: str, files: list[Path], counts: list[int]) -> Callable[[int], tuple[str, int]]:
    """Map a 1-based row across the files to (file, 1-based record in that file)."""
    if len(files) == 1:
        return lambda row: (label, row)
    ends = np.cumsum(counts)

    def place(row: int) -> tuple[str, int]:
        k = int(np.searchsorted(ends, row, side="left"))
        before = int(ends[k - 1]) if k else 0
        return str(files[k]), row - before

    return place


def open_parquet(path: str | Path, keep: frozenset[str]) -> Scanned | None:
    """A Parquet file, folder or glob (rows numbered across the files in sorted order)."""
    files = expand_paths(path)
    if files is None:
        if str(path) == "-" or Path(path).suffix.lower() != ".parquet" or not Path(path).is_file():
            return None
        files = [Path(path)]
    label = str(path)
    try:
        names = list(pl.scan_parquet(files[0]).collect_schema())
        counts = [pl.scan_parquet(f).select(pl.len()).collect().item() for f in files]
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TimingInputError(f"{label}: could not read as Parquet: {first}") from exc
    chosen, not_loaded = select_columns(names, keep)
    loaded = [names[i] for i in chosen]
    source = pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
    try:
        frame = source.select(loaded)
        frame.collect_schema()
    except pl.exceptions.PolarsError as exc:
        raise TimingInputError(f"{label}: the files do not share one schema: {exc}") from exc
    info = ReadInfo(label, "parquet", columns=len(names), not_loaded=not_loaded)
    return Scanned(frame, loaded, sum(counts), 1, info, _places(label, files, counts))


def _chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes, 16 MiB at a time."""
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(1 << 24), b"")


def _count_lines(path: Path) -> tuple[int, bool]:
    """Line breaks in a file and whether it ends with one."""
    count, last = 0, b""
    for chunk in _chunks(path):
        count += chunk.count(b"\n")
        last = chunk
    return count, last.endswith(b"\n")


def open_csv(path: str | Path, keep: frozenset[str]) -> Scanned | None:
    """A plain UTF-8 delimited file whose records each sit on one line, else None."""
    p = Path(path)
    if str(path) == "-" or p.suffix.lower() not in DELIMITED_SUFFIXES or not p.is_file():
        return None
    with p.open("rb") as fh:
        head = fh.read(1 << 16)
    end = _header_end(head, 0)
    if not head or head[:1] in b"\r\n\xef\xfe\xff\x00" or end >= len(head):
        return None  # blank start, a byte-order mark, or a header longer than the sample
    try:
        header = head[:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    sample = head[: head.rfind(b"\n") + 1].decode("utf-8", errors="replace")
    sep = sniff_separator(sample, default="\t" if p.suffix.lower() == ".tsv" else ",")
    if "\x00" in header or "\r" in header.rstrip("\r\n"):
        return None
    names = _parse_header(header, sep)
    check_header(names, str(path))  # the eager reader's message for a repeated name
    if not all(names) or len(names) > WIDE:
        return None
    lazy = pl.scan_csv(p, separator=sep, has_header=True, infer_schema=False, raise_if_empty=False)
    try:
        found = list(lazy.collect_schema())
        rows = lazy.select(pl.len()).collect().item()
    except pl.exceptions.PolarsError:
        return None
    breaks, closed = _count_lines(p)
    if len(found) != len(names) or rows == 0 or breaks + (0 if closed else 1) != rows + 1:
        return None
    chosen, not_loaded = select_columns(names, keep)
    frame = lazy.select([pl.col(found[i]).alias(names[i]) for i in chosen])
    info = ReadInfo(
        str(path), "csv", encoding="utf-8", separator=sep, columns=len(names),
        not_loaded=not_loaded,
    )  # fmt: skip
    return Scanned(frame, [names[i] for i in chosen], rows, 2, info, lambda r: (str(path), r))


# A JSON string followed by a colon: a key. Matching from the left, a match can only start
# at a key's opening quote (a quote inside a string is escaped, a string's closing quote
# is never followed by a colon). Keys of nested objects would match too: files with
# nested values go the eager way.
_KEY = r'"((?:[^"\\]|\\.)*)"\s*:'
_FLOAT_VALUE = _KEY + r"\s*-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+)\s*[,}]"
_DECODER = json.JSONDecoder()
# a key whose value is an array or an object (or, harmlessly, such text in a string)
_NESTED = r'"\s*:\s*[\[{]'
# every byte but the control characters (\n and \r are checked on their own)
_NOT_CONTROL = bytes(range(0x20, 0x100)) + b"\n\r"


def _plain_utf8_lines(path: Path) -> int | None:
    """Lines of a UTF-8 file without BOM, control characters or lone ``\\r``, else None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, returns, pairs, last = 0, 0, 0, b""
    for chunk in _chunks(path):
        if not last and chunk.startswith(codecs.BOM_UTF8):
            return None
        if chunk.translate(None, _NOT_CONTROL):  # a control character is left
            return None
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return None
        lines += chunk.count(b"\n")
        returns += chunk.count(b"\r")
        pairs += chunk.count(b"\r\n") + (last.endswith(b"\r") and chunk.startswith(b"\n"))
        last = chunk
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    if returns != pairs:  # \r only as part of \r\n line ends
        return None
    return lines + (0 if last.endswith(b"\n") or not last else 1)


def _name(match: str) -> str:
    """The key of a ``"key":`` match, decoded as the JSON parser does."""
    return str(_DECODER.raw_decode(match)[0])


def _keys(lines: pl.LazyFrame) -> tuple[list[str], set[str]] | None:
    """Keys in order of first use and the keys with a fractional number as a value.

    The lines' key sequences are few (a file's records share a layout or a handful), so
    Polars finds the distinct ones and Python decodes them. None when a line gives a key
    twice (the eager reader stops there with its message), a key has padding spaces (the
    eager reader strips them) or a value is an array or an object.
    """
    text = pl.col("text")
    found = (
        lines.select(
            text.str.extract_all(_KEY).list.join("\x00").alias("keys"),
            text.str.extract_all(_FLOAT_VALUE).list.join("\x00").alias("floats"),
            text.str.contains(_NESTED).alias("nested"),
        )
        .unique(maintain_order=True)
        .collect(engine="streaming")
    )
    if found["nested"].any():
        return None
    order: dict[str, None] = {}
    for layout in found["keys"].drop_nulls():
        names = [_name(m) for m in layout.split("\x00")] if layout else []
        stripped = {n.strip() for n in names}
        if len(stripped) < len(names) or any(n != n.strip() for n in names):
            return None
        order.update(dict.fromkeys(names))
    fractional = {_name(m) for f in found["floats"].drop_nulls() if f for m in f.split("\x00")}
    return list(order), fractional


def open_ndjson(path: str | Path, keep: frozenset[str]) -> Scanned | None:
    """A plain UTF-8 NDJSON file whose cells Polars reads as the eager reader does, else None.

    Every key is read as text (Polars writes whole numbers and booleans as Python's
    ``str`` does), so no pass is spent inferring types.
    """
    p = Path(path)
    if str(path) == "-" or p.suffix.lower() not in (".ndjson", ".jsonl") or not p.is_file():
        return None
    count = _plain_utf8_lines(p)
    if not count:
        return None
    lines = pl.scan_csv(
        p, has_header=False, separator="\x01", quote_char=None, schema={"text": pl.String}
    )
    try:
        found = _keys(lines)
        if found is None or not found[0]:
            return None
        order, fractional = found
        lazy = pl.scan_ndjson(p, schema=dict.fromkeys(order, pl.String))
        # counting a column's nulls parses every line (pl.len() alone may not)
        counted = lazy.select(pl.len(), pl.col(order[0]).null_count())
        rows, _ = counted.collect(engine="streaming").row(0)
    except pl.exceptions.PolarsError:
        return None  # not JSON objects one per line: the eager reader says where
    if rows != count:
        return None
    chosen, not_loaded = select_columns(order, keep)
    loaded = [order[i] for i in chosen]
    if fractional.intersection(loaded):
        return None
    info = ReadInfo(
        str(path), "ndjson", encoding="utf-8", columns=len(order), not_loaded=not_loaded
    )
    return Scanned(lazy.select(loaded), loaded, rows, 1, info, lambda r: (str(path), r))


def open_scan(path: str | Path, keep: frozenset[str]) -> Scanned | None:
    """The lazy source for ``path``, or None when the eager readers must read it."""
    return open_parquet(path, keep) or open_csv(path, keep) or open_ndjson(path, keep)
