"""Finding and splitting GDELT event files: 1.0 and 2.0 layouts, zips, headers, globs.

GDELT publishes its event records as tab-separated text without a header, one record a
line, no quoting. The layout is told by the number of fields:

==========  ==========================================================================
fields      layout
==========  ==========================================================================
57          GDELT 1.0 back files (events before April 2013): no ``SOURCEURL``
58          GDELT 1.0 daily files (``YYYYMMDD.export.CSV``, from April 2013)
61          GDELT 2.0 (``YYYYMMDDHHMMSS.export.CSV``, from February 2015): every
            geography also has an ``ADM2Code``; ``DATEADDED`` is ``YYYYMMDDHHMMSS``
==========  ==========================================================================

Files come as published (``*.export.CSV.zip``: every member is read, stdlib
:mod:`zipfile`), unzipped, or re-saved with a header row (tab- or comma-separated, as a
spreadsheet or pandas writes them: columns are then found by name, case ignored, with
BigQuery's ``GlobalEventID``/``Day`` accepted). A path may also be a directory (every
``.csv``, ``.tsv``, ``.txt`` and ``.zip`` file in it) or a glob pattern with ``*``.

:func:`iter_raw` gives each file's (or member's) needed fields as a Polars frame: the
published headerless text is split by Polars (only the needed columns parsed when every
line has one layout); a re-save with a header, or text with line breaks other than
``\n``/``\r\n``, goes through :func:`_records`, which yields the same rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from timing._readers.source import expand_files
from timing._readers.text import decode
from timing.errors import TimingInputError

__all__ = [
    "COLUMNS",
    "COLUMNS_V1",
    "LAYOUTS",
    "NEEDED",
    "Record",
    "iter_raw",
    "source_files",
]

_ACTOR = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_EVENT = (
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
)
_GEO2 = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")
_GEO1 = tuple(f for f in _GEO2 if f != "ADM2Code")
_HEAD = ("GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate")
_ACTORS = (*(f"Actor1{f}" for f in _ACTOR), *(f"Actor2{f}" for f in _ACTOR))


def _geo(fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{who}Geo_{f}" for who in ("Actor1", "Actor2", "Action") for f in fields)


#: The 61 columns of a GDELT 2.0 event record, in file order.
COLUMNS: tuple[str, ...] = (*_HEAD, *_ACTORS, *_EVENT, *_geo(_GEO2), "DATEADDED", "SOURCEURL")
#: The 58 columns of a GDELT 1.0 daily event record (57 without ``SOURCEURL``).
COLUMNS_V1: tuple[str, ...] = (*_HEAD, *_ACTORS, *_EVENT, *_geo(_GEO1), "DATEADDED", "SOURCEURL")
#: Field count -> (layout name, column names).
LAYOUTS: dict[int, tuple[str, tuple[str, ...]]] = {
    57: ("GDELT 1.0 (57 columns)", COLUMNS_V1[:-1]),
    58: ("GDELT 1.0 (58 columns)", COLUMNS_V1),
    61: ("GDELT 2.0 (61 columns)", COLUMNS),
}
_BY_NAME = {c.lower(): c for c in COLUMNS} | {"globaleventid": "GLOBALEVENTID", "day": "SQLDATE"}
_SUFFIXES = (".csv", ".tsv", ".txt", ".zip")
#: The fields the adapter reads; the others are never taken out of their line.
NEEDED: tuple[str, ...] = (
    "GLOBALEVENTID",
    "SQLDATE",
    "DATEADDED",
    "Actor1Code",
    "Actor1Name",
    "Actor1CountryCode",
    "Actor2Code",
    "Actor2Name",
    "Actor2CountryCode",
    "EventCode",
    "EventRootCode",
    "ActionGeo_FullName",
    "ActionGeo_ADM1Code",
    "SOURCEURL",
)
# Where Python's str.splitlines/str.strip and Polars' line reading and strip_chars could
# disagree (other line breaks, the \x1c-\x1f "spaces", NUL, and the \x01 used as a
# separator no line holds): a member holding one is read line by line.
_ODD_BYTES = (b"\x00", b"\x01", b"\r")
_ODD_CHARS = "[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]"


@dataclass(frozen=True, slots=True)
class Record:
    """One source line: where it is and its fields by column name (``None`` if bad)."""

    file: str
    line: int
    fields: dict[str, str] | None
    width: int


def source_files(path: str | Path) -> list[Path]:
    """Expand a file, a directory or a glob pattern (``*``) into files, sorted.

    Raises
    ------
    TimingInputError
        Nothing to read at ``path``.
    """
    p = Path(path)
    folder = p.is_dir()
    found = expand_files(p, suffixes=_SUFFIXES if folder else None, recursive=False)
    if found is not None:  # a folder or a glob pattern
        if found:
            return found
        if folder:
            raise TimingInputError(
                f"{p}: directory holds no GDELT export file ({', '.join(_SUFFIXES)})"
            )
        raise TimingInputError(f"{path}: no file matches this pattern")
    if not p.is_file():
        raise TimingInputError(f"{p}: no such file or directory")
    return [p]


def _members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Yield ``(label, UTF-8 bytes)`` for the file, or for every member of a zip archive.

    A zip member is read into memory on its own (never extracted to disk), so at most
    one member's bytes are held at a time.
    """
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if not members:
                    raise TimingInputError(f"{path}: zip archive holds no file")
                for m in members:
                    data = archive.read(m)
                    name = f"{path}!{m.filename}"
                    yield name, decode(data, name, separator="\t").utf8
            return
        yield str(path), decode(path.read_bytes(), str(path), separator="\t").utf8
    except (OSError, zipfile.BadZipFile) as exc:
        raise TimingInputError(f"{path}: cannot read ({exc})") from exc


