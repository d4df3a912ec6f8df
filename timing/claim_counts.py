"""Claims held as counts: one row per (date, actor, kind, status, verified date).

At 1e8 claims even the few columns an analysis reads take several gigabytes as one row per
claim, yet every method reads the claims only through those columns. A claims frame may
therefore hold *counted* rows: the claims that share their date (already truncated to the
resolution), actor, kind, status and verified date, with their number in
:data:`COUNT_COLUMN`, the first of their row numbers in ``row`` and their summed ``value``.
Ids and targets are not kept. A frame without :data:`COUNT_COLUMN` holds one claim a row.

The functions here are what the rest of the package uses to count claims in either form,
so that both give the same numbers (``tests/test_claim_counts.py``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = [
    "COUNTED_COLUMNS",
    "COUNT_COLUMN",
    "COUNT_KEYS",
    "claim_weights",
    "claims_in_group",
    "count_claims",
    "count_expr",
    "is_counted",
    "n_claims",
]

#: Column of a counted claims frame: how many claims the row stands for.
COUNT_COLUMN = "claims"
#: The columns counted claims are grouped by (those present in the table).
COUNT_KEYS = ("date", "actor", "kind", "status", "verified_date")
#: The canonical claims columns a counted frame keeps (``value`` summed).
COUNTED_COLUMNS = (*COUNT_KEYS, "value")


def is_counted(frame: pl.DataFrame | pl.LazyFrame) -> bool:
    """Whether the claims frame holds counted rows (see the module docstring)."""
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    return COUNT_COLUMN in names


def count_expr(frame: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """The number of claims each row stands for, as an expression (1 for claim rows).

    For row-wise use (``select``, ``when/then``); in a group-by, a literal is not spread
    over the group's rows: use :func:`claims_in_group`.
    """
    return pl.col(COUNT_COLUMN) if is_counted(frame) else pl.lit(1, dtype=pl.UInt32)


def claims_in_group(frame: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """The claims in each group of a group-by: summed counts, or the group's rows."""
    return pl.col(COUNT_COLUMN).sum() if is_counted(frame) else pl.len()


def n_claims(frame: pl.DataFrame) -> int:
    """Claims in the frame: the summed counts of counted rows, else its height.

    Examples
    --------
    >>> n_claims(pl.DataFrame({"date": [1, 2], "claims": [3, 4]}))
    7
    >>> n_claims(pl.DataFrame({"date": [1, 2]}))
    2
    """
    if is_counted(frame):
        return int(frame[COUNT_COLUMN].sum())
    return frame.height


def claim_weights(frame: pl.DataFrame) -> np.ndarray | None:
    """``float64`` claims per row of a counted frame, None for one claim a row.

    For ``np.bincount(..., weights=)``: None counts rows, as a frame of claim rows needs.
    """
    if not is_counted(frame):
        return None
    return frame[COUNT_COLUMN].to_numpy().astype(np.float64)


def count_claims(claims: pl.LazyFrame) -> pl.LazyFrame:
    """Group validated claims into counted rows (see the module docstring).

    Parameters
    ----------
    claims : polars.LazyFrame
        Claim rows with ``date``, ``row`` and any of :data:`COUNT_KEYS` and ``value``, or
        counted rows (parts counted apart are merged: their counts and values add up).

    Returns
    -------
    polars.LazyFrame
        One row per distinct key, in date order (ties by first row): the keys, ``row``
        (the first row number of the group), ``value`` (summed; null where no claim of
        the group has one) when the claims have values, and :data:`COUNT_COLUMN`.

    Examples
    --------
    >>> rows = pl.LazyFrame({"date": [2, 1, 2], "actor": ["a", "b", "a"], "row": [1, 2, 3]})
    >>> count_claims(rows).collect().rows()
    [(1, 'b', 2, 1), (2, 'a', 1, 2)]
    """
    names = claims.collect_schema().names()
    keys = [c for c in COUNT_KEYS if c in names]
    value = pl.col("value")
    sums = [pl.when(value.is_not_null().any()).then(value.sum())] if "value" in names else []
    n = pl.col(COUNT_COLUMN).sum() if COUNT_COLUMN in names else pl.len()
    return (
        claims.group_by(keys)
        .agg(pl.col("row").min(), *sums, n.cast(pl.UInt32).alias(COUNT_COLUMN))
        .sort("date", "row")
    )
