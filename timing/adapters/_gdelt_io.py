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
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from timing._readers.source import expand_files
from timing._readers.text import decode
from timing.errors import TimingInputError

__all__ = ["COLUMNS", "COLUMNS_V1", "LAYOUTS", "Record", "iter_records", "source_files"]

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
    text = str(path)
    p = Path(path)
    if any(ch in text for ch in "*?[") and not p.is_dir():
        found = expand_files(text, recursive=False)
        if not found:
            raise TimingInputError(f"{text}: no file matches this pattern")
        return found
    if p.is_dir():
        found = expand_files(p, suffixes=tuple(_SUFFIXES), recursive=False)
        if not found:
            raise TimingInputError(
                f"{p}: directory holds no GDELT export file ({', '.join(_SUFFIXES)})"
            )
        return found
    if not p.is_file():
        raise TimingInputError(f"{p}: no such file or directory")
    return [p]


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    """Yield ``(label, text)`` for the file, or for every member of a zip archive."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if not members:
                    raise TimingInputError(f"{path}: zip archive holds no file")
                for m in members:
                    data = archive.read(m)
                    name = f"{path}!{m.filename}"
                    yield name, decode(data, name, separator="\t").utf8.decode("utf-8")
            return
        yield str(path), decode(path.read_bytes(), str(path), separator="\t").utf8.decode("utf-8")
    except (OSError, zipfile.BadZipFile) as exc:
        raise TimingInputError(f"{path}: cannot read ({exc})") from exc


def _header(first: list[str]) -> list[str | None] | None:
    """Column names if ``first`` is a header row (its first cell names a column)."""
    cells = [c.lstrip("\ufeff").strip().strip('"') for c in first]
    if not any(c.lower() in ("globaleventid", "sqldate") for c in cells):
        return None
    return [_BY_NAME.get(c.lower()) for c in cells]


def iter_records(path: Path) -> Iterator[Record]:
    """Yield every non-blank line of a GDELT file (or zip) as a :class:`Record`.

    A headerless line whose field count is not 57, 58 or 61 gives ``fields=None``.

    Raises
    ------
    TimingInputError
        The file cannot be read, or it has a header without ``GLOBALEVENTID``,
        ``SQLDATE`` and ``EventCode``.
    """
    for label, text in _texts(path):
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
