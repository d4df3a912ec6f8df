"""Reading claims and events files into validated Polars tables.

Formats are chosen by extension: ``.csv``, ``.parquet``, ``.json`` (an array of
objects) and ``.ndjson``/``.jsonl`` (one object per line). Foreign column names are mapped
to canonical ones with a mapping ``{canonical: source}`` (the CLI's ``--map date=claim_date``).
Every cell is read as text and checked by :func:`timing.schema.validate`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

import polars as pl

from timing.errors import TimingInputError
from timing.schema import CLAIMS, EVENTS, TableSpec, ValidatedTable, validate

__all__ = [
    "SUPPORTED_SUFFIXES",
    "file_sha256",
    "load_claims",
    "load_events",
    "load_table",
    "parse_mapping",
    "read_raw",
]

SUPPORTED_SUFFIXES = (".csv", ".parquet", ".json", ".ndjson", ".jsonl")


def read_raw(path: str | Path) -> pl.DataFrame:
    """Read a file into a frame of strings, choosing the reader by extension.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv``, ``.parquet``, ``.json`` or ``.ndjson``/``.jsonl`` file.

    Returns
    -------
    polars.DataFrame
        Every column cast to ``pl.String`` so that validation sees the original text.

    Raises
    ------
    TimingInputError
        If the file is missing, has an unsupported extension or cannot be parsed.
    """
    p = Path(path)
    if not p.is_file():
        raise TimingInputError(f"{p}: no such file")
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pl.read_csv(p, infer_schema=False, encoding="utf8-lossy")
        elif suffix == ".parquet":
            frame = pl.read_parquet(p)
        elif suffix == ".json":
            frame = _read_json_array(p)
        elif suffix in (".ndjson", ".jsonl"):
            frame = _read_ndjson(p)
        else:
            raise TimingInputError(
                f"{p}: unsupported file type {suffix or '(none)'!r}; "
                f"expected one of {', '.join(SUPPORTED_SUFFIXES)}"
            )
    except TimingInputError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TimingInputError(f"{p}: could not read as {suffix[1:]}: {first}") from exc
    return frame.select([pl.col(c).cast(pl.String) for c in frame.columns])


def _records_frame(records: list[object], path: Path, *, line_numbers: bool) -> pl.DataFrame:
    columns: dict[str, None] = {}
    objects: list[dict[str, object]] = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            where = f"line {i}" if line_numbers else f"item {i}"
            raise TimingInputError(f"{path}: {where} is not a JSON object")
        objects.append(rec)
        for key in rec:
            columns.setdefault(str(key), None)
    data = {c: [None if r.get(c) is None else str(r.get(c)) for r in objects] for c in columns}
    return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))


def _read_json_array(path: Path) -> pl.DataFrame:
    with path.open(encoding="utf-8") as fh:
        payload = json.load(fh)
    if isinstance(payload, dict):
        # Also accept {"claims": [...]} / {"data": [...]}: one list-valued key.
        lists = [v for v in payload.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise TimingInputError(f"{path}: expected a JSON array of objects")
        payload = lists[0]
    if not isinstance(payload, list):
        raise TimingInputError(f"{path}: expected a JSON array of objects")
    return _records_frame(payload, path, line_numbers=False)


def _read_ndjson(path: Path) -> pl.DataFrame:
    records: list[object] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise TimingInputError(f"{path}: line {lineno} is not JSON: {exc.msg}") from exc
    return _records_frame(records, path, line_numbers=True)


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
    renames: dict[str, str] = {}
    for canonical, source in mapping.items():
        if canonical not in spec.names:
            continue
        if source not in frame.columns and optional:
            continue
        if source not in frame.columns:
            raise TimingInputError(
                f"{file}: --map {canonical}={source}: no column {source!r} "
                f"(columns: {', '.join(frame.columns)})"
            )
        renames[source] = canonical
    clashing = [c for c in renames.values() if c in frame.columns and c not in renames]
    if clashing:
        frame = frame.drop(clashing)
    return frame.rename(renames)


def load_table(
    path: str | Path,
    spec: TableSpec,
    *,
    mapping: Mapping[str, str] | None = None,
    lenient: bool = False,
    resolution: Literal["day", "hour"] = "day",
    optional_mapping: Mapping[str, str] | None = None,
) -> ValidatedTable:
    """Read, map and validate one table.

    Parameters
    ----------
    path : str or pathlib.Path
        File to read (format by extension).
    spec : TableSpec
        :data:`timing.schema.CLAIMS` or :data:`timing.schema.EVENTS`.
    mapping : mapping of str to str, optional
        ``{canonical_name: column_in_file}``; a source column that is absent is an error.
    lenient : bool
        Quarantine bad rows instead of raising.
    resolution : {"day", "hour"}
        Time resolution dates are truncated to.
    optional_mapping : mapping of str to str, optional
        Like ``mapping``, but entries whose source column is absent are skipped; those
        applied are listed in ``ValidatedTable.mapped``.

    Returns
    -------
    ValidatedTable
    """
    raw = read_raw(path)
    mapped = apply_mapping(raw, mapping or {}, spec, file=str(path))
    applied = {
        canonical: source
        for canonical, source in {**(optional_mapping or {}), **(mapping or {})}.items()
        if canonical in spec.names and source in raw.columns
    }
    mapped = apply_mapping(mapped, optional_mapping or {}, spec, file=str(path), optional=True)
    # Row numbers in messages are what a person sees: the line in a CSV file (the header
    # is line 1), the 1-based record in JSON/NDJSON/Parquet.
    first_row = 2 if Path(path).suffix.lower() == ".csv" else 1
    table = validate(
        mapped, spec, file=str(path), lenient=lenient, resolution=resolution, first_row=first_row
    )
    return replace(table, mapped=applied)


def load_claims(path: str | Path, **kwargs: object) -> ValidatedTable:
    """Load a claims file; see :func:`load_table` for the keyword arguments.

    Examples
    --------
    >>> from timing.datasets import dataset_path
    >>> table = load_claims(dataset_path("ru-ua-2025") / "claims.csv")
    >>> table.accounting.read == table.accounting.used + table.accounting.rejected
    True
    """
    return load_table(path, CLAIMS, **kwargs)  # type: ignore[arg-type]


def load_events(path: str | Path, **kwargs: object) -> ValidatedTable:
    """Load an events file; see :func:`load_table` for the keyword arguments."""
    return load_table(path, EVENTS, **kwargs)  # type: ignore[arg-type]


def file_sha256(path: str | Path) -> str:
    """Return the hex SHA-256 of a file's bytes (for the reproducibility footer)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
