"""Claims and events on a regular time grid, and the windows the tests look at.

A :class:`Timeline` holds, over a study period of ``T`` bins (days by default, hours
optionally), the claim series ``c[t]`` and the bins at which events start. The tests in
:mod:`timing.stats` are pure functions of these arrays.

Windows are given as inclusive bin *offsets* relative to an event's start bin ``e``:
``(-3, -1)`` is the three bins before the event, ``[e - 3, e - 1]``; ``--window N`` on the
command line means ``(-N, -1)``. :func:`window_weights` turns a set of event bins into a
per-bin weight: how many event windows cover the bin (the *per-event* form) or whether any
does (the *union* form). The anticipation window of an event runs from the bin it was
announced to the bin before it starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from timing._shifts import interval_cover
from timing.claim_counts import claim_weights, n_claims
from timing.errors import TimingInputError
from timing.period import FAR_DATE_REASON, StudyPeriod, choose_period
from timing.resolution import (
    _STEP,
    BINS_PER_DAY,
    Resolution,
    check_resolution,
    days_to_bins,
    require_times,
)

__all__ = [
    "BINS_PER_DAY",
    "Timeline",
    "anticipation_weights",
    "bins_to_next_event",
    "build_timeline",
    "check_resolution",
    "days_to_bins",
    "parse_offsets",
    "window_weights",
]

WindowForm = Literal["union", "per_event"]


@dataclass(frozen=True, slots=True)
class Timeline:
    """Claims and events binned onto a regular grid over a study period.

    Attributes
    ----------
    start : datetime.date or datetime.datetime
        The first bin (a date at day resolution, an aware UTC datetime at hour or minute
        resolution).
    resolution : {"day", "hour", "minute"}
        Bin width.
    claims : numpy.ndarray
        ``float64`` array of length ``T``: claims per bin (or the summed ``value`` column
        when built with ``weight="value"``).
    event_bins : numpy.ndarray
        ``int64`` start bin of each event in the period, sorted.
    event_end_bins : numpy.ndarray
        ``int64`` last bin of each event (equal to the start for one-day events).
    announced_bins : numpy.ndarray
        ``int64`` bin each event was announced, ``-1`` where unknown or before the period.
    claims_frame, events_frame : polars.DataFrame
        The rows in the period after filtering, sorted by date, with a ``bin`` column.
        Claims may be held as counts (one row per date, actor, kind and status, with a
        :data:`~timing.claim_counts.COUNT_COLUMN`; see :mod:`timing.claim_counts`).
    excluded : dict
        Rows left out by the period or the filters, by table, with the reason.
    period : StudyPeriod or None
        How the study period was chosen (``None`` for :meth:`from_arrays`).
    """

    start: dt.date
    resolution: Resolution
    claims: np.ndarray
    event_bins: np.ndarray
    event_end_bins: np.ndarray
    announced_bins: np.ndarray
    claims_frame: pl.DataFrame
    events_frame: pl.DataFrame
    excluded: dict[str, dict[str, int]]
    period: StudyPeriod | None = None

    @classmethod
    def from_arrays(
        cls,
        claims: np.ndarray,
        event_bins: np.ndarray,
        *,
        start: dt.date = dt.date(2000, 1, 1),
        resolution: Resolution = "day",
        event_end_bins: np.ndarray | None = None,
        announced_bins: np.ndarray | None = None,
    ) -> Timeline:
        """A timeline from arrays already on a grid (simulations, research scripts).

        Parameters
        ----------
        claims : numpy.ndarray
            Claims per bin, length ``T``.
        event_bins : numpy.ndarray
            Start bin of each event (sorted here).
        start : datetime.date
            Date of bin 0 (an aware UTC datetime at hour resolution).
        resolution : {"day", "hour", "minute"}
        event_end_bins, announced_bins : numpy.ndarray, optional
            Last bin of each event (default: its start) and the bin each was announced
            (default: unknown, ``-1``), in the order of ``event_bins``.

        Examples
        --------
        >>> t = Timeline.from_arrays(np.array([0, 2, 0, 1]), np.array([3]))
        >>> t.n_bins, t.weights((-2, -1)).tolist()
        (4, [0, 1, 1, 0])
        """
        events = np.asarray(event_bins, dtype=np.int64)
        order = np.argsort(events, kind="stable")
        ends = events if event_end_bins is None else np.asarray(event_end_bins, dtype=np.int64)
        announced = (
            np.full(events.shape, -1, dtype=np.int64)
            if announced_bins is None
            else np.asarray(announced_bins, dtype=np.int64)
        )
        return cls(
            start=start,
            resolution=resolution,
            claims=np.asarray(claims, dtype=np.float64),
            event_bins=events[order],
            event_end_bins=ends[order],
            announced_bins=announced[order],
            claims_frame=pl.DataFrame({"bin": pl.Series([], dtype=pl.Int64)}),
            events_frame=pl.DataFrame({"bin": events[order]}),
            excluded={"claims": {}, "events": {}},
        )

    @property
    def n_bins(self) -> int:
        """Number of bins ``T`` in the study period."""
        return int(self.claims.shape[0])

    @property
    def n_events(self) -> int:
        """Number of events in the study period."""
        return int(self.event_bins.shape[0])

    @property
    def bins_per_day(self) -> int:
        """1 at day resolution, 24 at hour resolution, 1440 at minute resolution."""
        return BINS_PER_DAY[self.resolution]

    @property
    def end(self) -> dt.date:
        """The last bin of the study period."""
        return self.bin_to_time(self.n_bins - 1)

    def bin_to_time(self, index: int) -> dt.date:
        """Return the date (or datetime) that bin ``index`` starts at."""
        return self.start + _STEP[self.resolution] * int(index)

    def times(self) -> np.ndarray:
        """Return the start of every bin as ``datetime64`` values."""
        unit: Literal["D", "h", "m"] = (
            "D" if self.resolution == "day" else "h" if self.resolution == "hour" else "m"
        )
        origin = np.datetime64(
            self.start.replace(tzinfo=None) if isinstance(self.start, dt.datetime) else self.start,
            unit,
        )
        return origin + np.arange(self.n_bins).astype(f"timedelta64[{unit}]")

    def event_series(self) -> np.ndarray:
        """Return an ``int64`` array: number of events starting in each bin."""
        return np.bincount(self.event_bins, minlength=self.n_bins).astype(np.int64)

    def weights(
        self,
        offsets: tuple[int, int] = (-3, -1),
        *,
        form: WindowForm = "union",
        anticipation: bool = False,
    ) -> np.ndarray:
        """Window weights for this timeline's events; see :func:`window_weights`."""
        if anticipation:
            return anticipation_weights(
                self.event_bins, self.announced_bins, self.n_bins, form=form
            )
        return window_weights(self.event_bins, self.n_bins, offsets, form=form)


