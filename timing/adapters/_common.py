"""Shared pieces of the format adapters: result type, anomaly records, CSV reading.

Every adapter produces a frame of strings whose columns are the canonical names of
:data:`timing.schema.CLAIMS` or :data:`timing.schema.EVENTS` (in that order, blank optional
cells as ``None``) plus an ``input_row`` column saying where in the source file each row
came from, so that a validation message can be traced back. Records that an adapter leaves
out on purpose (filtered, not matched) are counted in :attr:`AdapterResult.skipped`, and
oddities in the data that do not stop the conversion are listed as :class:`Anomaly`:
nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from timing.errors import TimingInputError
from timing.schema import TableSpec

__all__ = [
    "AdapterResult",
    "Anomaly",
    "canonical_frame",
    "read_csv_text",
    "require_columns",
]


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something odd in the source that the adapter kept going over, and where it is.

    Parameters
    ----------
    file : str
        Source file.
    row : int
        Position in the source (CSV line, JSON item, message number: see the adapter).
    field : str
        Source field concerned.
    kind : str
        Short tag, e.g. ``"gap"``, ``"negative"``, ``"start"``.
    message : str
        One sentence for a person.
    """

    file: str
    row: int
    field: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, field {self.field!r}: {self.kind}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """Return the anomaly as plain data."""
        return {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class AdapterResult:
    """What an adapter produced from one file, with its accounting.

    Attributes
    ----------
    frame : polars.DataFrame
        Canonical columns as strings, plus ``input_row`` (and adapter-specific extras).
    table : {"claims", "events"}
        Which canonical table ``frame`` is.
    read : int
        Records read from the source (days, CSV rows, messages).
    skipped : mapping of str to int
        Records that produced no row, by reason. ``read - sum(skipped)`` records produced
        at least one row (a Telegram message may produce several).
    anomalies : tuple of Anomaly
        Oddities kept in the output but worth a look.
    files : mapping of str to int
        Records read per source file, when the adapter read several (or a zip member).
    """

    frame: pl.DataFrame
    table: str
    read: int
    skipped: Mapping[str, int] = field(default_factory=dict)
    anomalies: tuple[Anomaly, ...] = ()
    files: Mapping[str, int] = field(default_factory=dict)

    @property
    def used(self) -> int:
        """Records that produced at least one row."""
        return self.read - sum(self.skipped.values())

    def summary(self) -> str:
        """One line: records read, used, skipped by reason, rows and anomalies."""
        skipped = ", ".join(f"{k}: {v}" for k, v in self.skipped.items() if v) or "none"
        return (
            f"{self.read} records read, {self.used} used -> {self.frame.height} {self.table} "
            f"rows; skipped: {skipped}; {len(self.anomalies)} anomalies"
        )

    def to_dict(self) -> dict[str, object]:
        """Return the accounting (not the frame) as plain data."""
        return {
            "table": self.table,
            "read": self.read,
            "used": self.used,
            "rows": self.frame.height,
            "skipped": dict(self.skipped),
            "anomalies": [a.to_dict() for a in self.anomalies],
            "files": dict(self.files),
        }


def read_csv_text(
    path: str | Path,
    *,
    separator: str = ",",
    has_header: bool = True,
    new_columns: Sequence[str] | None = None,
    encoding: str | None = None,
) -> pl.DataFrame:
    """Read a delimited file with every cell as text, whatever its extension.

    The bytes are decoded strictly (a byte-order mark decides, else UTF-8): a file saved
    in another encoding is refused with the line and column of the first bad byte, never
    read with replacement characters.

    Raises
    ------
    TimingInputError
        If the file is missing, not decodable or cannot be parsed, naming the file.
    """
    from timing._readers.text import decode

    p = Path(path)
    if not p.is_file():
        raise TimingInputError(f"{p}: no such file")
    data = p.read_bytes()
    first_line = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    header = [name.strip().strip('"') for name in first_line.rstrip("\r").split(separator)]
    text = decode(data, str(p), encoding=encoding, separator=separator, header=header).utf8
    try:
        frame = pl.read_csv(
            text,
            separator=separator,
            has_header=has_header,
            infer_schema=False,
            quote_char=None if separator == "\t" else '"',
        )
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TimingInputError(f"{p}: could not read as delimited text: {first}") from exc
    if new_columns is not None:
        if frame.width != len(new_columns):
            raise TimingInputError(
                f"{p}: expected {len(new_columns)} columns per line, found {frame.width}"
            )
        frame = frame.rename(dict(zip(frame.columns, new_columns, strict=True)))
    return frame


def require_columns(frame: pl.DataFrame, names: Iterable[str], *, file: str, what: str) -> None:
    """Raise a :class:`TimingInputError` naming every missing source column."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise TimingInputError(
            f"{file}: not {what}: missing column(s) {', '.join(map(repr, missing))} "
            f"(columns found: {', '.join(frame.columns) or 'none'})"
        )


def canonical_frame(
    rows: Mapping[str, Sequence[object]], spec: TableSpec, extras: Sequence[str] = ("input_row",)
) -> pl.DataFrame:
    """Build a string frame with ``spec``'s columns in order, then ``extras``.

    Columns absent from ``rows`` are filled with nulls; blank strings become null; dates
    are written ``YYYY-MM-DD``.
    """
    n = max((len(v) for v in rows.values()), default=0)

    def text(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        s = str(value).strip()
        return s or None

    data: dict[str, list[str | None]] = {}
    for name in (*spec.names, *extras):
        values = rows.get(name)
        data[name] = [None] * n if values is None else [text(v) for v in values]
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
