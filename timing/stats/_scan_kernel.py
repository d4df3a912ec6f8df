"""The scan's inner loop: every cell's statistic at every shift, and its null summaries.

:func:`timing.stats.scan.scan` splits its work into *blocks of claim series*; each block is
computed by :func:`scan_block` from a picklable :class:`ScanPlan` (the calendars and the
shifts), in this process or on a Dask worker, and the blocks are put together in order.

Window rows without one FFT per window
--------------------------------------
For one calendar of distinct event bins ``e_1 < ... < e_K`` the union window of length
``w`` is the set of bins whose next event (strictly after) is at most ``w`` away: for each
event ``e`` the interval ``[max(e - w, p_e), e)``, with ``p_e`` the previous event (0 for
the first). With ``Q`` the running total of the claim series extended periodically
(``Q(x + T) = Q(x) + total``), the claims in the window shifted by ``s`` are

``S_w(s) = sum_e Q(e + s) - Q(max(e - w, p_e) + s)``
``       = Z(s) - Z(s - w) + sum_{e: e - p_e < w} (Q(e - w + s) - Q(p_e + s))``

with ``Z(x) = sum_e Q(e + x)``: one sum of shifted running totals per calendar, then each
window is one subtraction of two arrays that are updated once for every event closer than
``w`` to the previous one. :mod:`timing.stats._scan_sums` does these sums in integers
(``int32`` where they fit), each by one FFT correlation (rounded and checked) or by direct
additions, whichever is cheaper; the anticipation row is such a sum too. This gives exactly
the integers that ``irfft(rfft(counts) * conj(rfft(window)))`` rounds to, at the cost of
at most one FFT per calendar instead of one per window.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from timing.claim_counts import count_expr
from timing.engine import Engine
from timing.stats._common import TIE_RTOL
from timing.stats._scan_sums import Prepared, SeriesSums, union_window_sizes

__all__ = [
    "BlockStats",
    "Calendar",
    "ScanPlan",
    "claim_series",
    "run_blocks",
    "scan_block",
    "union_window_sizes",
]

_ALL = "all"  # the pooled level of a dimension (timing.stats.scan.ALL)


@dataclass(frozen=True, slots=True)
class Calendar:
    """One event calendar of the scan: its events and the rows it contributes.

    Attributes
    ----------
    starts : numpy.ndarray
        Distinct event bins, sorted.
    windows : numpy.ndarray
        Window lengths with at least one bin in the window (one row each, in order).
    anticipation : numpy.ndarray or None
        The anticipation row: ``True`` on the bins of the union of anticipation windows
        (length ``T``), or None for no row.
    """

    starts: np.ndarray
    windows: np.ndarray
    anticipation: np.ndarray | None

    @property
    def n_rows(self) -> int:
        """Rows (cells per claim series) of this calendar."""
        return int(self.windows.size) + int(self.anticipation is not None)


@dataclass(frozen=True, slots=True)
class ScanPlan:
    """What every block of the scan shares: the grid, the calendars and the shifts.

    ``null`` is the index of the admissible shifts in ``0..T-1`` (a slice when contiguous).
    """

    n_bins: int
    calendars: tuple[Calendar, ...]
    null: slice | np.ndarray
    n_shifts: int

    @property
    def n_rows(self) -> int:
        """Cells per claim series."""
        return sum(c.n_rows for c in self.calendars)


@dataclass(slots=True)
class BlockStats:
    """Per-cell summaries of a block of claim series (arrays of shape ``(series, rows)``)."""

    obs: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    n_ge: np.ndarray
    in_sum: np.ndarray
    max_null: np.ndarray = field(repr=False)


class _Workspace:
    """Buffers of one thread, and its running maximum of the standardised nulls."""

    def __init__(self, plan: ScanPlan) -> None:
        n = plan.n_bins
        self.row = np.empty(n)
        self.diff = np.empty(plan.n_shifts)
        self.square = np.empty(plan.n_shifts)
        self.max_null = np.full(plan.n_shifts, -np.inf)


def _row_stats(
    s: np.ndarray, null: slice | np.ndarray, total: float, n_in: int | None, ws: _Workspace
) -> tuple[float, float, float, int]:
    """Observed value, null mean and sd, and ``#{null >= observed}`` of one row; the row's
    standardised null enters the running maximum. Same floating-point operations, in the
    same order, as on the stacked rows (results identical to the bit)."""
    o = float(s[0])
    values = s[null]
    m = values.size
    if n_in is not None and isinstance(null, slice):
        # Over all T shifts a 0/1 window catches every claim n_in times: an exact integer
        # sum, less the few shifts outside the null (what numpy's sum gives exactly too).
        outside = float(s[: null.start].sum()) + float(s[null.stop :].sum())
        mu = (int(total) * int(n_in) - int(outside)) / m
    else:
        mu = float(np.add.reduce(values)) / m
    tol = TIE_RTOL * max(1.0, abs(o))
    n_ge = int(np.count_nonzero(values >= o - tol))
    np.subtract(values, mu, out=ws.diff)
    np.multiply(ws.diff, ws.diff, out=ws.square)
    sd = float(np.sqrt(np.add.reduce(ws.square) / m))
    spread = sd if sd > 0 else 1.0
    np.divide(ws.diff, spread, out=ws.diff)
    np.maximum(ws.max_null, ws.diff, out=ws.max_null)
    return o, mu, sd, n_ge


def _one_series(prep: Prepared, counts: np.ndarray, ws: _Workspace) -> np.ndarray:
    """The ``(5, rows)`` summaries (obs, mean, sd, n_ge, in_sum) of one claim series."""
    plan = prep.plan
    reach = prep.reach
    out = np.empty((5, plan.n_rows))
    sums = SeriesSums(prep, counts)
    total = sums.total
    anti_in = prep.anti_inside @ counts if prep.anti_inside is not None else None
    row0, a = 0, 0
    for k, cal in enumerate(plan.calendars):
        for i, s in sums.window_rows(k, ws.row):
            n_in = int(prep.n_in[k][min(int(cal.windows[i]), reach)])
            o, mu, sd, n_ge = _row_stats(s, plan.null, total, n_in, ws)
            out[:, row0 + i] = (o, mu, sd, n_ge, o)
        row0 += cal.windows.size
        if cal.anticipation is not None:
            s = sums.anticipation_row(k, ws.row)
            o, mu, sd, n_ge = _row_stats(s, plan.null, total, None, ws)
            out[:, row0] = (o, mu, sd, n_ge, anti_in[a])  # type: ignore[index]
            row0, a = row0 + 1, a + 1
    return out


def scan_block(plan: ScanPlan, counts: np.ndarray, threads: int | None = 1) -> BlockStats:
    """Summaries of every cell of a block of claim series, in the order of the rows.

    Parameters
    ----------
    plan : ScanPlan
        Calendars and shifts.
    counts : numpy.ndarray
        Shape ``(k, T)``: claims per bin of each claim series (integers).
    threads : int, optional
        Threads working on the series (numpy releases the GIL in the array work); default
        1. ``None``: the machine's cores. The result does not depend on it.

    Returns
    -------
    BlockStats
        ``obs``, ``mean``, ``sd`` (the null's population sd), ``n_ge`` (shifts at least as
        large as observed), ``in_sum`` (claims in the window bins), each ``(k, rows)``; and
        ``max_null``, the maximum over the block's cells of the standardised null at every
        admissible shift (``sd`` 0 standardises with 1).
    """
    prep = Prepared(plan)
    counts = np.asarray(counts, dtype=np.float64).reshape(-1, plan.n_bins)
    n_threads = max(1, min(threads or os.cpu_count() or 1, counts.shape[0]))
    spaces = [_Workspace(plan) for _ in range(n_threads)]
    results: list[np.ndarray] = [np.empty(0)] * counts.shape[0]

    def work(t: int) -> None:
        for i in range(t, counts.shape[0], n_threads):
            results[i] = _one_series(prep, counts[i], spaces[t])

    if n_threads == 1:
        work(0)
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(work, range(n_threads)))
    stacked = np.stack(results) if results else np.zeros((0, 5, plan.n_rows))
    max_null = spaces[0].max_null
    for ws in spaces[1:]:
        np.maximum(max_null, ws.max_null, out=max_null)
    return BlockStats(
        obs=stacked[:, 0],
        mean=stacked[:, 1],
        sd=stacked[:, 2],
        n_ge=stacked[:, 3].astype(np.int64),
        in_sum=stacked[:, 4],
        max_null=max_null,
    )


def _code(column: str, levels: list[str]) -> pl.Expr:
    """Integer code of each row's value among ``levels`` (``"all"`` and absent values: -1)."""
    named = [v for v in levels if v != _ALL]
    return (
        pl.col(column)
        .cast(pl.String)
        .replace_strict(named, list(range(len(named))), default=-1, return_dtype=pl.Int64)
    )