def bins_to_next_event(
    bins: np.ndarray, event_bins: np.ndarray, *, strictly_after: bool = False
) -> np.ndarray:
    """Bins from each of ``bins`` to the next event start (``-1`` when there is none).

    Parameters
    ----------
    bins : numpy.ndarray
        Bins to measure from (claim bins, or every bin of the grid).
    event_bins : numpy.ndarray
        Event start bins, in any order.
    strictly_after : bool
        Count only events after the bin (``e > t``); by default an event on the bin itself
        gives 0.

    Examples
    --------
    >>> bins_to_next_event(np.array([0, 3, 4, 9]), np.array([6, 3])).tolist()
    [3, 0, 2, -1]
    >>> bins_to_next_event(np.array([3]), np.array([3, 6]), strictly_after=True).tolist()
    [3]
    """
    events = np.unique(np.asarray(event_bins, dtype=np.int64))
    b = np.asarray(bins, dtype=np.int64)
    idx = np.searchsorted(events, b, side="right" if strictly_after else "left")
    out = np.full(b.shape, -1, dtype=np.int64)
    found = idx < events.size
    out[found] = events[idx[found]] - b[found]
    return out


def parse_offsets(text: str) -> tuple[int, int]:
    """Parse ``"A:B"`` (e.g. ``"-3:-1"``) into inclusive offsets ``(A, B)`` with ``A <= B``.

    Raises
    ------
    TimingInputError
        If the text is not two integers separated by a colon, or ``A > B``.
    """
    left, sep, right = text.partition(":")
    try:
        lo, hi = int(left), int(right)
    except ValueError:
        lo = hi = 0
        sep = ""
    if not sep:
        raise TimingInputError(f"--offsets {text!r}: expected A:B with integers, e.g. -3:-1")
    if lo > hi:
        raise TimingInputError(f"--offsets {text!r}: the first offset must not exceed the second")
    return lo, hi


