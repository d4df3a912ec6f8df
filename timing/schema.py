"""Column specifications for claims and events, and validation with row accounting.

Validation is done in one place. :func:`validate` takes a frame whose columns are all
strings (as read from a file, after column mapping), checks every cell against the
table's :class:`ColumnSpec` list, and either raises one :class:`ValidationError` that lists
*every* problem, or (``lenient=True``) moves each bad row into a rejects table with its
reasons. Either way ``read == used + rejected``: no row is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from timing.errors import TimingInputError

__all__ = [
    "CLAIMS",
    "CLAIM_KINDS",
    "CLAIM_STATUSES",
    "COMPACT_COLUMNS",
    "EVENTS",
    "EVENT_KINDS",
    "ColumnSpec",
    "Problem",
    "RowAccounting",
    "TableSpec",
    "ValidatedTable",
    "ValidationError",
    "parse_date",
    "rejects_frame",
    "validate",
]

CLAIM_KINDS = ("capture", "encirclement", "casualties", "strike", "other")
CLAIM_STATUSES = ("confirmed", "contested", "refuted", "unverified")
EVENT_KINDS = ("talks", "visit", "summit", "call", "deadline", "other")
#: Claims text columns with few distinct values, kept as categoricals when a large table is
#: cut to the columns its analysis reads (see ``keep_all_up_to`` of
#: :func:`timing.io.load_table`).
COMPACT_COLUMNS = ("actor", "kind", "status")

ColumnType = Literal["str", "date", "enum", "float"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a canonical table.

    Parameters
    ----------
    name : str
        Canonical column name.
    type : {"str", "date", "enum", "float"}
        What the cells must hold. ``date`` accepts ``YYYY-MM-DD`` and ISO 8601 timestamps.
    required : bool
        Whether the column must be present and every cell non-empty.
    allowed : tuple of str
        For ``enum`` columns, the accepted values (compared case-insensitively).
    description : str
        One line for the README and ``timing validate``.
    """

    name: str
    type: ColumnType
    required: bool
    allowed: tuple[str, ...] = ()
    description: str = ""

    def expectation(self) -> str:
        """Say in words what a cell of this column must hold."""
        if self.type == "date":
            return "a date YYYY-MM-DD or an ISO 8601 timestamp"
        if self.type == "enum":
            return "one of " + ", ".join(self.allowed)
        if self.type == "float":
            return "a finite number"
        return "a non-empty text"


@dataclass(frozen=True, slots=True)
class TableSpec:
    """The columns of one table kind (``claims`` or ``events``) and its id column."""

    kind: str
    id_column: str
    columns: tuple[ColumnSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names in order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        """Return the spec of column ``name``."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)


CLAIMS = TableSpec(
    kind="claims",
    id_column="claim_id",
    columns=(
        ColumnSpec("claim_id", "str", True, description="unique id of the claim"),
        ColumnSpec("date", "date", True, description="when the claim was announced"),
        ColumnSpec("actor", "str", True, description='who announced it, e.g. "RU MoD"'),
        ColumnSpec("kind", "enum", True, CLAIM_KINDS, "what was claimed"),
        ColumnSpec("target", "str", False, description="settlement or object claimed"),
        ColumnSpec("region", "str", False, description="oblast or region"),
        ColumnSpec("status", "enum", False, CLAIM_STATUSES, "independent assessment"),
        ColumnSpec("verified_date", "date", False, description="when it was confirmed/refuted"),
        ColumnSpec("value", "float", False, description="magnitude stated, e.g. casualties"),
        ColumnSpec("text", "str", False, description="wording of the claim"),
        ColumnSpec("source", "str", True, description="URL or citation"),
    ),
)

EVENTS = TableSpec(
    kind="events",
    id_column="event_id",
    columns=(
        ColumnSpec("event_id", "str", True, description="unique id of the event"),
        ColumnSpec("date", "date", True, description="first day of the event"),
        ColumnSpec("end_date", "date", False, description="last day (blank: same day)"),
        ColumnSpec("kind", "enum", True, EVENT_KINDS, "what sort of diplomacy"),
        ColumnSpec("parties", "str", True, description='who took part, e.g. "US-RU"'),
        ColumnSpec("location", "str", False, description="where it took place"),
        ColumnSpec("announced_date", "date", False, description="when it became public"),
        ColumnSpec("title", "str", True, description="short description"),
        ColumnSpec("source", "str", True, description="URL or citation"),
    ),
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad cell or row: where it is, what it holds and what was expected."""

    file: str
    row: int
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        where = f"{self.file}: row {self.row}, column {self.column!r}"
        return f"{where}: got {shown!r}, expected {self.expected}"


def rejects_frame(problems: Sequence[Problem]) -> pl.DataFrame:
    """The ``rejects`` table: one row per problem (row, column, value, expected), typed."""
    return pl.DataFrame(
        {
            "row": [p.row for p in problems],
            "column": [p.column for p in problems],
            "value": [p.value for p in problems],
            "expected": [p.expected for p in problems],
        },
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "expected": pl.String},
    )