def claim_series(
    cf: pl.DataFrame, actors: list[str], ckinds: list[str], n_bins: int
) -> Iterator[tuple[str, str, np.ndarray]]:
    """Claims per bin of every actor x claim kind cell, in scan order, from integer codes.

    The claims are first counted per (actor code, kind code, bin) by a streaming group-by,
    so memory grows with those groups, not with claims. One weighted ``bincount`` of
    ``kind_code * T + bin`` per actor (and one for all actors) then gives the series of
    every claim kind at once; the pooled kind is the sum of the rows plus the claims whose
    kind is not a level of its own (null, or a dimension not split on).
    """
    grouped = (
        cf.lazy()
        .select(
            _code("actor", actors).alias("a"),
            (_code("kind", ckinds) + 1).alias("k"),  # row 0: claims of no listed kind
            pl.col("bin").cast(pl.Int64),
            count_expr(cf).alias("_n"),  # counted rows stand for several claims
        )
        .group_by("a", "k", "bin")
        .agg(pl.col("_n").sum().alias("n"))
        .collect(engine="streaming")
    )
    actor, kind = grouped["a"].to_numpy(), grouped["k"].to_numpy()
    bins, n = grouped["bin"].to_numpy(), grouped["n"].to_numpy().astype(np.float64)
    n_kinds = len(ckinds)  # rows: 0 = no listed kind, 1.. = the listed kinds

    def by_kind(sel: np.ndarray | slice) -> np.ndarray:
        flat = np.bincount(
            kind[sel] * n_bins + bins[sel], weights=n[sel], minlength=n_kinds * n_bins
        )
        return flat.reshape(n_kinds, n_bins)

    order = np.argsort(actor, kind="stable")
    bounds = np.searchsorted(actor[order], np.arange(len(actors)))  # code c: [b[c], b[c + 1])
    for a, name in enumerate(actors):  # actors[a] has code a - 1 (actors[0] is "all")
        table = by_kind(slice(None)) if name == _ALL else by_kind(order[bounds[a - 1] : bounds[a]])
        for k, ck in enumerate(ckinds):
            yield name, ck, (table.sum(axis=0) if ck == _ALL else table[k])


