"""Column specifications for claims and events, and validation with row accounting.

Validation is done in one place. :func:`validate` takes a frame whose columns are all
strings (as read from a file, after column mapping), checks every cell against the
table's :class:`ColumnSpec` list, and either raises one :class:`ValidationError` that lists
*every* problem, or (``lenient=True``) moves each bad row into a rejects table with its
reasons. Either way ``read == used + rejected``: no row is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from timing.errors import TimingInputError

__all__ = [
    "CLAIMS",
    "CLAIM_KINDS",
    "CLAIM_STATUSES",
    "EVENTS",
    "EVENT_KINDS",
    "ColumnSpec",
    "Problem",
    "RowAccounting",
    "TableSpec",
    "ValidatedTable",
    "ValidationError",
    "parse_date",
    "validate",
]

CLAIM_KINDS = ("capture", "encirclement", "casualties", "strike", "other")
CLAIM_STATUSES = ("confirmed", "contested", "refuted", "unverified")
EVENT_KINDS = ("talks", "visit", "summit", "call", "deadline", "other")

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
    """How many rows were read, used and rejected, and why each rejected row was."""

    file: str
    read: int
    used: int
    rejected: int
    reasons: tuple[Problem, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """Return the counts and the reasons as plain data."""
        return {
            "file": self.file,
            "read": self.read,
            "used": self.used,
            "rejected": self.rejected,
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
    """

    spec: TableSpec
    frame: pl.DataFrame
    rejects: pl.DataFrame
    accounting: RowAccounting


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


def _is_blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def _check_cell(spec: ColumnSpec, value: str | None) -> tuple[bool, object]:
    """Return (ok, parsed) for one cell; blank optional cells parse to None."""
    if _is_blank(value):
        return (not spec.required), None
    assert value is not None
    if spec.type == "date":
        parsed = parse_date(value)
        return parsed is not None, parsed
    if spec.type == "enum":
        low = value.strip().lower()
        return low in spec.allowed, low
    if spec.type == "float":
        try:
            number = float(value)
        except ValueError:
            return False, None
        return math.isfinite(number), number
    return True, value.strip()


def validate(
    frame: pl.DataFrame,
    spec: TableSpec,
    *,
    file: str,
    lenient: bool = False,
    resolution: Literal["day", "hour"] = "day",
    first_row: int = 1,
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
    resolution : {"day", "hour"}
        Dates are normalised to UTC and truncated to this resolution.
    first_row : int
        Number of the first data row in messages (1 = first row after the header).

    Returns
    -------
    ValidatedTable

    Raises
    ------
    ValidationError
        On any problem when not lenient; on table-level problems (missing required
        column, empty table) always.
    """
    if resolution not in ("day", "hour"):
        raise TimingInputError(f"resolution must be 'day' or 'hour', got {resolution!r}")
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

    rows = list(range(first_row, first_row + n))
    text = frame.select(
        [pl.col(c.name).cast(pl.String) for c in spec.columns if c.name in frame.columns]
    ).to_dict(as_series=False)
    problems: dict[int, list[Problem]] = {}
    parsed: dict[str, list[object]] = {}

    def flag(i: int, column: str, value: object, expected: str) -> None:
        problems.setdefault(i, []).append(
            Problem(file, rows[i], column, "" if value is None else str(value), expected)
        )

    for col in spec.columns:
        cells = text.get(col.name, [None] * n)
        out: list[object] = []
        for i, cell in enumerate(cells):
            ok, value = _check_cell(col, cell)
            if not ok:
                flag(i, col.name, cell, col.expectation())
            out.append(value)
        parsed[col.name] = out

    ids = parsed[spec.id_column]
    first_seen: dict[object, int] = {}
    for i, key in enumerate(ids):
        if key is None:
            continue
        if key in first_seen:
            flag(i, spec.id_column, key, f"a unique id (also on row {rows[first_seen[key]]})")
        else:
            first_seen[key] = i

    if spec.kind == "events":
        for i, (start, end, announced) in enumerate(
            zip(parsed["date"], parsed["end_date"], parsed["announced_date"], strict=True)
        ):
            if start is None:
                continue
            if end is not None and end < start:  # type: ignore[operator]
                flag(
                    i,
                    "end_date",
                    text["end_date"][i],
                    f"a date on or after date ({start:%Y-%m-%d})",
                )
            if announced is not None and announced > start:  # type: ignore[operator]
                flag(
                    i,
                    "announced_date",
                    text["announced_date"][i],
                    f"a date on or before the event date ({start:%Y-%m-%d})",
                )

    bad = sorted(problems)
    all_problems = [p for i in bad for p in problems[i]]
    if all_problems and not lenient:
        raise ValidationError(all_problems)

    keep = [i for i in range(n) if i not in problems]
    typed = {}
    for col in spec.columns:
        values = [parsed[col.name][i] for i in keep]
        if col.type == "date":
            values = [_truncate(v, resolution) for v in values]  # type: ignore[arg-type]
            dtype: pl.DataType = pl.Date() if resolution == "day" else pl.Datetime("us", "UTC")
        elif col.type == "float":
            dtype = pl.Float64()
        else:
            dtype = pl.String()
        typed[col.name] = pl.Series(col.name, values, dtype=dtype)
    extras = [c for c in frame.columns if c not in spec.names and c != "row"]
    out = pl.DataFrame(typed).with_columns(pl.Series("row", [rows[i] for i in keep], pl.Int64))
    if extras:
        extra_frame = frame.select([pl.col(c).cast(pl.String) for c in extras])[keep]
        out = pl.concat([out, extra_frame], how="horizontal")

    rejects = pl.DataFrame(
        {
            "row": [p.row for p in all_problems],
            "column": [p.column for p in all_problems],
            "value": [p.value for p in all_problems],
            "expected": [p.expected for p in all_problems],
        },
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "expected": pl.String},
    )
    accounting = RowAccounting(
        file=file, read=n, used=len(keep), rejected=len(bad), reasons=tuple(all_problems)
    )
    return ValidatedTable(spec=spec, frame=out, rejects=rejects, accounting=accounting)


def _truncate(value: dt.datetime | None, resolution: str) -> dt.date | dt.datetime | None:
    if value is None:
        return None
    if resolution == "day":
        return value.date()
    return value.replace(minute=0, second=0, microsecond=0)