class ValidationError(TimingInputError):
    """Raised when a table has problems; carries every :class:`Problem` found."""

    def __init__(self, problems: Sequence[Problem], *, limit: int = 20) -> None:
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - limit
        if more > 0:
            lines.append(f"... and {more} more problems")
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found:\n" + "\n".join(lines))

    def first_line(self) -> str:
        """The first problem, for a one-line CLI message."""
        more = len(self.problems) - 1
        tail = f" (and {more} more; run 'timing validate' for all)" if more else ""
        return str(self.problems[0]) + tail


@dataclass(frozen=True, slots=True)
class RowAccounting:
    """How many rows were read, used, rejected and skipped, and why.

    ``read == used + rejected + sum(skipped.values())``: rows are rejected by validation
    (each with a :class:`Problem` in ``reasons``) or skipped on purpose by a format
    adapter before validation (``skipped`` maps a reason to a count; empty for plain
    tables).
    """

    file: str
    read: int
    used: int
    rejected: int
    reasons: tuple[Problem, ...] = field(default=())
    skipped: dict[str, int] = field(default_factory=dict)

    def skipped_text(self) -> str:
        """Skipped counts as ``"N skipped (reason: n, ...)"``, or ``""`` when none."""
        parts = {k: v for k, v in self.skipped.items() if v}
        if not parts:
            return ""
        detail = ", ".join(f"{k}: {v}" for k, v in parts.items())
        return f"{sum(parts.values())} skipped ({detail})"

    def to_dict(self) -> dict[str, object]:
        """Return the counts and the reasons as plain data."""
        return {
            "file": self.file,
            "read": self.read,
            "used": self.used,
            "rejected": self.rejected,
            "skipped": dict(self.skipped),
            "reasons": [
                {"row": p.row, "column": p.column, "value": p.value, "expected": p.expected}
                for p in self.reasons
            ],
        }


@dataclass(frozen=True, slots=True)
class ValidatedTable:
    """A canonical table that passed validation, with its accounting and rejects.

    ``frame`` has the canonical columns with their types (``pl.Date`` for dates at day
    resolution, ``pl.Datetime("us", "UTC")`` at hour resolution) plus any extra columns
    of the input, kept as strings, and a ``row`` column with the 1-based data row number.
    ``anomalies`` holds what a format adapter noticed but kept going over
    (:class:`timing.adapters.Anomaly` records; empty for plain tables). ``mapped`` records
    the column renames applied when it was read (``{canonical: source}``).
    """

    spec: TableSpec
    frame: pl.DataFrame
    rejects: pl.DataFrame
    accounting: RowAccounting
    anomalies: tuple[Any, ...] = ()
    mapped: dict[str, str] = field(default_factory=dict)


