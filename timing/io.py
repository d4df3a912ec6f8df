"""Reading claims and events files into validated Polars tables.

Formats are chosen by extension: delimited text (``.csv``, ``.tsv``, ``.txt``; the
separator is sniffed among comma, semicolon, tab and pipe unless given), ``.parquet``,
``.json`` (an array of objects), ``.ndjson``/``.jsonl`` (one object per line) and
workbooks (``.xlsx``, ``.xls``, ``.ods``; the first sheet unless one is named). The path
``-`` reads standard input and tells the format from the first bytes. Text must be UTF-8
unless a byte-order mark says otherwise or an ``encoding`` is given; nothing is replaced
silently. Foreign column names are mapped to canonical ones with a mapping
``{canonical: source}`` (the CLI's ``--map date=claim_date``). Every cell is read as text
and checked by :func:`timing.schema.validate`; except that claims in Parquet (a file, a
folder or a glob) and in plain UTF-8 CSV are checked by Polars expressions on the
streaming engine, with the same result (:mod:`timing._readers.lazy`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from timing._readers.binary import read_excel, read_parquet
from timing._readers.delimited import read_delimited
from timing._readers.jsonish import read_json, read_ndjson
from timing._readers.raw import EXTRA_COLUMNS, RawTable, ReadInfo
from timing._readers.source import SUPPORTED_SUFFIXES, expand_files, open_source, sha256_of
from timing.claim_counts import COUNTED_COLUMNS, count_claims
from timing.errors import TimingInputError
from timing.schema import (
    CLAIMS,
    COMPACT_COLUMNS,
    EVENTS,
    Problem,
    TableSpec,
    ValidatedTable,
    ValidationError,
    rejects_frame,
    validate,
)

__all__ = [
    "EXTRA_COLUMNS",
    "SUPPORTED_SUFFIXES",
    "LoadedTable",
    "ReadInfo",
    "apply_mapping",
    "column_names",
    "file_sha256",
    "load_claims",
    "load_events",
    "load_table",
    "parse_mapping",
    "read_raw",
]

_NUL = (
    "text without NUL bytes (\\x00); the cell is corrupted, or the file is UTF-16 or "
    "binary: check --encoding"
)


@dataclass(frozen=True, slots=True)
class LoadedTable(ValidatedTable):
    """A :class:`~timing.schema.ValidatedTable` plus how its file was read (``info``)."""

    info: ReadInfo | None = None

    @classmethod
    def of(cls, table: ValidatedTable, info: ReadInfo | None) -> LoadedTable:
        """``table`` (its fields as they are) with how its file was read."""
        return cls(**{f.name: getattr(table, f.name) for f in fields(table)}, info=info)


def _read(
    path: str | Path,
    *,
    separator: str | None,
    encoding: str | None,
    sheet: str | int | None,
    keep: frozenset[str] | None,
    lenient: bool,
) -> RawTable:
    source = open_source(path)
    label, data = source.label, source.data
    if source.format != "excel" and sheet is not None:
        raise TimingInputError(f"{label}: --sheet applies to workbooks (.xlsx, .xls, .ods) only")
    if source.format in ("excel", "parquet") and (separator or encoding):
        raise TimingInputError(
            f"{label}: --separator and --encoding apply to text files, not {source.format}"
        )
    if source.format == "csv":
        return read_delimited(
            data,
            label,
            separator=separator,
            encoding=encoding,
            keep=keep,
            default_separator="\t" if source.suffix == ".tsv" else ",",
        )
    if separator is not None:
        raise TimingInputError(f"{label}: --separator applies to delimited text only")
    if source.format == "json":
        return read_json(data, label, encoding=encoding, keep=keep)
    if source.format == "ndjson":
        return read_ndjson(data, label, encoding=encoding, keep=keep, lenient=lenient)
    if source.format == "parquet":
        return read_parquet(data, label, keep=keep)
    return read_excel(data, label, sheet=sheet, keep=keep)


def read_raw(
    path: str | Path,
    *,
    separator: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> pl.DataFrame:
    """Read a file into a frame of strings, choosing the reader by extension.

    Parameters
    ----------
    path : str or pathlib.Path
        A file with one of :data:`SUPPORTED_SUFFIXES`, or ``-`` for standard input.
    separator : str, optional
        Field separator of delimited text; sniffed (comma, semicolon, tab, pipe) if None.
    encoding : str, optional
        Text encoding (a Python codec name such as ``cp1252``); if None, a byte-order mark
        decides, else the text must be UTF-8.
    sheet : str or int, optional
        Worksheet of a workbook: its name or its number from 1 (default the first).

    Returns
    -------
    polars.DataFrame
        Every column as ``pl.String``, so that validation sees the original text.

    Raises
    ------
    TimingInputError
        If the file is missing, a directory, empty, of an unsupported type, not decodable
        or cannot be parsed; the message says where and what to do.
    """
    return _read(
        path, separator=separator, encoding=encoding, sheet=sheet, keep=None, lenient=False
    ).frame


def column_names(
    path: str | Path,
    *,
    separator: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> list[str]:
    """The column names of a table, as :func:`read_raw` would give them.

    For Parquet (a file, a folder or a glob pattern of ``.parquet`` files) only the
    schema is read, not the rows.
    """
    from timing._readers.scan import expand_paths

    files = expand_paths(path)
    if files is None and str(path) != "-" and Path(path).suffix.lower() == ".parquet":
        files = [Path(path)] if Path(path).is_file() else None
    if files and separator is None and encoding is None and sheet is None:
        try:
            return list(pl.read_parquet_schema(files[0]))
        except (pl.exceptions.PolarsError, OSError):
            pass  # the reader says what is wrong with the file
    return read_raw(path, separator=separator, encoding=encoding, sheet=sheet).columns


def parse_mapping(items: Sequence[str], *, flag: str = "--map") -> dict[str, str]:
    """Parse ``["date=claim_date", ...]`` into ``{"date": "claim_date"}``.

    Raises
    ------
    TimingInputError
        If an item is not of the form ``CANONICAL=SOURCE``.
    """
    mapping: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise TimingInputError(
                f"{flag} {item!r}: expected NAME=VALUE, e.g. --map date=claim_date"
            )
        mapping[key.strip()] = value.strip()
    return mapping


def _listed(columns: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f", ... ({len(columns) - limit:,} more)" if len(columns) > limit else "")


def apply_mapping(
    frame: pl.DataFrame,
    mapping: Mapping[str, str],
    spec: TableSpec,
    *,
    file: str,
    optional: bool = False,
) -> pl.DataFrame:
    """Rename source columns to canonical names.

    Parameters
    ----------
    frame : polars.DataFrame
    mapping : mapping of str to str
        ``{canonical: source}``; keys that are not columns of ``spec`` are ignored (a
        mapping may carry keys for the other table kind).
    spec : TableSpec
    file : str
        Name used in messages.
    optional : bool
        When True, entries whose source column is absent are skipped (a ``--map`` given
        for both tables applies to whichever file has the column); when False they are
        an error.
    """
    if not mapping:
        return frame
    names = mapped_names(frame.columns, mapping, spec, file=file, optional=optional)
    dropped = [c for c, name in zip(frame.columns, names, strict=True) if name is None]
    renames = {
        c: name
        for c, name in zip(frame.columns, names, strict=True)
        if name is not None and name != c
    }
    return frame.drop(dropped).rename(renames)


def mapped_names(
    columns: Sequence[str],
    mapping: Mapping[str, str],
    spec: TableSpec,
    *,
    file: str,
    optional: bool = False,
) -> list[str | None]:
    """The name each column gets under :func:`apply_mapping` (None: dropped).

    A canonical column that a map replaces with another source column is dropped.
    """
    renames: dict[str, str] = {}
    for canonical, source in mapping.items():
        if canonical not in spec.names:
            continue
        if source not in columns and optional:
            continue
        if source not in columns:
            raise TimingInputError(
                f"{file}: --map {canonical}={source}: no column {source!r} "
                f"(columns: {_listed(list(columns))})"
            )
        renames[source] = canonical
    clashing = {c for c in renames.values() if c in columns and c not in renames}
    return [None if c in clashing else renames.get(c, c) for c in columns]


def _nul_problems(frame: pl.DataFrame, rows: np.ndarray, file: str) -> list[Problem]:
    """A problem for every cell holding a NUL byte (never passed on into reports)."""
    problems: list[Problem] = []
    for name in frame.columns:
        hit = frame[name].str.contains("\x00", literal=True).fill_null(False)
        if hit.any():
            for i in np.flatnonzero(hit.to_numpy()):
                shown = frame[name][int(i)].replace("\x00", "\\x00")  # never a raw NUL
                problems.append(Problem(file, int(rows[i]), name, shown, _NUL))
    return problems


def _merge(table: ValidatedTable, extra: list[Problem], broken: int) -> ValidatedTable:
    """Add problems found while reading to a leniently validated table."""
    problems = sorted([*table.accounting.reasons, *extra], key=lambda p: p.row)
    bad_rows = {p.row for p in extra}
    frame = table.frame.filter(~pl.col("row").is_in(sorted(bad_rows)))
    rejects = rejects_frame(problems)
    read = table.accounting.read + broken
    accounting = dataclasses.replace(
        table.accounting,
        read=read,
        used=frame.height,
        rejected=read - frame.height,
        reasons=tuple(problems),
    )
    return dataclasses.replace(table, frame=frame, rejects=rejects, accounting=accounting)


def load_table(
    path: str | Path,
    spec: TableSpec,
    *,
    mapping: Mapping[str, str] | None = None,
    lenient: bool = False,
    resolution: Literal["day", "hour", "minute"] = "day",
    optional_mapping: Mapping[str, str] | None = None,
    separator: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    columns: Sequence[str] | None = None,
    keep_all_up_to: int | None = None,
    streaming: bool | None = None,
    sort_by_date: bool = False,
    count_above: int | None = None,
) -> LoadedTable:
    """Read, map and validate one table.

    Parameters
    ----------
    path : str or pathlib.Path
        File to read (format by extension), or ``-`` for standard input.
    spec : TableSpec
        :data:`timing.schema.CLAIMS` or :data:`timing.schema.EVENTS`.
    mapping : mapping of str to str, optional
        ``{canonical_name: column_in_file}``; a source column that is absent is an error.
    lenient : bool
        Quarantine bad rows (and broken NDJSON lines) instead of raising.
    resolution : {"day", "hour", "minute"}
        Time resolution dates are truncated to.
    optional_mapping : mapping of str to str, optional
        Like ``mapping``, but entries whose source column is absent are skipped; those
        applied are listed in ``ValidatedTable.mapped``.
    separator, encoding, sheet : optional
        See :func:`read_raw`.
    columns : sequence of str, optional
        Canonical columns to keep in ``frame`` (every column is still validated); by
        default all of them plus the extra columns. ``["date"]`` is what ``timing
        validate`` needs and keeps a 1e8-row file in about 1.2 GB.
    keep_all_up_to : int, optional
        With ``columns``: keep every column anyway when the file has at most this many
        rows; when it has more, the columns left out are named in ``info.left_out`` (and
        in the read notes). Without it, ``columns`` is the caller's choice and no note is
        made.
    streaming : bool, optional
        Claims in Parquet (a file, a folder or a glob pattern of ``.parquet`` files) are
        validated by Polars expressions on the streaming engine (see
        :mod:`timing._readers.lazy`), with the same result as the eager readers. None
        (default) chooses it for Parquet claims; False forces the eager readers.
    sort_by_date : bool
        Return the rows in date order (ties in file order; ``row`` still numbers them as
        in the file) rather than file order. An analysis bins them in date order: sorting
        here, while nothing else holds the table, saves a sorted copy later.
    count_above : int, optional
        Claims: when the file has more than this many rows, hold them as counts per date,
        actor, kind, status and verified date (:mod:`timing.claim_counts`; ids, targets and
        text columns are checked but not kept). Every row is validated and accounted for
        as without it. None (default): one row per claim.

    Returns
    -------
    LoadedTable
        The validated table; ``info`` says how the file was read, including extra
        columns not loaded (only the canonical, mapped and first
        :data:`EXTRA_COLUMNS` other columns are read).

    Notes
    -----
    Row numbers in messages are what a person sees: the line of a delimited or NDJSON
    file on which the record starts (the header is line 1), the spreadsheet row of a
    workbook (the header is row 1), the 1-based record of a JSON array or Parquet file.
    """
    mapping = dict(mapping or {})
    optional = dict(optional_mapping or {})
    keep = (
        frozenset(spec.names)
        | {s for c, s in mapping.items() if c in spec.names}
        | {s for c, s in optional.items() if c in spec.names}
    )
    plain = separator is None and encoding is None and sheet is None
    if streaming is not False and plain and spec.kind == "claims":
        streamed = _load_streaming(
            path,
            spec,
            mapping,
            optional,
            keep=keep,
            lenient=lenient,
            resolution=resolution,
            columns=columns,
            keep_all_up_to=keep_all_up_to,
            count_above=count_above,
        )
        if streamed is not None:
            return _finished(streamed, keep_all_up_to, sort_by_date)
    raw = _read(
        path, separator=separator, encoding=encoding, sheet=sheet, keep=keep, lenient=lenient
    )
    file = raw.info.file
    if raw.frame.height == 0 and raw.broken:
        first = raw.broken[0]
        raise TimingInputError(
            f"{file}: none of its {len(raw.broken)} non-blank lines is usable; line "
            f"{first.row} is not {first.expected}"
        )
    if raw.frame.height == 0:
        if raw.info.format in ("csv", "excel"):
            raise TimingInputError(
                f"{file}: has a header but no data rows; add at least one row of {spec.kind}"
            )
        raise TimingInputError(f"{file}: holds no records; add at least one row of {spec.kind}")
    applied = {
        canonical: source
        for canonical, source in {**optional, **mapping}.items()
        if canonical in spec.names and source in raw.frame.columns
    }
    mapped = apply_mapping(raw.frame, mapping, spec, file=file)
    mapped = apply_mapping(mapped, optional, spec, file=file, optional=True)
    rows = raw.row_numbers()
    extra = (_nul_problems(mapped, rows, file) if raw.nul else []) + raw.broken
    table = validate(
        mapped,
        spec,
        file=file,
        lenient=lenient or bool(extra),
        resolution=resolution,
        row_numbers=rows,
    )
    if extra:
        table = _merge(table, extra, len(raw.broken))
        if not lenient:
            raise ValidationError(table.accounting.reasons)
    table = replace(table, mapped=applied)
    return shape_table(
        LoadedTable.of(table, raw.info),
        rows=raw.frame.height,
        present=mapped.columns,
        columns=columns,
        keep_all_up_to=keep_all_up_to,
        count_above=count_above,
        sort_by_date=sort_by_date,
    )


def shape_table(
    table: LoadedTable,
    *,
    rows: int,
    present: Sequence[str],
    columns: Sequence[str] | None = None,
    keep_all_up_to: int | None = None,
    count_above: int | None = None,
    sort_by_date: bool = False,
) -> LoadedTable:
    """Cut a validated table read whole to the columns kept, count its claims, sort it.

    What :func:`load_table` does after validating a file read whole, also applied to
    claims an adapter read (:func:`timing.inputs.load_inputs`). ``rows`` is the rows read
    and ``present`` the columns the file had (only those are named as left out); the
    other parameters are :func:`load_table`'s.
    """
    info = table.info
    counted = table.spec.kind == "claims" and count_above is not None and rows > count_above
    if counted:
        columns = COUNTED_COLUMNS
    if columns is not None and (counted or keep_all_up_to is None or rows > keep_all_up_to):
        wanted = [c for c in table.frame.columns if c in columns or c == "row"]
        left_out = tuple(c for c in table.frame.columns if c not in wanted and c in present)
        compact = [c for c in COMPACT_COLUMNS if c in wanted]
        frame = table.frame.select(wanted).with_columns(pl.col(compact).cast(pl.Categorical))
        if counted:
            frame = count_claims(frame.lazy()).collect()
        table = replace(table, frame=frame)
        if left_out and info is not None:
            info = replace(info, left_out=left_out, rows=rows, counted=counted)
            table = replace(table, info=info)
    return _finished(table, keep_all_up_to, sort_by_date)


def _finished(table: LoadedTable, keep_all_up_to: int | None, sort_by_date: bool) -> LoadedTable:
    """What both reading paths end with: the note on columns left out, the date order.

    The columns left out are news only under a threshold (an analysis cutting a large
    table); without one they are the caller's own choice (``timing validate`` keeps dates).
    """
    if keep_all_up_to is None and table.info is not None and table.info.left_out:
        table = replace(table, info=replace(table.info, left_out=(), rows=0))
    frame = table.frame
    if not sort_by_date or frame["date"].is_sorted():
        return table
    # One gather of every column by a stable argsort of the dates: on 1e7 claims both
    # DataFrame.sort and an in-place gather column by column peaked higher (measured).
    order = pl.Series(np.argsort(frame["date"].to_physical().to_numpy(), kind="stable"))
    return replace(table, frame=frame[order])


def _load_streaming(
    path: str | Path,
    spec: TableSpec,
    mapping: dict[str, str],
    optional: dict[str, str],
    **kwargs: object,
) -> LoadedTable | None:
    """The streaming path (:mod:`timing._readers.lazy`), None when it does not apply."""
    from timing._readers.lazy import load_streaming

    found = load_streaming(path, spec, mapping, optional, **kwargs)
    if found is None:
        return None
    table, info = found
    return LoadedTable.of(table, info)


def load_claims(path: str | Path, **kwargs: object) -> LoadedTable:
    """Load a claims file; see :func:`load_table` for the keyword arguments.

    Examples
    --------
    >>> from timing.datasets import dataset_path
    >>> table = load_claims(dataset_path("ru-ua-2025") / "claims.csv")
    >>> table.accounting.read == table.accounting.used + table.accounting.rejected
    True
    """
    return load_table(path, CLAIMS, **kwargs)  # type: ignore[arg-type]


def load_events(path: str | Path, **kwargs: object) -> LoadedTable:
    """Load an events file; see :func:`load_table` for the keyword arguments."""
    return load_table(path, EVENTS, **kwargs)  # type: ignore[arg-type]


def file_sha256(path: str | Path) -> str:
    """Return the hex SHA-256 of a file's bytes (for the reproducibility footer).

    For ``-`` it is the hash of the bytes read from standard input (read once and kept).
    For a folder or a glob pattern of files (adapters that read many files), it is the
    SHA-256 of the sorted lines ``<name> <sha256 of the file>``, so renaming, changing,
    adding or removing any file changes it.
    """
    found = expand_files(path)
    if found is not None:
        lines = "".join(f"{p.name} {sha256_of(p)}\n" for p in found)
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()
    return sha256_of(path)
