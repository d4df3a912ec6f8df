"""Delimited text (CSV, TSV, Excel's semicolon CSV and "Unicode Text") into text cells.

The separator is sniffed from the header and the next records when not given. The header
is checked (duplicate names refused; unnamed columns resolved or refused), only the wanted
columns are parsed, and every row carries the line of the file its record starts on.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import polars as pl

from timing._readers.raw import RawTable, ReadInfo, select_columns
from timing._readers.text import decode, field_index
from timing.errors import TimingInputError

__all__ = ["CANDIDATES", "check_header", "read_delimited", "resolve_unnamed", "sniff_separator"]

CANDIDATES = (",", ";", "\t", "|")
_NAMES = {",": "','", ";": "';'", "\t": "a tab", "|": "'|'"}
_FLAGS = {",": "','", ";": "';'", "\t": "'\\t'", "|": "'|'"}
#: Above this many header columns the file is parsed record by record, keeping only the
#: wanted columns (Polars allocates per column of the header, hundreds of MB at 1e5).
WIDE = 2_000
_INTEGER = re.compile(r"^\s*-?\d+\s*$")
_LEADING_BREAKS = re.compile(rb"[\r\n]*")
_ALIASES = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _records(text: str, limit: int) -> list[str]:
    """Up to ``limit`` complete records from the start of ``text`` (quoted newlines kept)."""
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        pending = f"{pending}\n{line}" if pending else line
        if pending.count('"') % 2 == 0:
            out.append(pending.rstrip("\r"))
            pending = ""
            if len(out) >= limit:
                break
    return out


def sniff_separator(text: str, *, default: str = ",") -> str:
    """Pick the separator among ``, ; tab |`` from the first records of ``text``.

    The header must contain it, and the candidate found the same number of times (outside
    quotes) in the most following records wins; ties go to the one found more often.
    """
    records = [r for r in _records(text, 21) if r.strip()]
    if not records:
        return default
    header, body = records[0], records[1:]
    best: tuple[float, int, int] | None = None
    choice = default
    for rank, ch in enumerate(CANDIDATES):
        n = field_index(header, ch)
        if n == 0:
            continue
        agree = sum(field_index(r, ch) == n for r in body) / len(body) if body else 1.0
        score = (agree, n, -rank if ch != default else 1)
        if best is None or score > best:
            best, choice = score, ch
    return choice


def _header_end(data: bytes, start: int) -> int:
    """Byte offset just past the header record that begins at ``start``."""
    pos = start
    quotes = 0
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        quotes += data.count(b'"', pos, nl)
        pos = nl + 1
        if quotes % 2 == 0:
            return pos


def _parse_header(text: str, separator: str) -> list[str]:
    line = text.rstrip("\r\n")
    try:
        row = next(csv.reader([line], delimiter=separator), [])
    except csv.Error:  # a stray carriage return: split plainly
        row = line.split(separator)
    return [name.strip() for name in row]


def check_header(names: list[str], file: str) -> None:
    """Refuse a header that names a column more than once (names already stripped).

    Raises
    ------
    TimingInputError
        Naming the column and its 1-based positions.
    """
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        if name:
            seen.setdefault(name, []).append(i)
    for name, where in seen.items():
        if len(where) > 1:
            cols = ", ".join(map(str, where))
            raise TimingInputError(
                f"{file}: the header names column {name!r} {len(where)} times (columns "
                f"{cols}); rename or remove the extra copies so each name is used once"
            )


def _mismatch(text: str, separator: str, file: str, header_line: int, width: int) -> str | None:
    """Say which record has more fields than the header, or where a quote is left open."""
    reader = csv.reader(io.StringIO(text), delimiter=separator, strict=False)
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return None
    prev = reader.line_num
    try:
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if len(record) > width:
                line = start + header_line - 1
                others = [c for c in CANDIDATES if c != separator]
                alt = " or ".join(_NAMES[c] for c in others[:2])
                return (
                    f"{file}: line {line} has {len(record)} fields where the header has "
                    f"{width} (separator {_NAMES[separator]}); is the separator {alt}? pass "
                    f"--separator {_FLAGS[others[0]]}; or put the cell holding the extra "
                    f"{_NAMES[separator]} in double quotes"
                )
            if prev - start > 0 and any("\n" in f for f in record) and prev >= text.count("\n"):
                return (
                    f"{file}: the quote opened in the record on line {start + header_line - 1} "
                    "is never closed; close it with a double quote or remove it"
                )
    except csv.Error as exc:
        return f"{file}: line {reader.line_num + header_line - 1}: {exc}"
    return None


def _record_lines(text: str, separator: str) -> list[int]:
    """Line (1-based, from the header) on which every data record starts."""
    reader = csv.reader(io.StringIO(text), delimiter=separator, strict=False)
    next(reader, None)
    starts = []
    prev = reader.line_num
    for _ in reader:
        starts.append(prev + 1)
        prev = reader.line_num
    return starts


def _read_wide(
    text: str, separator: str, chosen: list[int], names: list[str], file: str, header_line: int
) -> tuple[pl.DataFrame, np.ndarray]:
    reader = csv.reader(io.StringIO(text), delimiter=separator, strict=False)
    width = len(next(reader))
    cols: list[list[str | None]] = [[] for _ in chosen]
    starts: list[int] = []
    prev = reader.line_num
    for record in reader:
        starts.append(prev + header_line)
        prev = reader.line_num
        if len(record) > width:
            raise TimingInputError(
                _mismatch(text, separator, file, header_line, width) or f"{file}: bad record"
            )
        for j, k in enumerate(chosen):
            cell = record[k] if k < len(record) else None
            cols[j].append(cell or None)
    frame = pl.DataFrame(
        {names[k]: cols[j] for j, k in enumerate(chosen)},
        schema={names[k]: pl.String for k in chosen},
    )
    return frame, np.asarray(starts, dtype=np.int64)


def resolve_unnamed(
    frame: pl.DataFrame, file: str, placeholders: dict[str, int]
) -> tuple[pl.DataFrame, list[str]]:
    """Drop empty unnamed columns, keep a pandas index as ``index``, refuse the rest."""
    notes: list[str] = []
    dropped = []
    for name, position in placeholders.items():
        cells = frame[name]
        filled = cells.drop_nulls().str.strip_chars()
        filled = filled.filter(filled != "")
        if filled.len() == 0:
            dropped.append(name)
        elif (
            position == 1
            and "index" not in frame.columns
            and filled.len() == frame.height
            and (filled.str.contains(_INTEGER.pattern).all())
        ):
            frame = frame.rename({name: "index"})
            notes.append(
                f"{file}: the first column has no name and holds row numbers (a pandas "
                "index, as written by to_csv without index=False); kept as column 'index'"
            )
        else:
            raise TimingInputError(
                f"{file}: column {position} of the header has no name but holds values "
                f"(e.g. {filled[0]!r}); give it a name in the header or delete the column"
            )
    if dropped:
        frame = frame.drop(dropped)
        notes.append(f"{file}: {len(dropped)} unnamed empty column(s) ignored")
    return frame, notes


def read_delimited(
    data: bytes,
    file: str,
    *,
    separator: str | None = None,
    encoding: str | None = None,
    keep: frozenset[str] | None = None,
    default_separator: str = ",",
) -> RawTable:
    """Read delimited text into a frame of text cells with the line of every record.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    file : str
        Name used in messages.
    separator : str, optional
        One character (or ``\\t``/``tab``, ``comma``, ``semicolon``, ``pipe``); sniffed
        among ``, ; tab |`` when None.
    encoding : str, optional
        See :func:`timing._readers.text.decode`.
    keep : frozenset of str, optional
        Column names to load besides the first extras (None: load every column).
    default_separator : str
        Used when sniffing finds no candidate in the header.
    """
    if separator is not None:
        separator = _ALIASES.get(separator.lower(), separator)
    if separator is not None and len(separator) != 1:
        raise TimingInputError(
            f"separator {separator!r}: expected one character, e.g. ',' ';' or '\\t'"
        )
    provisional: str | None = None
    utf16 = data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or data[:2] in (
        b"\xff\xfe",
        b"\xfe\xff",
    )
    if not (encoding is None and utf16):
        try:
            provisional = data[: 1 << 16].decode(encoding or "utf-8-sig", errors="replace")
        except LookupError:
            provisional = None
    sep_guess = separator or (
        sniff_separator(provisional, default=default_separator) if provisional else None
    )
    header_guess = None
    if provisional is not None and sep_guess is not None:
        first = _records(provisional.lstrip("\r\n"), 1)
        header_guess = _parse_header(first[0], sep_guess) if first else None

    def located_error() -> TimingInputError:
        """The message for bytes that are not UTF-8, with line and column (or a fallback)."""
        try:
            decode(data, file, encoding=encoding, separator=sep_guess, header=header_guess)
        except TimingInputError as exc:
            return exc
        return TimingInputError(f"{file}: the text is not valid UTF-8")  # pragma: no cover

    # Polars checks UTF-8 while parsing; the bytes are decoded here only on failure.
    decoded = decode(
        data, file, encoding=encoding, separator=sep_guess, header=header_guess, check_utf8=False
    )
    utf8 = decoded.utf8
    notes: list[str] = []
    if b"\n" not in utf8 and b"\r" in utf8:  # "CSV (Macintosh)": lines end with CR only
        utf8 = utf8.replace(b"\r", b"\n")
        notes.append(f"{file}: lines end with a carriage return only (old Mac); read as lines")
    body_start = _LEADING_BREAKS.match(utf8).end()  # type: ignore[union-attr]
    header_line = utf8.count(b"\n", 0, body_start) + 1
    if body_start == len(utf8):
        raise TimingInputError(f"{file}: the file holds only blank lines, no header")
    head_end = _header_end(utf8, body_start)
    sample = utf8[body_start : body_start + (1 << 16)].decode("utf-8", errors="replace")
    sep = separator or sniff_separator(sample, default=default_separator)
    try:
        header_text = utf8[body_start:head_end].decode("utf-8")
    except UnicodeDecodeError:
        raise located_error() from None
    if "\x00" in header_text:
        raise TimingInputError(
            f"{file}: the header holds NUL bytes (\\x00); the file is binary or in another "
            "encoding: pass --encoding (e.g. utf-16)"
        )
    names = _parse_header(header_text, sep)
    check_header(names, file)
    chosen, not_loaded = select_columns(names, keep)
    placeholders = {f"\x00unnamed{i + 1}": i + 1 for i in chosen if not names[i]}
    load_names = [n or f"\x00unnamed{i + 1}" for i, n in enumerate(names)]
    body = utf8[body_start:] if body_start else utf8  # no copy in the usual case
    rows: np.ndarray | None = None
    if len(names) > WIDE:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise located_error() from None
        frame, rows = _read_wide(text, sep, chosen, load_names, file, header_line)
    else:
        try:
            frame = pl.read_csv(
                body,
                separator=sep,
                has_header=True,
                infer_schema=False,
                columns=chosen,
                encoding="utf8",
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError as exc:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise located_error() from None
            reason = _mismatch(text, sep, file, header_line, len(names))
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TimingInputError(
                reason
                or f"{file}: could not read as delimited text (separator {_NAMES.get(sep, sep)}"
                f"): {detail}"
            ) from exc
        frame.columns = [load_names[i] for i in chosen]
        lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
        if lines != frame.height + 1:  # quoted line breaks: find where each record starts
            starts = _record_lines(body.decode("utf-8", errors="replace"), sep)
            if len(starts) == frame.height:
                rows = np.asarray(starts, dtype=np.int64) + (header_line - 1)
    frame, more = resolve_unnamed(frame, file, placeholders)
    notes += more
    info = ReadInfo(
        file=file,
        format="csv",
        encoding=decoded.encoding + ("-sig" if decoded.bom and decoded.encoding == "utf-8" else ""),
        separator=sep,
        columns=len(names),
        not_loaded=not_loaded,
        notes=tuple(notes),
    )
    return RawTable(
        frame=frame, info=info, first_row=header_line + 1, rows=rows, nul=b"\x00" in body
    )