def _header(first: list[str]) -> list[str | None] | None:
    """Column names if ``first`` is a header row (its first cell names a column)."""
    cells = [c.lstrip("\ufeff").strip().strip('"') for c in first]
    if not any(c.lower() in ("globaleventid", "sqldate") for c in cells):
        return None
    return [_BY_NAME.get(c.lower()) for c in cells]


def _records(label: str, text: str) -> Iterator[Record]:
    """The records of one decoded file or zip member, line by line.

    A headerless line whose field count is not 57, 58 or 61 gives ``fields=None``.

    Raises
    ------
    TimingInputError
        A header without ``GLOBALEVENTID``, ``SQLDATE`` and ``EventCode``.
    """
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    comma = "\t" not in first and "," in first
    rows: Iterator[list[str]] = (
        csv.reader(io.StringIO(text))
        if comma
        else (ln.split("\t") if ln.strip() else [] for ln in lines)
    )
    names: list[str | None] | None = None
    started = False
    for number, cells in enumerate(rows, start=1):
        if not any(c.strip() for c in cells):
            continue
        if not started:
            started = True
            names = _header(cells)
            if names is not None:
                missing = {"GLOBALEVENTID", "SQLDATE", "EventCode"} - set(filter(None, names))
                if missing:
                    raise TimingInputError(
                        f"{label}: header row lacks column(s) {', '.join(sorted(missing))}"
                    )
                continue
        if names is not None:
            named = {n: c for n, c in zip(names, cells, strict=False) if n is not None}
            yield Record(label, number, named, len(cells))
            continue
        layout = LAYOUTS.get(len(cells))
        fields = None if layout is None else dict(zip(layout[1], cells, strict=True))
        yield Record(label, number, fields, len(cells))


def iter_raw(path: Path) -> Iterator[tuple[str, pl.DataFrame]]:
    """Yield ``(label, raw frame)`` for the file or every zip member, one at a time.

    The raw frame has a row per non-blank line: ``line`` (1-based line number),
    ``width`` (fields on the line), ``ok`` (whether the fields could be named: 57, 58 or
    61 of them, or a header named them) and the :data:`NEEDED` fields as text (null
    where the layout lacks one). Headerless tab-separated text, the published form, is
    split by Polars; re-saves with a header and text with unusual line breaks go
    through :func:`_records`. Both give the same frame.
    """
    for label, data in _members(path):
        frame = _fast_raw(data)
        yield label, (frame if frame is not None else _slow_raw(label, data))


