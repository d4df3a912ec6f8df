"""Read what the report shows from an analysis dict; nothing here computes a statistic.

Everything here reads the plain dict of :meth:`timing.analysis.AnalysisResult.to_dict`
(``full=True``) and never fails on a missing optional key: it returns ``None`` or an empty
list, and the page says what is missing. Strings are returned raw; escaping happens where
they are put into HTML or into Plotly text (see :func:`esc`).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import polars as pl

from timing.claim_counts import COUNT_COLUMN, claims_in_group, is_counted, n_claims
from timing.errors import TimingInputError
from timing.resolution import BINS_PER_DAY

if TYPE_CHECKING:
    from timing.result import AnalysisResult

#: What every figure accepts: an :class:`~timing.result.AnalysisResult`, or its
#: ``to_dict(full=True)`` (also as read back from ``timing analyze --json --full``).
ResultLike: TypeAlias = "AnalysisResult | dict[str, Any]"

__all__ = [
    "MAX_TIMELINE_PERIODS",
    "TIMELINE_AGGREGATE_ABOVE",
    "ResultLike",
    "TimelineCounts",
    "as_data",
    "bins_per_day",
    "claims_frame",
    "esc",
    "per_event_rows",
    "tests_table",
    "timeline_counts",
    "to_datetime",
    "window_bins",
]


def as_data(result: ResultLike) -> dict[str, Any]:
    """The plain dict of a result: ``result.to_dict(full=True)``, or the dict itself.

    Raises
    ------
    TimingInputError
        For anything else (e.g. a path: read the JSON first, or use ``timing report``).

    Examples
    --------
    >>> as_data({"tests": {}})
    {'tests': {}}
    """
    if isinstance(result, dict):
        return result
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict) and hasattr(result, "timeline"):
        # Above the aggregation threshold the timeline only counts claims per period: hand it
        # the typed claim frame rather than building one dict per claim (31 us a claim).
        # Counted claims (timing.claim_counts) are always drawn as counts.
        frame = result.timeline.claims_frame
        rows = int(getattr(frame, "height", 0))
        one_each = rows <= TIMELINE_AGGREGATE_ABOVE and not is_counted(frame)
        data: dict[str, Any] = to_dict(full=True, claim_rows=one_each)
        return data
    raise TimingInputError(
        f"expected an AnalysisResult or its to_dict(full=True) dict, got {type(result).__name__}"
    )


def esc(value: Any) -> str:
    """``html.escape`` of ``str(value)`` (quotes too); ``""`` for ``None``."""
    return "" if value is None else html.escape(str(value), quote=True)


def to_datetime(text: Any) -> dt.datetime | None:
    """Parse an ISO date or timestamp string into a naive UTC datetime (``None`` if unusable)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def bins_per_day(data: dict[str, Any]) -> int:
    """1 at day resolution, 24 at hour resolution, 1440 at minute resolution."""
    res = (data.get("timeline") or {}).get("resolution") or (data.get("params") or {}).get(
        "resolution", "day"
    )
    return BINS_PER_DAY.get(str(res), 1)


def window_bins(data: dict[str, Any]) -> tuple[int, int] | None:
    """Window offsets in bins (``None`` for anticipation windows)."""
    params = data.get("params") or {}
    if params.get("anticipation"):
        return None
    lo, hi = params.get("offsets") or (-3, -1)
    k = bins_per_day(data)
    return int(lo) * k, (int(hi) + 1) * k - 1


#: Keys of a per-event row the report's table shows.
PER_EVENT_KEYS = (
    "event_id",
    "date",
    "kind",
    "title",
    "parties",
    "source",
    "window_claims",
    "window_targets",
    "nearest_lag",
    "nearest_target",
    "last_before_lag",
    "last_before_target",
)


