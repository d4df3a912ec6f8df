"""Claims counted per bin and group on the streaming engine, without a row per claim.

:func:`bin_counts` turns a validated claims table (a ``DataFrame`` or a ``LazyFrame``, e.g.
a ``scan_parquet`` of 1e8 claims) into one row per (bin, actor, kind, status) with the
number of claims (or their summed ``value``): the input of every method that works on
per-bin counts. It gives the same series as :func:`timing.timeline.build_timeline` on the
same rows (``tests/test_lazy_load.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import polars as pl

from timing.claim_counts import count_expr

__all__ = ["bin_counts"]


def bin_counts(
    claims: pl.DataFrame | pl.LazyFrame,
    start: dt.date | dt.datetime,
    n_bins: int,
    *,
    resolution: Literal["day", "hour"] = "day",
    by: Sequence[str] = ("actor", "kind", "status"),
    weight: Literal["count", "value"] = "count",
) -> pl.DataFrame:
    """Count claims per bin and group over ``n_bins`` bins from ``start``.

    Parameters
    ----------
    claims : polars.DataFrame or polars.LazyFrame
        Canonical claims (``date`` as ``pl.Date`` at day resolution, UTC ``pl.Datetime``
        at hour resolution), e.g. ``ValidatedTable.frame``.
    start : datetime.date or datetime.datetime
        The first bin (``Timeline.start``).
    n_bins : int
        Bins in the period; claims outside ``[0, n_bins)`` are left out.
    resolution : {"day", "hour"}
    by : sequence of str
        Group columns besides the bin; those the table lacks are ignored.
    weight : {"count", "value"}
        ``"value"`` sums the ``value`` column (missing values count 0).

    Returns
    -------
    polars.DataFrame
        ``bin`` (Int64), the ``by`` columns present, and ``n`` (Float64), sorted.

    Examples
    --------
    >>> frame = pl.DataFrame({"date": [dt.date(2025, 1, 2)] * 2, "actor": ["a", "b"]})
    >>> bin_counts(frame, dt.date(2025, 1, 1), 3, by=["actor"]).rows()
    [(1, 'a', 1.0), (1, 'b', 1.0)]
    """
    lazy = claims.lazy()
    names = lazy.collect_schema().names()
    groups = [c for c in by if c in names]
    if resolution == "day":
        index = (pl.col("date").cast(pl.Date) - pl.lit(start)).dt.total_days()
    else:
        index = (pl.col("date") - pl.lit(start)).dt.total_hours()
    amount = (
        pl.col("value").fill_null(0.0).cast(pl.Float64)
        if weight == "value"
        else count_expr(lazy).cast(pl.Float64)  # counted rows stand for several claims
    )
    return (
        lazy.select(index.cast(pl.Int64).alias("bin"), *groups, amount.alias("_w"))
        .filter(pl.col("bin").is_between(0, n_bins - 1))
        .group_by(["bin", *groups])
        .agg(pl.col("_w").sum().alias("n"))
        .sort(["bin", *groups], nulls_last=True)
        .collect(engine="streaming")
    )