def parse_date(text: str) -> dt.datetime | None:
    """Parse ``YYYY-MM-DD`` or an ISO 8601 timestamp into an aware UTC datetime.

    A timestamp without an offset is taken as UTC. Returns ``None`` when the text is not
    a date.

    Examples
    --------
    >>> parse_date("2025-12-01T23:30:00+03:00")
    datetime.datetime(2025, 12, 1, 20, 30, tzinfo=datetime.timezone.utc)
    >>> parse_date("1 Dec 2025") is None
    True
    """
    s = text.strip()
    if len(s) < 10 or s[4] != "-" or s[7] != "-":
        return None
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        if len(s) == 10:
            d = dt.date.fromisoformat(s)
            return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _parse_column(col: ColumnSpec, cells: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Parse one column of text cells; return the parsed values and a per-row ``ok`` mask.

    Blank cells parse to null and are ``ok`` unless the column is required. Dates parse to
    aware UTC datetimes (microseconds): the common ``YYYY-MM-DD`` form by Polars, other
    forms (ISO timestamps) cell by cell with :func:`parse_date`.
    """
    stripped = cells.cast(pl.String).str.strip_chars()
    text = pl.select(
        pl.when(stripped.str.len_chars() > 0).then(stripped).otherwise(None).alias(col.name)
    ).to_series()
    blank = text.is_null().to_numpy()
    if col.type == "str":
        parsed = text
    elif col.type == "enum":
        low = text.str.to_lowercase()
        parsed = pl.select(
            pl.when(low.is_in(list(col.allowed))).then(low).otherwise(None).alias(col.name)
        ).to_series()
    elif col.type == "float":
        number = text.cast(pl.Float64, strict=False)
        parsed = pl.select(
            pl.when(number.is_finite()).then(number).otherwise(None).alias(col.name)
        ).to_series()
    else:
        parsed = _parse_dates(text)
    valid = parsed.is_not_null().to_numpy()
    ok = valid | (blank & (not col.required))
    return parsed, ok


def _parse_dates(text: pl.Series) -> pl.Series:
    utc = pl.Datetime("us", "UTC")
    plain_day = text.str.contains(r"^\d{4}-\d{2}-\d{2}$").fill_null(False)
    days = text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    parsed = pl.select(
        pl.when(plain_day)
        .then(days.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        .otherwise(None)
        .alias(text.name)
    ).to_series()
    others = np.flatnonzero((~plain_day & text.is_not_null()).to_numpy())
    if others.size:
        values = pl.Series([parse_date(text[int(i)]) for i in others], dtype=utc)
        parsed = parsed.scatter(others, values)
    return parsed


def _truncate(column: pl.Series, resolution: str) -> pl.Series:
    if resolution == "day":
        return column.dt.date()
    return column.dt.truncate("1m" if resolution == "minute" else "1h")


def validate(
    frame: pl.DataFrame,
    spec: TableSpec,
    *,
    file: str,
    lenient: bool = False,
    resolution: Literal["day", "hour", "minute"] = "day",
    first_row: int = 1,
    row_numbers: np.ndarray | None = None,
) -> ValidatedTable:
    """Check a string frame against ``spec`` and return it typed, with accounting.

    Parameters
    ----------
    frame : polars.DataFrame
        The table as read, columns already renamed to canonical names. Cells may be any
        type; they are checked as text.
    spec : TableSpec
        :data:`CLAIMS` or :data:`EVENTS`.
    file : str
        Name used in messages.
    lenient : bool
        If False (default) any problem raises :class:`ValidationError` listing all of
        them. If True, rows with problems go to ``rejects`` with their reasons.
    resolution : {"day", "hour", "minute"}
        Dates are normalised to UTC and truncated to this resolution.
    first_row : int
        Number of the first data row in messages (1 = first row after the header).
    row_numbers : numpy.ndarray, optional
        The number of every row in messages, when rows are not numbered consecutively
        (a CSV record spanning several lines, NDJSON lines set aside); overrides
        ``first_row``.

    Returns
    -------
    ValidatedTable

    Raises
    ------
    ValidationError
        On any problem when not lenient; on table-level problems (missing required
        column, empty table) always.
    """
    if resolution not in ("day", "hour", "minute"):
        raise TimingInputError(f"resolution must be 'day', 'hour' or 'minute', got {resolution!r}")
    n = frame.height
    missing = [c.name for c in spec.columns if c.required and c.name not in frame.columns]
    if missing:
        have = ", ".join(frame.columns) or "none"
        raise ValidationError(
            [
                Problem(
                    file,
                    0,
                    name,
                    "",
                    f"a column {name!r} (columns found: {have}; "
                    f"map a foreign name with --map {name}=YOUR_COLUMN)",
                )
                for name in missing
            ]
        )
    if n == 0:
        raise ValidationError([Problem(file, 0, "*", "", f"at least one row of {spec.kind}")])

    if row_numbers is not None and len(row_numbers) != n:
        raise ValueError(f"row_numbers has {len(row_numbers)} entries for {n} rows")
    rows = (
        np.asarray(row_numbers, dtype=np.int64)
        if row_numbers is not None
        else np.arange(first_row, first_row + n, dtype=np.int64)
    )
    bad_cells: list[tuple[int, str, str, str]] = []  # (row index, column, value, expected)
    parsed: dict[str, pl.Series] = {}
    for col in spec.columns:
        cells = (
            frame[col.name]
            if col.name in frame.columns
            else pl.Series(col.name, [None] * n, dtype=pl.String)
        )
        values, ok = _parse_column(col, cells)
        parsed[col.name] = values
        raw = cells.cast(pl.String)
        bad_cells += [
            (int(i), col.name, raw[int(i)] or "", col.expectation()) for i in np.flatnonzero(~ok)
        ]

    ids = parsed[spec.id_column]
    duplicated = (ids.is_duplicated() & ids.is_not_null()).to_numpy()
    if duplicated.any():
        where = np.flatnonzero(duplicated)
        first_of: dict[str, int] = {}
        for i, key in zip(where.tolist(), ids.gather(where).to_list(), strict=True):
            if key in first_of:
                bad_cells.append(
                    (i, spec.id_column, key, f"a unique id (also on row {rows[first_of[key]]})")
                )
            else:
                first_of[key] = i

    if spec.kind == "events":
        start = parsed["date"]
        for column, later, expected in (
            ("end_date", True, "a date on or after date ({})"),
            ("announced_date", False, "a date on or before the event date ({})"),
        ):
            other = parsed[column]
            wrong = (other < start) if later else (other > start)
            for at in np.flatnonzero(wrong.fill_null(False).to_numpy()):
                when = start[int(at)].strftime("%Y-%m-%d")
                bad_cells.append(
                    (
                        int(at),
                        column,
                        frame[column].cast(pl.String)[int(at)] or "",
                        expected.format(when),
                    )
                )

    bad_cells.sort(key=lambda cell: cell[0])  # stable: column order within a row
    all_problems = [
        Problem(file, int(rows[i]), column, value, expected)
        for i, column, value, expected in bad_cells
    ]
    if all_problems and not lenient:
        raise ValidationError(all_problems)

    bad_rows = np.zeros(n, dtype=bool)
    bad_rows[[i for i, *_ in bad_cells]] = True
    keep = np.flatnonzero(~bad_rows)
    typed = [
        _truncate(parsed[col.name], resolution) if col.type == "date" else parsed[col.name]
        for col in spec.columns
    ]
    extras = [c for c in frame.columns if c not in spec.names and c != "row"]
    out = pl.concat(
        [pl.DataFrame(typed), frame.select([pl.col(c).cast(pl.String) for c in extras])],
        how="horizontal",
    ).with_columns(pl.Series("row", rows, pl.Int64))
    if keep.size < n:
        out = out[keep]

    rejects = rejects_frame(all_problems)
    accounting = RowAccounting(
        file=file,
        read=n,
        used=int(keep.size),
        rejected=int(bad_rows.sum()),
        reasons=tuple(all_problems),
    )
    return ValidatedTable(spec=spec, frame=out, rejects=rejects, accounting=accounting)
