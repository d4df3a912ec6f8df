"""Counting validated claims on the streaming engine, a range of dates at a time.

With ``count_above`` (:func:`timing.io.load_table`) the streaming reader hands back claims
as counts (:mod:`timing.claim_counts`) rather than rows. Polars' streaming group-by holds
about 35 bytes per row when there are millions of groups (measured on 1e8 claims: 3.4 GB
for 4.6 million groups of date, actor, kind and status), so a large file is counted in
passes over disjoint ranges of dates, each of at most :data:`ROWS_COUNTED_AT_ONCE` claims;
the parts need no merging. The ranges come from a first pass that counts the claims per
day and collects the numbers of the suspect rows (those the careful checks decide).
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from timing.claim_counts import COUNT_COLUMN, count_claims

__all__ = ["ROWS_COUNTED_AT_ONCE", "count_streamed", "with_rescued"]

#: Claims counted in one streaming pass (about 35 bytes of group-by state a claim).
ROWS_COUNTED_AT_ONCE = 50_000_000


def _day(date: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Whole days since 1970 of a typed date (a UTC datetime at hour resolution)."""
    if dtype == pl.Date:
        return date.cast(pl.Int32)
    return date.dt.date().cast(pl.Int32)


def count_streamed(
    flagged: pl.LazyFrame, kept: pl.LazyFrame, rows: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Counted claims of the rows that pass, and the row numbers of the suspect rows.

    Parameters
    ----------
    flagged : polars.LazyFrame
        Every row with ``row`` and the boolean ``_suspect``.
    kept : polars.LazyFrame
        The typed canonical columns of the rows that pass, with ``row``.
    rows : int
        Rows in the file.

    Returns
    -------
    tuple of polars.DataFrame
        ``(counted, suspects)``: the counts in date order (:func:`count_claims`) and one
        ``row`` column of the suspect rows.
    """
    suspect = flagged.filter(pl.col("_suspect")).select(pl.col("row").cast(pl.Int64))
    passes = -(-rows // ROWS_COUNTED_AT_ONCE)
    if passes <= 1:
        # Two queries: in one pl.collect_all with the group-by, the engine held 9.4 GB at
        # 1e8 claims (measured); apart, each streams.
        counted = count_claims(kept).collect(engine="streaming")
        return counted, suspect.collect(engine="streaming")
    dtype = kept.collect_schema()["date"]
    day = _day(pl.col("date"), dtype)
    # One pass for the claims per day (to cut the dates into passes of equal size) and
    # the suspect rows: both small results (0.9 GB at 1e8 claims for the shared scan).
    per_day = kept.group_by(day.alias("day")).agg(pl.len().alias("n"))
    days, suspects = pl.collect_all([per_day, suspect], engine="streaming")
    days = days.sort("day")
    edges = _date_edges(days, passes)
    parts = []
    for lo, hi in itertools.pairwise(edges):
        inside = pl.lit(True)
        if lo is not None:
            inside = inside & (day >= lo)
        if hi is not None:
            inside = inside & (day < hi)
        parts.append(count_claims(kept.filter(inside)).collect(engine="streaming"))
    return pl.concat(parts), suspects


def _date_edges(days: pl.DataFrame, passes: int) -> list[int | None]:
    """Day numbers that cut ``days`` (``day``, ``n``; sorted) into passes of equal claims.

    Pass ``k`` takes the days from ``edges[k]`` (inclusive; None: from the first) to
    ``edges[k + 1]`` (exclusive; None: to the last). A day is never split, so a day with
    more claims than a pass takes is a pass of its own.
    """
    ends = np.cumsum(days["n"].to_numpy())
    targets = ends[-1] * np.arange(1, passes) / passes
    cuts = np.searchsorted(ends, targets, side="right")  # first day past each target
    inside = np.unique(cuts[(cuts > 0) & (cuts < days.height)])
    return [None, *days["day"].to_numpy()[inside].tolist(), None]


def with_rescued(
    counted: pl.DataFrame, rescued: list[pl.DataFrame], rejected_rows: list[int]
) -> pl.DataFrame:
    """The streamed counts with the rescued rows counted in (those rejected left out)."""
    if not rescued:
        return counted
    dropped = pl.Series(rejected_rows, dtype=pl.Int64).implode()
    rows = pl.concat(rescued).filter(~pl.col("row").is_in(dropped))
    ones = rows.with_columns(pl.lit(1, dtype=pl.UInt32).alias(COUNT_COLUMN))
    return count_claims(pl.concat([counted, ones], how="vertical_relaxed").lazy()).collect()