def _slow_raw(label: str, data: bytes) -> pl.DataFrame:
    """The raw frame built from :func:`_records` (any layout)."""
    lines, widths, ok = [], [], []
    cells: dict[str, list[str | None]] = {name: [] for name in NEEDED}
    for rec in _records(label, data.decode("utf-8")):
        lines.append(rec.line)
        widths.append(rec.width)
        ok.append(rec.fields is not None)
        fields = rec.fields or {}
        for name in NEEDED:
            cells[name].append(fields.get(name))
    return pl.DataFrame(
        {"line": lines, "width": widths, "ok": ok, **cells},
        schema={"line": pl.Int64, "width": pl.Int64, "ok": pl.Boolean}
        | dict.fromkeys(NEEDED, pl.String),
    )


def _first_line(data: bytes) -> str | None:
    """The first non-blank line (within the first MiB), or None."""
    head = data[: 1 << 20]
    pieces = head.split(b"\n")
    if len(head) < len(data):
        pieces = pieces[:-1]  # maybe cut short
    for raw in pieces:
        line = raw.decode("utf-8", errors="replace")
        if line.strip():
            return line
    return None


def _lines(data: bytes) -> pl.DataFrame:
    """Every line of the text as one ``text`` cell (a blank line as null)."""
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\x01",
        quote_char=None,
        schema={"text": pl.String},
    )


def _fast_raw(data: bytes) -> pl.DataFrame | None:
    """The raw frame of headerless tab-separated text, split by Polars; else None."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    first = _first_line(data)
    if first is None or any(odd in data for odd in _ODD_BYTES):
        return None
    if ("\t" not in first and "," in first) or _header(first.split("\t")) is not None:
        return None  # a re-save with a header, or comma-separated
    text = pl.col("text")
    lines = _lines(data)
    width = text.str.count_matches("\t", literal=True).cast(pl.Int64) + 1
    shape = lines.select(
        width.min().alias("low"),
        width.max().alias("high"),
        (text.str.strip_chars() == "").fill_null(True).any().alias("blank"),
        text.str.contains(_ODD_CHARS).any().alias("odd"),
    ).row(0, named=True)
    if shape["odd"]:
        return None
    if shape["low"] == shape["high"] in LAYOUTS and not shape["blank"]:
        rows = lines.height
        del lines  # one copy of the text at a time
        uniform = _uniform_raw(data, shape["low"], rows)
        if uniform is not None:
            return uniform
        lines = _lines(data)
    parts = pl.col("parts")

    def field(name: str) -> pl.Expr:
        """The field in the line's layout (null for a layout without it)."""
        by_layout = [
            pl.when(pl.col("width") == n).then(parts.list.get(names.index(name), null_on_oob=True))
            for n, (_, names) in LAYOUTS.items()
            if name in names
        ]
        return pl.coalesce(*by_layout, pl.lit(None, pl.String)).alias(name)

    return (
        lines.lazy()
        .with_row_index("line", offset=1)
        .filter(text.str.strip_chars() != "")
        .select(
            pl.col("line").cast(pl.Int64),
            width.alias("width"),
            text.str.split("\t").alias("parts"),
        )
        .select(
            "line",
            "width",
            pl.col("width").is_in(list(LAYOUTS)).alias("ok"),
            *[field(name) for name in NEEDED],
        )
        .collect()
    )


def _uniform_raw(data: bytes, width: int, rows: int) -> pl.DataFrame | None:
    """The raw frame of a file whose every line has ``width`` fields: only the needed
    columns are parsed (Polars' CSV reader); None if it does not see ``rows`` rows."""
    names = LAYOUTS[width][1]
    at = {name: names.index(name) for name in NEEDED if name in names}
    order = sorted(at.values())
    fields = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\t",
        quote_char=None,
        columns=order,
        infer_schema=False,
    )
    fields.columns = [names[i] for i in order]  # read in file order
    if fields.height != rows:
        return None
    return fields.select(
        pl.int_range(1, rows + 1, dtype=pl.Int64).alias("line"),
        pl.lit(width, pl.Int64).alias("width"),
        pl.lit(True).alias("ok"),
        *[
            pl.col(name).fill_null("") if name in at else pl.lit(None, pl.String).alias(name)
            for name in NEEDED
        ],
    )