def per_event_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per event, as the analysis stored it in ``data["per_event"]``.

    The analysis computes the rows once (:func:`timing.stats.per_event.event_claims`): for
    each event, the claims in its window (``params.offsets`` days, or from announcement to
    start with ``params.anticipation``) and the signed lags in days to the nearest claim
    and to the last claim before it.

    Returns
    -------
    list of dict
        Keys :data:`PER_EVENT_KEYS` (``None`` where the stored row lacks one). Empty when
        the dict holds no ``per_event`` records.
    """
    stored = data.get("per_event")
    if not isinstance(stored, list):
        return []
    return [{key: r.get(key) for key in PER_EVENT_KEYS} for r in stored if isinstance(r, dict)]


_NAMES = {
    "circular_shift": "Circular-shift randomization",
    "negbin_glm": "Negative binomial GLM (HAC)",
    "poisson_naive": "Poisson GLM, naive errors",
    "placebo": "Calendar-matched placebo",
    "coincidence": "Event coincidence analysis",
    "lags": "Lag distribution vs circular null",
    "event_study": "Event-study profile",
    "premature": "Premature claims",
}


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if np.isfinite(value) else None


def tests_table(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for every test in ``data["tests"]`` that reports a p-value.

    Returns
    -------
    list of dict
        Keys ``name`` (the key in ``tests``), ``method`` (human name), ``statistic``,
        ``effect`` (``effect``, else ``rate_ratio`` or ``irr``), ``ci_low``, ``ci_high``,
        ``pvalue`` and ``naive`` (True for tests that assume independent days, listed
        right after the robust tests so the two can be compared). A method that did not
        apply has ``not_applicable`` (the reason) instead of numbers. A test with several
        p-values (``pvalue_analytic``, ``pvalue_surrogate``) gives one row per p-value.
    """
    rows = []
    for name, test in (data.get("tests") or {}).items():
        if not isinstance(test, dict):
            continue
        if test.get("applicable") is False:
            rows.append(
                {
                    "name": name,
                    "method": str(test.get("method") or _NAMES.get(name) or name),
                    "not_applicable": str(test.get("reason") or "not applicable"),
                    "naive": "naive" in name.lower(),
                }
            )
            continue
        pkeys = (
            ["pvalue"] if "pvalue" in test else sorted(k for k in test if k.startswith("pvalue_"))
        )
        for pkey in pkeys:
            method = str(test.get("method") or _NAMES.get(name) or name.replace("_", " "))
            if pkey != "pvalue":
                method = f"{method} ({pkey.removeprefix('pvalue_')})"
            effect = next(
                (
                    _num(test[key])
                    for key in ("effect", "rate_ratio", "irr")
                    if _num(test.get(key)) is not None
                ),
                None,
            )
            naive = "naive" in name.lower() or "naive" in method.lower()
            rows.append(
                {
                    "name": name,
                    "method": method,
                    "statistic": _num(test.get("statistic")),
                    "effect": effect,
                    "ci_low": _num(test.get("ci_low")),
                    "ci_high": _num(test.get("ci_high")),
                    "pvalue": _num(test.get(pkey)),
                    "naive": naive,
                }
            )
    return sorted(rows, key=lambda r: r["naive"])


#: Above this many claims the timeline draws counts per period, kind and status (one bar
#: and one hover text each) instead of one marker per claim: the page then stays a few MB
#: and draws in seconds at any number of claims.
TIMELINE_AGGREGATE_ABOVE = 2_000
#: Most periods the aggregated timeline draws: its period grows from hour (or day) to
#: day, week and month until the study period fits in this many.
MAX_TIMELINE_PERIODS = 4_000
_UNITS = ("hour", "day", "week", "month")
_UNIT_HOURS = {"hour": 1, "day": 24, "week": 24 * 7, "month": 24 * 31}


def claims_frame(data: dict[str, Any]) -> pl.DataFrame:
    """``data["claims"]`` as a frame with (at least) columns date, kind and status.

    ``data["claims"]`` is a list of row dicts (as in ``to_dict(full=True)``) or, for very
    large inputs, a :class:`polars.DataFrame` of the same columns (e.g.
    ``Timeline.claims_frame``: no dict per claim). kind and status come back as strings
    (categoricals stay categoricals);
    date as a string, or as a date or datetime when the frame's column is typed. Missing
    columns come back as nulls; a frame of zero rows when there are no claims.
    """
    claims = data.get("claims")
    need = {"date": pl.String, "kind": pl.String, "status": pl.String}
    if isinstance(claims, pl.DataFrame):
        frame = claims
    elif isinstance(claims, list) and claims:
        rows = [c for c in claims if isinstance(c, dict)]
        counted = {COUNT_COLUMN: pl.Int64} if rows and COUNT_COLUMN in rows[0] else {}
        frame = (
            pl.from_dicts(rows, schema={**need, **counted}, strict=False)
            if rows
            else pl.DataFrame()
        )
    else:
        frame = pl.DataFrame()
    dtype = frame.schema.get("date")
    typed = dtype == pl.Date or isinstance(dtype, pl.Datetime)
    return frame.with_columns(
        [
            pl.lit(None, pl.String).alias(name)
            if name not in frame.columns
            else pl.col(name)
            if (name == "date" and typed) or frame.schema[name] == pl.Categorical
            else pl.col(name).cast(pl.String)
            for name in need
        ]
    )


