"""What a reader hands back: the frame of text cells and how it was read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from timing.schema import Problem

__all__ = ["EXTRA_COLUMNS", "RawTable", "ReadInfo", "select_columns"]

#: Columns beyond the canonical and mapped ones that are loaded (kept as text extras).
EXTRA_COLUMNS = 50


@dataclass(frozen=True, slots=True)
class ReadInfo:
    """How a file was read: format, decoding, layout and what was left out.

    Attributes
    ----------
    file : str
        Name used in messages (``<stdin>`` for standard input).
    format : str
        ``csv`` (any delimited text), ``json``, ``ndjson``, ``parquet`` or ``excel``.
    encoding : str or None
        Text encoding used (``utf-8``, ``utf-8-sig``, ``utf-16-le``, ...); None for binary
        formats.
    separator : str or None
        Field separator of delimited text (given or sniffed).
    sheet : str or None
        Worksheet read from a workbook.
    columns : int
        Columns in the file.
    not_loaded : tuple of str
        Names of extra columns that were not loaded (beyond the first
        :data:`EXTRA_COLUMNS` extras), so memory stays bounded on very wide files.
    notes : tuple of str
        Sentences about choices made while reading (e.g. which sheet was used).
    left_out : tuple of str
        Columns validated but not kept in the frame: a large table keeps only the
        columns its analysis reads (see ``keep_all_up_to`` of :func:`timing.io.load_table`).
    rows : int
        Rows read, when ``left_out`` is set.
    counted : bool
        Whether the claims are held as counts (``count_above`` of
        :func:`timing.io.load_table`; see :mod:`timing.claim_counts`).
    """

    file: str
    format: str
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    columns: int = 0
    not_loaded: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    rows: int = 0
    counted: bool = False

    def messages(self) -> list[str]:
        """One line per note, plus one for columns not loaded, for display."""
        lines = list(self.notes)
        if self.not_loaded:
            n = len(self.not_loaded)
            lines.append(
                f"{self.file}: {n:,} extra column{'s' if n != 1 else ''} not loaded "
                f"(only the first {EXTRA_COLUMNS} extras are kept; map a column with --map "
                "to use it)"
            )
        if self.left_out and self.counted:
            lines.append(
                f"{self.file}: {self.rows:,} rows, held as counts of claims per date, actor, "
                "kind, status and verified date; the column"
                f"{'s' if len(self.left_out) > 1 else ''} {', '.join(self.left_out)} "
                f"{'were' if len(self.left_out) > 1 else 'was'} checked but not kept, and the "
                "per-event table lists no targets (--keep-columns analysis keeps them)"
            )
        elif self.left_out:
            lines.append(
                f"{self.file}: {self.rows:,} rows, so the column"
                f"{'s' if len(self.left_out) > 1 else ''} {', '.join(self.left_out)} "
                f"{'were' if len(self.left_out) > 1 else 'was'} checked but not kept: the "
                "analysis does not read them (--keep-columns all keeps them)"
            )
        return lines


@dataclass(slots=True)
class RawTable:
    """A frame of text cells plus the row number of each row and lines set aside."""

    frame: pl.DataFrame
    info: ReadInfo
    first_row: int = 1
    rows: np.ndarray | None = None  # row number per frame row when not first_row + index
    broken: list[Problem] = field(default_factory=list)  # records set aside while reading
    nul: bool = True  # whether cells may hold NUL bytes (False: the bytes have none)

    def row_numbers(self) -> np.ndarray:
        """The row number shown in messages for every row of ``frame``."""
        if self.rows is not None:
            return self.rows
        return np.arange(self.first_row, self.first_row + self.frame.height, dtype=np.int64)


def select_columns(
    names: list[str], keep: frozenset[str] | None
) -> tuple[list[int], tuple[str, ...]]:
    """Positions of the columns to load and the names left out.

    With ``keep=None`` every column is loaded. Otherwise the columns named in ``keep``,
    columns without a name (checked later) and the first :data:`EXTRA_COLUMNS` others.
    """
    if keep is None:
        return list(range(len(names))), ()
    chosen: list[int] = []
    left: list[str] = []
    extras = 0
    for i, name in enumerate(names):
        if name in keep or not name:
            chosen.append(i)
        elif extras < EXTRA_COLUMNS:
            chosen.append(i)
            extras += 1
        else:
            left.append(name)
    return chosen, tuple(left)
