"""Streaming validation of large claims files: Parquet (file, folder, glob), CSV, NDJSON.

The eager readers turn every cell into text and parse it again, which costs about 600
bytes and several microseconds a row. This path reads with ``polars.scan_parquet`` or
``scan_csv`` or ``scan_ndjson`` (see :mod:`timing._readers.scan` for which files qualify), only
the columns wanted, keeps typed columns typed (a ``Date`` column stays a date) and checks
every cell with Polars expressions on the streaming engine:

* a cell that the fast checks accept is one the eager checks accept, with the same value
  (plain ``YYYY-MM-DD`` days, ISO 8601 timestamps of the form
  ``YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z|+HH:MM]`` parsed by ``strptime``, typed dates);
* rows with any cell the fast checks do not accept (a few in a real file) are collected
  as text and handed to :func:`timing.schema.validate`, the eager, careful per-cell path,
  which decides them exactly as it always has: they are rescued or rejected with the
  same row, column, value and reason;
* duplicated ids are found from a 64-bit hash of every id (8 bytes a row), and only the
  rows whose hash occurs twice are read back to compare the ids themselves.

The good rows never exist as Python objects or as text. The result is the same
:class:`~timing.schema.ValidatedTable` as the eager path (``tests/test_lazy_load.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from timing._readers.counted import count_streamed, with_rescued
from timing._readers.raw import ReadInfo
from timing._readers.scan import Scanned, expand_paths, open_scan
from timing.claim_counts import COUNT_COLUMN, COUNTED_COLUMNS, n_claims
from timing.errors import TimingInputError
from timing.schema import (
    COMPACT_COLUMNS,
    ColumnSpec,
    Problem,
    RowAccounting,
    TableSpec,
    ValidatedTable,
    rejects_frame,
    validate,
)

__all__ = ["expand_paths", "load_streaming", "scan_validate"]

_DAY = r"^\d{4}-\d{2}-\d{2}$"
# What Python's datetime.fromisoformat and Polars' strptime agree on exactly; anything
# else (other offsets, 7+ fraction digits, leap seconds, odd spacing) goes the careful way.
_STAMP = (
    r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"
    r"([zZ]|[+-](0\d|1\d|2[0-3]):[0-5]\d)?$"
)
_OFFSET = r"[+-]\d{2}:\d{2}$"
_UTC = pl.Datetime("us", "UTC")
_NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_NUMERIC_ALL = (*_NUMERIC, pl.Float32, pl.Float64)
Resolution = Literal["day", "hour", "minute"]
#: Id hashes (8 bytes each) sorted at once when looking for repeated ids.
HASHES_AT_ONCE = 25_000_000
#: Suspect rows are re-read as text and checked the careful way this many at a time.
CAREFUL_CHUNK = 1_000_000
MapPlan = Callable[[list[str]], tuple[list[str | None], dict[str, str]]]


def _text(name: str) -> pl.Expr:
    """A cell as validation sees it: text, stripped, blank as null."""
    s = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(s.str.len_chars() > 0).then(s)


def _fast_date(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(value as UTC datetime, whether the fast parse decided the cell) for a date column."""
    col = pl.col(name)
    if dtype == pl.Date:
        year = col.dt.year()
        decided = col.is_null() | year.is_between(1, 9999)
        return col.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"), decided
    if isinstance(dtype, pl.Datetime):
        exact = pl.lit(True)
        if dtype.time_unit == "ns":  # sub-microsecond digits: the eager path truncates them
            exact = col.dt.nanosecond() % 1000 == 0
        moved = (
            col.dt.convert_time_zone("UTC")
            if dtype.time_zone is not None
            else col.dt.replace_time_zone("UTC")
        )
        in_range = moved.dt.year().is_between(1, 9999)
        return moved.cast(_UTC), col.is_null() | (exact & in_range)
    s, plain, stamp = (pl.col(f"__{name}_{part}") for part in ("s", "plain", "stamp"))
    day, moment = pl.col(f"__{name}_day"), pl.col(f"__{name}_moment")
    value = (
        pl.when(plain)
        .then(day.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        .when(stamp)
        .then(moment)
    )
    decided = s.is_null() | (plain & day.is_not_null()) | (stamp & moment.is_not_null())
    return value, decided.fill_null(False)


def _date_stages(name: str) -> list[dict[str, pl.Expr]]:
    """Helper columns for parsing a text date column, computed once each, in order.

    Each step sees only the cells it can concern (the others are null, which costs
    nothing); written as one expression, Polars recomputed the shared parts and built
    timestamp text for every cell: 2.5 s a 1e6 rows instead of about 0.5 s.
    """
    s = pl.col(f"__{name}_s")
    size = s.str.len_bytes()
    short, long = pl.when(size == 10).then(s), pl.when(size > 10).then(s)
    plain, stamp = pl.col(f"__{name}_plain"), pl.col(f"__{name}_stamp")
    candidate = pl.when(stamp).then(s)
    zoned = (
        pl.when(candidate.str.contains(_OFFSET))
        .then(candidate)
        .otherwise(candidate.str.replace(r"[zZ]$", "") + "+00:00")
        .str.replace(" ", "T", literal=True)
    )
    return [
        {f"__{name}_s": _text(name)},
        {
            f"__{name}_plain": short.str.contains(_DAY).fill_null(False),
            f"__{name}_stamp": long.str.contains(_STAMP).fill_null(False),
        },
        {
            f"__{name}_day": pl.when(plain).then(s).str.strptime(pl.Date, "%Y-%m-%d", strict=False),
            f"__{name}_moment": zoned.str.strptime(_UTC, "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False),
        },
    ]


def _column(
    col: ColumnSpec, dtype: pl.DataType | None, resolution: Resolution
) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, whether the cell is certainly valid) for one canonical column."""
    name = col.name
    if dtype is None:  # absent: every cell blank
        typed = {"float": pl.Float64, "date": pl.Date if resolution == "day" else _UTC}
        return pl.lit(None, typed.get(col.type, pl.String)).alias(name), pl.lit(not col.required)
    text = _text(name)
    optional_blank = text.is_null() & (not col.required)
    if col.type == "str":
        value, ok = text, text.is_not_null() | (not col.required)
    elif col.type == "enum":  # exact values only: lower-casing costs 15x (0.4 s a 1e6)
        raw = pl.col(name).cast(pl.String)
        value = pl.when(raw.is_in(list(col.allowed))).then(raw)
        ok = value.is_not_null() | (raw.is_null() & (not col.required))
    elif col.type == "float":
        number = (
            pl.col(name).cast(pl.Float64)
            if dtype in _NUMERIC_ALL
            else text.cast(pl.Float64, strict=False)
        )
        value = pl.when(number.is_finite()).then(number)
        ok = value.is_not_null() | optional_blank
    else:
        moment, decided = _fast_date(name, dtype)
        value = (
            moment.dt.date()
            if resolution == "day"
            else moment.dt.truncate("1m" if resolution == "minute" else "1h")
        )
        is_typed = dtype == pl.Date or isinstance(dtype, pl.Datetime)
        blank = pl.col(name).is_null() if is_typed else pl.col(f"__{name}_s").is_null()
        ok = decided & (moment.is_not_null() | (blank & (not col.required)))
    return value.alias(name), ok.fill_null(False)


def load_streaming(
    path: str | Path,
    spec: TableSpec,
    mapping: dict[str, str],
    optional: dict[str, str],
    **kwargs: object,
) -> tuple[ValidatedTable, ReadInfo] | None:
    """:func:`scan_validate` with the two column maps of :func:`timing.io.load_table`.

    ``mapping`` entries must find their source column; ``optional`` ones are applied
    where they do. Returns ``(table, info)`` with ``table.mapped`` set, or None.
    """
    from timing.io import mapped_names

    label = str(path)

    def plan(loaded: list[str]) -> tuple[list[str | None], dict[str, str]]:
        first = mapped_names(loaded, mapping, spec, file=label)
        kept = [n for n in first if n is not None]
        second = iter(mapped_names(kept, optional, spec, file=label, optional=True))
        names = [None if n is None else next(second) for n in first]
        applied = {
            canonical: source
            for canonical, source in {**optional, **mapping}.items()
            if canonical in spec.names and source in loaded
        }
        return names, applied

    found = scan_validate(path, spec, plan=plan, **kwargs)  # type: ignore[arg-type]
    if found is None:
        return None
    table, info, applied = found
    return replace(table, mapped=applied), info


def scan_validate(
    path: str | Path,
    spec: TableSpec,
    *,
    plan: MapPlan,
    keep: frozenset[str],
    lenient: bool,
    resolution: Resolution,
    columns: Sequence[str] | None = None,
    keep_all_up_to: int | None = None,
    count_above: int | None = None,
) -> tuple[ValidatedTable, ReadInfo, dict[str, str]] | None:
    """Validate a claims file, folder or glob with the streaming engine.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.parquet`` file, a folder of them, a glob pattern, or a delimited file.
    spec : TableSpec
        The canonical table (claims; events are small and go the eager way).
    plan : callable
        Given the loaded column names, returns (names after mapping, ``{canonical:
        source}`` applied); raises for a map naming an absent column.
    keep : frozenset of str
        Column names to read (canonical and mapped); up to
        :data:`~timing._readers.raw.EXTRA_COLUMNS` others are kept as text extras.
    lenient, resolution
        As in :func:`timing.io.load_table`.
    columns : sequence of str, optional
        Canonical columns to keep in the returned frame (all are validated); default all.
    keep_all_up_to : int, optional
        With ``columns``: keep every column when the file has at most this many rows.
    count_above : int, optional
        Hold the claims as counts (:func:`timing.claim_counts.count_claims`, grouped in the
        streaming query) when the file has more than this many rows.

    Returns
    -------
    tuple or None
        ``(table, info, applied_mapping)``; None when the eager readers must read it.
    """
    source = open_scan(path, keep)
    if source is None:
        return None
    try:
        if columns is not None and keep_all_up_to is not None and source.rows <= keep_all_up_to:
            columns = None
        counted = count_above is not None and source.rows > count_above
        if counted:
            columns = COUNTED_COLUMNS
        return _validate(source, spec, plan, lenient, resolution, columns, counted=counted)
    except pl.exceptions.PolarsError:
        if source.info.format == "parquet":
            raise
        return None  # e.g. a record with more fields: the eager reader says where


def _validate(
    source: Scanned,
    spec: TableSpec,
    plan: MapPlan,
    lenient: bool,
    resolution: Resolution,
    columns: Sequence[str] | None,
    *,
    counted: bool = False,
) -> tuple[ValidatedTable, ReadInfo, dict[str, str]] | None:
    label, info, n = source.info.file, source.info, source.rows
    renamed, applied = plan(source.loaded)
    if "row" in renamed:  # a column of that name is replaced by the row number: eager path
        return None
    frame = source.frame.select(
        [pl.col(s).alias(r) for s, r in zip(source.loaded, renamed, strict=True) if r is not None]
    ).with_row_index("row", offset=source.first_row)
    schema = source.frame.collect_schema()
    dtypes = {r: schema[s] for s, r in zip(source.loaded, renamed, strict=True) if r is not None}
    if n == 0 and info.format == "csv":
        return None  # the eager reader: "has a header but no data rows"
    if n == 0:
        raise TimingInputError(f"{label}: holds no records; add at least one row of {spec.kind}")
    missing = [c.name for c in spec.columns if c.required and c.name not in dtypes]
    if missing:  # the eager check says it in its words
        validate(pl.DataFrame(schema=dict.fromkeys(dtypes, pl.String)), spec, file=label)

    exprs = {c.name: _column(c, dtypes.get(c.name), resolution) for c in spec.columns}
    staged = frame
    text_dates = [
        c.name
        for c in spec.columns
        if c.type == "date"
        and c.name in dtypes
        and dtypes[c.name] != pl.Date
        and not isinstance(dtypes[c.name], pl.Datetime)
    ]
    for level in range(3):
        staged = staged.with_columns(
            **{k: e for name in text_dates for k, e in _date_stages(name)[level].items()}
        )
    extras = [c for c in dtypes if c not in spec.names and c != "row"]
    texts = [c for c, t in dtypes.items() if t == pl.String]
    nul = [pl.col(c).str.contains("\x00", literal=True).fill_null(False) for c in texts]
    suspect = ~pl.all_horizontal([ok for _, ok in exprs.values()]) | pl.any_horizontal(
        [pl.lit(False), *nul]
    )
    wanted = [c for c in spec.names if columns is None or c in columns]
    keep_extras = extras if columns is None else []
    left_out = tuple(c for c in dtypes if c != "row" and c not in wanted and c not in keep_extras)
    # A table cut to the analysis columns is a large one: its few-valued text columns are
    # kept as categoricals (4 bytes a row instead of 16 or more).
    compact = frozenset(COMPACT_COLUMNS if columns is not None else ())
    if left_out:
        info = replace(info, left_out=left_out, rows=n, counted=counted)
    # First the ids: their hashes (8 bytes a row) are freed before the table is read.
    problems = _duplicates(frame, spec, source.place, n)
    # Typed values of the rows every cell of which passes, and the numbers of the others,
    # which get a closer look: rows in one streaming pass (the engine shares the scan of
    # both queries), counted claims in passes of dates. Filtering in the query keeps a
    # second copy of the table out of memory.
    flagged = staged.with_columns(suspect.alias("_suspect"))
    passed = ~pl.col("_suspect")
    if counted and problems:  # repeated ids are rejected: not counted
        repeated = pl.Series([p.row for p in problems], dtype=pl.Int64)
        passed = passed & ~pl.col("row").cast(pl.Int64).is_in(repeated.implode())
    typed = flagged.filter(passed).select(
        *[exprs[c][0].cast(pl.Categorical) if c in compact else exprs[c][0] for c in wanted],
        *[pl.col(c).cast(pl.String) for c in keep_extras],
        pl.col("row").cast(pl.Int64),
    )
    if counted:  # in passes of dates (timing._readers.counted)
        good, suspects_frame = count_streamed(flagged, typed, n)
    else:
        good, suspects_frame = pl.collect_all(
            [typed, flagged.filter(pl.col("_suspect")).select(pl.col("row").cast(pl.Int64))],
            engine="streaming",
        )
    suspects = suspects_frame["row"]
    rescued: list[pl.DataFrame] = []
    nuls: list[Problem] = []
    for start in range(0, suspects.len(), CAREFUL_CHUNK):  # as text, a chunk at a time
        part = suspects.slice(start, CAREFUL_CHUNK)
        bad = (
            frame.filter(pl.col("row").cast(pl.Int64).is_in(part.implode()))
            .select([*[pl.col(c).cast(pl.String) for c in dtypes], pl.col("row")])
            .collect(engine="streaming")
        )
        careful, nul_found, saved = _careful(bad, spec, label, resolution, texts)
        problems = careful + problems
        nuls += nul_found
        columns_kept = [c for c in good.columns if c != COUNT_COLUMN]
        rescued.append(saved.select(pl.col(c).cast(good.schema[c]) for c in columns_kept))
    # stable, in the eager order within a row: cells, a repeated id, then NUL bytes
    problems = sorted([*problems, *nuls], key=lambda p: p.row)
    rejected_rows = sorted({p.row for p in problems})
    shown = [Problem(*source.place(p.row), p.column, p.value, p.expected) for p in problems]
    if shown and not lenient:
        from timing.schema import ValidationError

        raise ValidationError(shown)
    # Each step below copies the whole table (at 1e7 claims, hundreds of MB), so each runs
    # only when it changes something: rescued rows merge in row order, and rows are
    # filtered out only when a rejected row is among them (a repeated id).
    rescued = [part for part in rescued if part.height]
    if counted:
        good = with_rescued(good, rescued, rejected_rows)
    else:
        if not good["row"].is_sorted():
            good = good.sort("row")
        if rescued:
            good = good.merge_sorted(pl.concat(rescued).sort("row"), key="row")
        if rejected_rows:
            dropped = pl.col("row").is_in(pl.Series(rejected_rows, dtype=pl.Int64).implode())
            if good.select(dropped.any()).item():
                good = good.filter(~dropped)
    rejects = rejects_frame(shown)
    used = n_claims(good)
    accounting = RowAccounting(
        file=label, read=n, used=used, rejected=n - used, reasons=tuple(shown)
    )
    return (
        ValidatedTable(spec=spec, frame=good, rejects=rejects, accounting=accounting),
        info,
        applied,
    )


def _careful(
    bad: pl.DataFrame, spec: TableSpec, file: str, resolution: Resolution, texts: list[str]
) -> tuple[list[Problem], list[Problem], pl.DataFrame]:
    """Decide the suspect rows with the eager checks: cell problems, NUL bytes, rows rescued."""
    from timing.io import _nul_problems  # the same wording as the eager path

    rows = bad["row"].cast(pl.Int64).to_numpy()
    cells = bad.drop("row")
    table = validate(
        cells,
        spec,
        file=file,
        lenient=True,
        resolution=resolution,
        row_numbers=rows,
    )
    unique = "a unique id"
    problems = [
        p
        for p in table.accounting.reasons
        if not (p.column == spec.id_column and p.expected.startswith(unique))
    ]  # ids are checked over the whole table in _duplicates
    nul = _nul_problems(cells.select(texts), rows, file)
    return problems, nul, table.frame


def _duplicates(
    frame: pl.LazyFrame, spec: TableSpec, place: Callable[[int], tuple[str, int]], rows: int
) -> list[Problem]:
    """Problems for every repeat of an id, found by hashing every id (8 bytes a row).

    Above :data:`HASHES_AT_ONCE` rows the hashes are sorted a slice of their range at a
    time (one more read of the id column a slice), so memory stays near 400 MB.

    ``place`` turns a row into (file, row) for a folder or glob of files; the first
    occurrence is then named with its file.
    """
    name = spec.id_column
    ids = _text(name)
    hashed = frame.select(pl.when(ids.is_not_null()).then(ids.hash()).alias("h"))
    parts = max(1, -(-rows // HASHES_AT_ONCE))  # a slice of the hash range per pass
    found = []
    for k in range(parts):
        hashes = (
            hashed.filter(pl.col("h") % parts == k)
            .collect(engine="streaming")
            .to_series()
            .sort()
            .to_numpy()
        )
        found.append(np.unique(hashes[1:][hashes[1:] == hashes[:-1]]))
        del hashes
    twice = np.concatenate(found)
    if twice.size == 0:
        return []
    hits = (
        frame.select(pl.col("row").cast(pl.Int64), ids.alias("id"))
        .filter(pl.col("id").hash().is_in(pl.Series(twice, dtype=pl.UInt64).implode()))
        .collect(engine="streaming")
        .sort("row")
    )
    first_of: dict[str, int] = {}
    problems = []
    for row, key in hits.iter_rows():
        if key in first_of:
            file, first = place(first_of[key])
            also = f"{first}" if file == place(row)[0] else f"{first} of {file}"
            expected = f"a unique id (also on row {also})"
            problems.append(Problem("", row, name, key, expected))
        else:
            first_of[key] = row
    return problems