@dataclass(frozen=True, slots=True)
class TimelineCounts:
    """Claims counted per period, kind and status: what the aggregated timeline draws.

    Attributes
    ----------
    unit : {"hour", "day", "week", "month"}
        Length of one period (weeks start on Monday, months on the 1st).
    counts : polars.DataFrame
        Columns ``period`` (datetime of the period's start), ``kind``, ``status`` (nulls
        as ``"other"`` and ``"unknown"``, as the per-claim markers label them), ``claims``
        (rows in that cell) and ``kind_claims`` (all claims of that kind in that period),
        sorted by period, kind and status.
    n_claims : int
        Claim rows counted (every row with a readable date).
    n_undated : int
        Claim rows whose date could not be read (not drawn; the figure says how many).
    """

    unit: str
    counts: pl.DataFrame
    n_claims: int
    n_undated: int


def _period_expr(hourly: bool, dtype: Any) -> pl.Expr:
    """Each claim's date as a datetime (to the hour for hourly timelines), nulls if unreadable."""
    if dtype == pl.Date:
        return pl.col("date").cast(pl.Datetime("us"))
    if isinstance(dtype, pl.Datetime):
        when = pl.col("date")
        if dtype.time_zone is not None:
            when = when.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return when.cast(pl.Datetime("us")).dt.truncate("1h" if hourly else "1d")
    text = pl.col("date").str.strip_chars().str.replace("T", " ")
    day = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    if not hourly:
        return day
    hour = (text.str.slice(0, 13) + ":00").str.to_datetime(
        "%Y-%m-%d %H:%M", strict=False, time_unit="us"
    )
    return pl.coalesce(hour, day)


def _choose_unit(first: dt.datetime, last: dt.datetime, hourly: bool) -> str:
    hours = (last - first).total_seconds() / 3600 + 1
    for unit in _UNITS[0 if hourly else 1 :]:
        if hours / _UNIT_HOURS[unit] <= MAX_TIMELINE_PERIODS:
            return unit
    return "month"


def timeline_counts(data: dict[str, Any], *, force: bool = False) -> TimelineCounts | None:
    """Claims per period, kind and status, when there are too many claims to draw one by one.

    A display aggregate only (no statistic is computed from it), built with one polars
    ``group_by`` from the claim rows of the result.

    Parameters
    ----------
    data : dict
        ``AnalysisResult.to_dict(full=True)``; ``data["claims"]`` may also be a polars
        DataFrame (see :func:`claims_frame`).
    force : bool
        Aggregate even at or below :data:`TIMELINE_AGGREGATE_ABOVE` claims.

    Returns
    -------
    TimelineCounts or None
        ``None`` when there are at most :data:`TIMELINE_AGGREGATE_ABOVE` claim rows (the
        timeline then draws every claim) and ``force`` is false.

    Examples
    --------
    >>> rows = [{"date": "2025-03-04", "kind": "capture", "status": s}
    ...         for s in ("contested", "contested", "confirmed")]
    >>> agg = timeline_counts({"claims": rows}, force=True)
    >>> agg.unit, agg.counts["claims"].to_list(), agg.counts["kind_claims"].to_list()
    ('day', [1, 2], [3, 3])
    """
    frame = claims_frame(data)
    counted = is_counted(frame)  # rows standing for several claims: always aggregated
    if frame.height <= TIMELINE_AGGREGATE_ABOVE and not force and not counted:
        return None
    hourly = bins_per_day(data) == 24
    # Count per hour (or day) first, on the claims' own columns (categorical kind and
    # status stay codes): at 1e7 claims, text copies of the columns would take GBs.
    fine = (
        frame.lazy()
        .group_by(_period_expr(hourly, frame.schema["date"]).alias("period"), "kind", "status")
        .agg(claims_in_group(frame).alias("claims"))
        .collect()
        .with_columns(
            pl.col("kind").cast(pl.String).fill_null("other"),
            pl.col("status").cast(pl.String).fill_null("unknown"),
        )
    )
    dated = fine.filter(pl.col("period").is_not_null())
    n_dated = int(dated["claims"].sum())
    n_undated = n_claims(frame) - n_dated
    if dated.height == 0:
        schema: dict[str, Any] = {"period": pl.Datetime("us"), "kind": pl.String}
        schema.update(status=pl.String, claims=pl.UInt32, kind_claims=pl.UInt32)
        counts = pl.DataFrame(schema=schema)
        return TimelineCounts("day", counts, 0, n_undated)
    first, last = dated["period"].min(), dated["period"].max()
    unit = _choose_unit(first, last, hourly)  # type: ignore[arg-type]
    every = {"hour": "1h", "day": "1d", "week": "1w", "month": "1mo"}[unit]
    counts = (
        dated.with_columns(pl.col("period").dt.truncate(every))
        .group_by("period", "kind", "status")
        .agg(pl.col("claims").sum().cast(pl.UInt32))
        .with_columns(pl.col("claims").sum().over("period", "kind").alias("kind_claims"))
        .sort("period", "kind", "status")
    )
    return TimelineCounts(unit, counts, n_dated, n_undated)