#: Claim series per task on a cluster: about this many (row x bin) values each, i.e. a
#: second or two of work, so that tasks are many more than workers yet cheap to ship.
_TASK_VALUES = 250_000_000


def _pack(block: np.ndarray) -> tuple[tuple[int, int], np.ndarray, np.ndarray]:
    """A block of counts as its shape, flat indices and values of the non-zero bins."""
    flat = block.ravel()
    where = np.flatnonzero(flat)
    index = where.astype(np.int32) if flat.size < 2**31 else where
    return block.shape, index, flat[where]


def _unpack(packed: tuple[tuple[int, int], np.ndarray, np.ndarray]) -> np.ndarray:
    shape, index, values = packed
    flat = np.zeros(shape[0] * shape[1])
    flat[index] = values
    return flat.reshape(shape)


def _task(args: tuple[ScanPlan, tuple[tuple[int, int], np.ndarray, np.ndarray]]) -> BlockStats:
    """One block on a Dask worker (one thread: the worker process is the unit)."""
    plan, packed = args
    return scan_block(plan, _unpack(packed), threads=1)


def run_blocks(
    plan: ScanPlan,
    counts: list[np.ndarray],
    *,
    engine: Engine | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cells_per_series: int = 1,
) -> BlockStats:
    """Every claim series through :func:`scan_block`, here or on ``engine``, in order.

    In this process the series are done in blocks (for progress) on ``threads`` threads; on
    a Dask engine each block is one task. The result is the same either way: each series
    is computed alone, and the maximum of the standardised nulls does not depend on order.
    ``progress(done, total)`` counts cells (``cells_per_series`` per series).
    """
    n = plan.n_bins
    series_per_block = max(1, _TASK_VALUES // max(1, plan.n_rows * n))
    blocks: list[np.ndarray] = [
        np.stack(counts[i : i + series_per_block]).astype(_compact(counts))
        for i in range(0, len(counts), series_per_block)
    ]
    done = [0]

    def tick(i: int) -> None:
        if progress is not None:
            done[0] += blocks[i].shape[0]
            progress(done[0] * cells_per_series, len(counts) * cells_per_series)

    if engine is None or engine.name == "local":
        parts = []
        for i, block in enumerate(blocks):
            parts.append(scan_block(plan, block, threads=threads))
            tick(i)
    else:
        parts = engine.map(
            _task,
            [(plan, _pack(block)) for block in blocks],  # sparse: most bins are empty
            progress=None
            if progress is None
            else lambda d, _t: progress(
                min(d * series_per_block, len(counts)) * cells_per_series,
                len(counts) * cells_per_series,
            ),
        )
    if not parts:
        empty = np.zeros((0, plan.n_rows))
        return BlockStats(
            empty, empty, empty, empty.astype(np.int64), empty, np.full(plan.n_shifts, -np.inf)
        )
    max_null = parts[0].max_null.copy()
    for part in parts[1:]:
        np.maximum(max_null, part.max_null, out=max_null)
    return BlockStats(
        obs=np.concatenate([p.obs for p in parts]),
        mean=np.concatenate([p.mean for p in parts]),
        sd=np.concatenate([p.sd for p in parts]),
        n_ge=np.concatenate([p.n_ge for p in parts]),
        in_sum=np.concatenate([p.in_sum for p in parts]),
        max_null=max_null,
    )


def _compact(counts: list[np.ndarray]) -> type:
    """The smallest exact dtype for shipping the counts (they are integers)."""
    top = max((float(c.max()) for c in counts if c.size), default=0.0)
    return np.int32 if top < 2**31 else np.float64
