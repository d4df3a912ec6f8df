"""Which days an analysis covers: the study period, and dates too far from the rest.

A claims table and an events table are only comparable over the span where *both* were
recorded. Outside it, missing rows read as quiet days: a claims table that runs a year past
the last recorded event makes every window look busy by comparison, and a single claim
typed ``2052`` instead of ``2025`` stretches the period by decades of empty days (the
first release turned "1.7x, p = 0.059" into "42.5x, p = 0.002" that way).

:func:`choose_period` therefore

1. sets aside dates that lie far outside the rest of their own table
   (:func:`far_dates`: Tukey's "far out" fences on the dates, at least a year wide), so
   that no single row can stretch the period;
2. takes the study period from, in order: the dates the user gave, the span a bundled
   dataset declares it was compiled over, or the overlap of the two tables' spans (the
   events table taken to cover the pre-event window of its first event);
3. refuses tables that do not overlap at all, and words a caution when the period leaves
   out a noticeable share of either table.

Rows left out are never dropped silently: they are counted by reason in
``Timeline.excluded`` and listed (row and date) in :attr:`StudyPeriod.far`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from timing.claim_counts import claim_weights, n_claims
from timing.errors import TimingInputError

__all__ = ["FAR_DATE_REASON", "FarDate", "StudyPeriod", "choose_period", "far_dates"]

#: Reason under which rows with far-off dates are counted in ``Timeline.excluded``.
FAR_DATE_REASON = "date far outside the rest of the table"

#: Tukey's multiplier for "far out" values, and the least distance (days) beyond the
#: quartiles at which a date can count as far off.
FENCE_IQR = 3.0
FENCE_MIN_DAYS = 365

#: Share of a table's rows the period may leave out before the result carries a caution.
CAUTION_SHARE = 0.10

PeriodSource = Literal["given", "declared", "overlap", "span"]


@dataclass(frozen=True, slots=True)
class FarDate:
    """One row whose date lies far outside the rest of its table.

    A row of claims held as counts (:mod:`timing.claim_counts`) stands for ``claims``
    claims of the same date, actor, kind and status; ``row`` is the first of them.
    """

    table: str
    row: int
    date: dt.date
    claims: int = 1

    def __str__(self) -> str:
        also = f" (and {self.claims - 1:,} more claims that day)" if self.claims > 1 else ""
        return f"{self.table} row {self.row}: {self.date:%Y-%m-%d}{also}"

    def to_dict(self) -> dict[str, Any]:
        """The row as plain data (``claims`` only for a counted row of several)."""
        out: dict[str, Any] = {"table": self.table, "row": self.row, "date": self.date.isoformat()}
        if self.claims > 1:
            out["claims"] = self.claims
        return out


@dataclass(frozen=True, slots=True)
class StudyPeriod:
    """The study period chosen for one analysis, and why.

    Attributes
    ----------
    start, end : datetime.date
        First and last day, inclusive.
    source : {"given", "declared", "overlap"}
        ``given``: from ``--start``/``--end``; ``declared``: the span a bundled dataset
        was compiled over; ``overlap``: where both tables have dates.
    spans : dict
        ``{"claims": (first, last), "events": (first, last)}`` of each table, after far-off
        dates are set aside.
    far : tuple of FarDate
        Rows set aside because their date lies far outside the rest of their table.
    left_out : dict
        Rows of each table outside the period (far-off dates not included).
    rows : dict
        Rows of each table considered (after filters).
    """

    start: dt.date
    end: dt.date
    source: PeriodSource
    spans: dict[str, tuple[dt.date, dt.date]]
    far: tuple[FarDate, ...] = ()
    left_out: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """Say in words which period is used and why.

        Examples
        --------
        >>> p = StudyPeriod(dt.date(2025, 1, 6), dt.date(2026, 3, 11), "declared", {})
        >>> p.describe()
        'study period 2025-01-06 to 2026-03-11: the span the dataset was compiled over'
        """
        why = {
            "given": "as given",
            "declared": "the span the dataset was compiled over",
            "overlap": "where both tables have data",
            "span": "the whole span of both tables",
        }[self.source]
        return f"study period {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}: {why}"

    def caution(self) -> str | None:
        """A plain warning when far-off dates were set aside or the period cuts deep."""
        notes = []
        if self.far:
            shown = "; ".join(str(f) for f in self.far[:5])
            more = f" and {len(self.far) - 5} more" if len(self.far) > 5 else ""
            n = sum(f.claims for f in self.far)
            notes.append(
                f"Caution: {n} date{'s' if n != 1 else ''} far outside "
                f"the rest of {'their' if n != 1 else 'its'} table "
                f"{'were' if n != 1 else 'was'} left out ({shown}{more}); "
                "check them for typos."
            )
        heavy = {
            table: n
            for table, n in self.left_out.items()
            if self.rows.get(table) and n > CAUTION_SHARE * self.rows[table]
        }
        if heavy and self.source == "overlap" and len(self.spans) == 2:
            (c0, c1), (e0, e1) = self.spans["claims"], self.spans["events"]
            cut = " and ".join(f"{n} of {self.rows[t]} {t}" for t, n in heavy.items())
            notes.append(
                f"Caution: claims run {c0:%Y-%m-%d} to {c1:%Y-%m-%d} and events {e0:%Y-%m-%d} "
                f"to {e1:%Y-%m-%d}; only the {(self.end - self.start).days + 1} days where "
                f"both have data are compared, which leaves out {cut}; if both tables cover "
                "a wider span, give it with --start/--end."
            )
        return " ".join(notes) or None

    def to_dict(self) -> dict[str, Any]:
        """The period, its source and what it left out, as plain data."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "source": self.source,
            "spans": {k: [a.isoformat(), b.isoformat()] for k, (a, b) in self.spans.items()},
            "far_dates": [f.to_dict() for f in self.far],
            "left_out": dict(self.left_out),
        }