def window_weights(
    event_bins: np.ndarray,
    n_bins: int,
    offsets: tuple[int, int] = (-3, -1),
    *,
    form: WindowForm = "union",
) -> np.ndarray:
    """Per-bin weight of the windows ``[e + offsets[0], e + offsets[1]]`` around events.

    Parameters
    ----------
    event_bins : numpy.ndarray
        Start bin of each event.
    n_bins : int
        Length ``T`` of the grid. Windows are truncated at the edges (never wrapped).
    offsets : tuple of int
        Inclusive offsets ``(lo, hi)``, ``lo <= hi``; ``(-3, -1)`` is the 3 bins before.
    form : {"union", "per_event"}
        ``"per_event"``: how many windows cover each bin (overlapping windows count once per
        event). ``"union"``: 1 where any window covers the bin, else 0.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of length ``n_bins``.

    Examples
    --------
    >>> window_weights(np.array([5, 6]), 8, (-2, -1), form="per_event").tolist()
    [0, 0, 0, 1, 2, 1, 0, 0]
    """
    lo, hi = offsets
    if lo > hi:
        raise TimingInputError(f"window offsets {offsets}: the first must not exceed the second")
    events = np.asarray(event_bins, dtype=np.int64)
    return interval_cover(events + lo, events + hi + 1, n_bins, form=form)


def anticipation_weights(
    event_bins: np.ndarray,
    announced_bins: np.ndarray,
    n_bins: int,
    *,
    form: WindowForm = "union",
) -> np.ndarray:
    """Per-bin weight of the anticipation windows ``[announced, e - 1]``.

    Events with an unknown announcement bin (``-1``) or announced on the day they start
    contribute no window.
    """
    ev = np.asarray(event_bins, dtype=np.int64)
    an = np.asarray(announced_bins, dtype=np.int64)
    ok = (an >= 0) & (an < ev)
    return interval_cover(an[ok], ev[ok], n_bins, form=form)


def _bin_index(column: pl.Expr, start: dt.date, resolution: Resolution) -> pl.Expr:
    if resolution == "day":
        return (column.cast(pl.Date) - pl.lit(start)).dt.total_days()
    if resolution == "minute":
        return (column - pl.lit(start)).dt.total_minutes()
    return (column - pl.lit(start)).dt.total_hours()


def _as_bin_start(value: dt.date | dt.datetime, resolution: Resolution) -> dt.date:
    if resolution == "day":
        return value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if resolution == "minute":
        return value.replace(second=0, microsecond=0)
    return value.replace(minute=0, second=0, microsecond=0)


def build_timeline(
    claims: pl.DataFrame,
    events: pl.DataFrame,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    resolution: Resolution = "day",
    actors: Sequence[str] | None = None,
    claim_kinds: Sequence[str] | None = None,
    event_kinds: Sequence[str] | None = None,
    weight: Literal["count", "value"] = "count",
    declared: tuple[dt.date, dt.date] | None = None,
    lead_days: int = 0,
    period: Literal["overlap", "span"] = "span",
) -> Timeline:
    """Bin validated claims and events onto a regular grid.

    Parameters
    ----------
    claims, events : polars.DataFrame
        Canonical tables (``ValidatedTable.frame``), with ``date`` as ``pl.Date`` (day) or
        UTC ``pl.Datetime`` (hour, minute).
    start, end : datetime.date, optional
        Study period, inclusive. Default: ``declared`` when given, else as ``period`` says
        (see :func:`timing.period.choose_period`: rows whose date lies far outside the
        rest of their table are set aside first, so no single row can stretch the
        period). Rows outside are left out and counted in ``Timeline.excluded``.
    resolution : {"day", "hour", "minute"}
        Bin width.
    actors, claim_kinds, event_kinds : sequence of str, optional
        Keep only these claim actors, claim kinds and event kinds.
    weight : {"count", "value"}
        ``"count"``: one per claim. ``"value"``: the claim's ``value`` column (e.g. daily
        announced casualties); rows without a value count as 0.
    declared : tuple of datetime.date, optional
        The span a bundled dataset was compiled over (its default study period).
    lead_days : int
        Length in days of the pre-event window: the default period starts this many days
        before the first event when the claims reach back that far.
    period : {"span", "overlap"}
        Default period without ``start``/``end``/``declared``: the whole span of both
        tables (``"span"``, for tables already aligned) or only where both have data
        (``"overlap"``, what :func:`timing.analysis.analyze` uses for users' files).

    Returns
    -------
    Timeline

    Raises
    ------
    TimingInputError
        If no claim or no event is left, the tables do not overlap in time, or the period
        is empty; at minute resolution, if the claims carry no times of day.

    Notes
    -----
    At hour and minute resolution a date without a time of day counts at 00:00 UTC (the
    validated tables hold UTC datetimes; a bare date was read as midnight). Minute bins of
    claims that only have dates would put every claim in the first minute of its day, so
    ``resolution="minute"`` is refused when no claim has a time other than 00:00.
    """
    excluded: dict[str, dict[str, int]] = {"claims": {}, "events": {}}

    def keep(
        frame: pl.DataFrame, column: str, values: Sequence[str] | None, table: str
    ) -> pl.DataFrame:
        if values is None:
            return frame
        kept = frame.filter(pl.col(column).is_in(list(values)))
        dropped = n_claims(frame) - n_claims(kept)
        if dropped:
            excluded[table][f"{column} not in {sorted(values)}"] = dropped
        return kept

    claims = keep(keep(claims, "actor", actors, "claims"), "kind", claim_kinds, "claims")
    events = keep(events, "kind", event_kinds, "events")
    if claims.height == 0:
        raise TimingInputError("no claims left after filtering; check --actor/--claim-kind")
    if events.height == 0:
        raise TimingInputError("no events left after filtering; check --event-kind")

    if resolution == "minute":
        require_times(claims)
    if "row" not in claims.columns:
        claims = claims.with_row_index("row", offset=1)
    if "row" not in events.columns:
        events = events.with_row_index("row", offset=1)
    chosen = choose_period(
        {"claims": claims, "events": events},
        start=start,
        end=end,
        declared=declared,
        lead_days=lead_days,
        default=period,
    )
    for table in ("claims", "events"):
        far_count = sum(f.claims for f in chosen.far if f.table == table)
        if far_count:
            excluded[table][FAR_DATE_REASON] = far_count
    if chosen.far:
        far_claims = [f.row for f in chosen.far if f.table == "claims"]
        far_events = [f.row for f in chosen.far if f.table == "events"]
        claims = claims.filter(~pl.col("row").is_in(far_claims))
        events = events.filter(~pl.col("row").is_in(far_events))
    first = _as_bin_start(chosen.start, resolution)
    last = _as_bin_start(chosen.end, resolution)
    check_resolution(resolution)
    step = _STEP[resolution]
    if resolution != "day":
        last = last + dt.timedelta(days=1) - step  # the end day is inclusive
    n_bins = int((last - first) / step) + 1

    def in_period(frame: pl.DataFrame, table: str) -> pl.DataFrame:
        # Adding the bin column shares the other columns' buffers; leaving rows out and
        # sorting copy every column (at 1e7 claims, hundreds of MB a copy), so both are
        # done in one gather of the rows kept, in order, and only when needed.
        framed = frame.with_columns(_bin_index(pl.col("date"), first, resolution).alias("bin"))
        bins = framed["bin"]
        inside = (bins >= 0) & (bins < n_bins)
        counts = claim_weights(framed)
        outside = (
            framed.height - int(inside.sum())
            if counts is None
            else int(counts[~inside.to_numpy()].sum())
        )
        if outside:
            excluded[table]["outside study period"] = outside
        if bins.is_sorted():  # the rows in the period are one slice: no copy
            first_in = int(bins.search_sorted(0, side="left"))
            past_in = int(bins.search_sorted(n_bins, side="left"))
            return framed.slice(first_in, past_in - first_in)
        kept = np.flatnonzero(inside.to_numpy())
        order = np.argsort(bins.to_numpy()[kept], kind="stable")
        return framed[kept[order]]

    claims = in_period(claims, "claims")
    events = in_period(events, "events")
    if claims.height == 0 or events.height == 0:
        missing = " and ".join(
            t for t, f in (("claims", claims), ("events", events)) if not f.height
        )
        spans = "; ".join(
            f"{table} run {a:%Y-%m-%d} to {b:%Y-%m-%d}" for table, (a, b) in chosen.spans.items()
        )
        raise TimingInputError(
            f"no {missing} inside the study period {chosen.start:%Y-%m-%d} to "
            f"{chosen.end:%Y-%m-%d} ({chosen.describe().split(': ', 1)[-1]}; {spans}); "
            "check --start/--end and the dates of both files"
        )

    claim_bins = claims["bin"].to_numpy().astype(np.int64)
    if weight == "value" and (
        "value" not in claims.columns or not claims["value"].is_not_null().any()
    ):
        raise TimingInputError(
            f"--weight value: none of the {n_claims(claims)} claims in the study period has a "
            "value (the value column is empty or absent); give the claimed figures in a value "
            "column (or map one with --map value=COLUMN), or use --weight count"
        )
    if weight == "value":
        values = claims["value"].fill_null(0.0).to_numpy().astype(np.float64)
    else:  # counted rows (timing.claim_counts) stand for several claims each
        counts = claim_weights(claims)
        values = np.ones(claims.height, dtype=np.float64) if counts is None else counts
    series = np.bincount(claim_bins, weights=values, minlength=n_bins).astype(np.float64)

    event_bins = events["bin"].to_numpy().astype(np.int64)
    end_col = (
        events["end_date"].fill_null(events["date"])
        if "end_date" in events.columns
        else events["date"]
    )
    end_bins = (
        events.with_columns(end_col.alias("_end"))
        .select(_bin_index(pl.col("_end"), first, resolution))
        .to_series()
        .to_numpy()
        .astype(np.int64)
    )
    end_bins = np.clip(end_bins, event_bins, n_bins - 1)
    if "announced_date" in events.columns:
        announced = (
            events.select(_bin_index(pl.col("announced_date"), first, resolution))
            .to_series()
            .fill_null(-1)
            .to_numpy()
            .astype(np.int64)
        )
        announced = np.where(announced < 0, -1, announced)
    else:
        announced = np.full(event_bins.shape, -1, dtype=np.int64)

    return Timeline(
        start=first,
        resolution=resolution,
        claims=series,
        event_bins=event_bins,
        event_end_bins=end_bins,
        announced_bins=announced,
        claims_frame=claims,
        events_frame=events,
        excluded=excluded,
        period=chosen,
    )