def far_dates(dates: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """Mask of dates far outside the bulk of their table.

    A date is *far* when it lies beyond Tukey's far-out fences, three interquartile
    ranges below the first or above the third quartile of the table's dates, and at least
    :data:`FENCE_MIN_DAYS` days beyond the quartiles. Tables of fewer than 8 rows have no
    far dates (quartiles of so few rows say little).

    Parameters
    ----------
    dates : numpy.ndarray
        Days since any fixed origin (integers), one per row.
    counts : numpy.ndarray, optional
        How many rows each date stands for (claims held as counts); the quartiles are
        those of the dates repeated that often, exactly.

    Returns
    -------
    numpy.ndarray
        Boolean mask, True where the date is far off.

    Examples
    --------
    >>> days = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 9_800])
    >>> far_dates(days).nonzero()[0].tolist()
    [9]
    """
    q1, q3 = _repeated_quartiles(dates, counts)
    days = np.asarray(dates, dtype=np.float64)
    if np.isnan(q1):
        return np.zeros(days.shape, dtype=bool)
    reach = max(FENCE_IQR * (q3 - q1), float(FENCE_MIN_DAYS))
    return (days < q1 - reach) | (days > q3 + reach)


def _repeated_quartiles(days: np.ndarray, counts: np.ndarray | None) -> tuple[float, float]:
    """``np.quantile(np.repeat(days, counts), [0.25, 0.75])`` without repeating (nan if < 8).

    The linear rule: at position ``h = (N - 1) q`` of the sorted values, ``x[floor h] + (h -
    floor h) (x[floor h + 1] - x[floor h])``. Integer days and ``h`` in quarters make every
    step exact, so this equals numpy's result bit for bit (tested). The days are counted
    per day (one ``bincount`` over the span, at most 3.65 million days from year 1 to
    9999), so the cost grows with rows and days, not with a sort of the rows. ``counts``
    None: each day once.
    """
    days = np.asarray(days, dtype=np.int64)
    total = days.size if counts is None else int(counts.sum())
    if total < 8:
        return np.nan, np.nan
    first = int(days.min())
    per_day = np.bincount(days - first, weights=counts)
    ends = np.cumsum(per_day)

    def at(position: int) -> float:  # the value at a 0-based position of the sorted repeat
        return float(first + np.searchsorted(ends, position, side="right"))

    out = []
    for q in (0.25, 0.75):
        h = (total - 1) * q
        low = int(np.floor(h))
        a, b = at(low), at(min(low + 1, total - 1))
        out.append(a + (h - low) * (b - a))
    return out[0], out[1]


def _day_numbers(column: pl.Series) -> np.ndarray:
    if column.dtype == pl.Date:
        return column.cast(pl.Int32).to_numpy().astype(np.int64)
    # UTC datetimes (hour resolution): whole days since the epoch.
    return column.dt.date().cast(pl.Int32).to_numpy().astype(np.int64)


def _as_day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def choose_period(
    tables: Mapping[str, pl.DataFrame],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    declared: tuple[dt.date, dt.date] | None = None,
    lead_days: int = 0,
    default: Literal["overlap", "span"] = "overlap",
) -> StudyPeriod:
    """Choose the study period for a claims and an events table.

    Parameters
    ----------
    tables : mapping
        ``{"claims": frame, "events": frame}``; each frame has a ``date`` column (``pl.Date``
        or UTC ``pl.Datetime``) and a ``row`` column (the row number shown to users).
    start, end : datetime.date, optional
        Bounds the user gave; each one given is used as it is.
    declared : tuple of datetime.date, optional
        The span a bundled dataset declares it was compiled over; used for the bounds the
        user did not give.
    lead_days : int
        Days before its first event that the events table is taken to cover: the length
        of the pre-event window, so that the first event's window lies in the period when
        the claims cover it.
    default : {"overlap", "span"}
        Without given or declared bounds: ``"overlap"`` (what analyses use) takes the
        span where both tables have data; ``"span"`` the whole span of both tables (for
        research code that has already aligned its tables). Far-off dates are set aside
        either way.

    Returns
    -------
    StudyPeriod

    Raises
    ------
    TimingInputError
        When the two tables do not overlap in time (naming both spans), or the period is
        empty.
    """
    far: list[FarDate] = []
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    kept: dict[str, np.ndarray] = {}
    epoch = dt.date(1970, 1, 1)
    counts: dict[str, np.ndarray | None] = {}
    for table, frame in tables.items():
        days = _day_numbers(frame["date"])
        counts[table] = weights = claim_weights(frame)
        mask = far_dates(days, weights)
        rows = frame["row"].to_numpy() if "row" in frame.columns else np.arange(1, days.size + 1)
        far += [
            FarDate(
                table,
                int(rows[i]),
                epoch + dt.timedelta(days=int(days[i])),
                1 if weights is None else int(weights[i]),
            )
            for i in np.flatnonzero(mask)
        ]
        if weights is not None:
            counts[table] = weights[~mask]
        kept[table] = days[~mask]
        spans[table] = (
            epoch + dt.timedelta(days=int(kept[table].min())),
            epoch + dt.timedelta(days=int(kept[table].max())),
        )
    (c0, c1), (e0, e1) = spans["claims"], spans["events"]
    lo, hi = max(c0, e0 - dt.timedelta(days=max(int(lead_days), 0))), min(c1, e1)
    if start is None and end is None and declared is None and default == "overlap" and lo > hi:
        raise TimingInputError(
            f"the tables do not overlap in time: claims run {c0:%Y-%m-%d} to {c1:%Y-%m-%d}, "
            f"events {e0:%Y-%m-%d} to {e1:%Y-%m-%d}; give tables that cover the same period "
            "(or set --start/--end to compare them anyway)"
        )
    if start is not None or end is not None:
        source: PeriodSource = "given"
    elif declared is not None:
        source = "declared"
    else:
        source = default
    if default == "span":
        lo, hi = min(c0, e0), max(c1, e1)
    first = _as_day(start) if start is not None else (declared[0] if declared else lo)
    last = _as_day(end) if end is not None else (declared[1] if declared else hi)
    if last < first:
        raise TimingInputError(
            f"the study period is empty: it would end on {last:%Y-%m-%d}, before it starts on "
            f"{first:%Y-%m-%d}; check --start/--end"
        )
    lo_day, hi_day = (first - epoch).days, (last - epoch).days
    left_out = {}
    for table, days in kept.items():
        outside = (days < lo_day) | (days > hi_day)
        weights = counts[table]
        left_out[table] = int(outside.sum() if weights is None else weights[outside].sum())
    return StudyPeriod(
        start=first,
        end=last,
        source=source,
        spans=spans,
        far=tuple(sorted(far, key=lambda f: (f.table, f.row))),
        left_out=left_out,
        rows={table: n_claims(frame) for table, frame in tables.items()},
    )
