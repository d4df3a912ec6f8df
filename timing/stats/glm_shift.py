"""A randomization reference for the count regression: its z statistic at shifted calendars.

The negative binomial GLM's p-value (:mod:`timing.stats.glm`) compares the Wald ``z`` of the
pre-event term, with a Newey-West (HAC) standard error, with a standard normal. With few
window bins, few events or spiky claims the HAC standard error is too small and the normal
reference too thin-tailed: the GLM rejected 10-40 % of null datasets in the stress test
of issue 11. Here the same ``z`` is recomputed with the event terms (``pre`` and ``post``
columns) moved rigidly by each admissible shift of the event calendar, the same shifts
as the primary test (:mod:`timing.stats.calendar`), and the observed ``z`` is ranked among
them. The trend and weekday columns stay where they are, so the reference keeps the
model's adjustment and the claims' own structure; the p-value is exact whatever the HAC
error's quality. Refitting is done by a few iteratively reweighted least squares steps with
the dispersion held at the observed fit's value.

Each step needs ``X'WX`` and ``X'Wz``. The design is mostly indicator columns (the
constant, weekday and hour-of-day dummies) whose rows take few distinct patterns (7 at
day resolution, 168 at hour resolution), so :class:`SplitDesign` keeps only the other
columns (events, trend, numeric controls) as a dense ``(q, T)`` block and sums the
weights per pattern for the rest: a step costs ``O(T q)`` instead of ``O(T p^2)`` with
``p = 36, q = 6`` at hour resolution. The sums are the same sums in another order, so the
results agree with the plain products to rounding: the null ``z`` of an hourly decade
within 2e-10 relative (``tests/stats/test_glm_shift_fast.py`` asserts 1e-8).

The shifts are refitted together (:func:`stacked_hac_z`): every IRLS step is one call on a
stack of arrays for a block of shifts instead of one call per shift, the same arithmetic
in a stack (0.2 s of Python calls for the bundled dataset's 199 refits became 0.03-0.06 s).
A block holds :data:`STACK_BYTES` of arrays, so that it stays in the processor's cache; a
series too long for two shifts in a block is refitted one shift at a time.
Products on a stack round differently from the same products one at a time (as do the
same products on differently aligned memory), so a null ``z`` agrees with its one-by-one
value to about 1e-12 relative; an arrangement that leaves every event column where it
was is given the observed ``z`` exactly, so rounding never breaks that tie.
"""

from __future__ import annotations

import copy
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from timing.progress import advance
from timing.stats._common import Alternative, monte_carlo_pvalue
from timing.stats._glm_stack import hac_z, stacked_hac_z

__all__ = [
    "MAX_REFERENCE_SHIFTS",
    "STACK_BYTES",
    "SplitDesign",
    "glm_shift_reference",
    "irls",
    "nb_hac_z",
    "single_blas_thread",
    "stacked_hac_z",
]

#: Shifts at which the model is refitted: all of them up to this many, else a seeded subset.
MAX_REFERENCE_SHIFTS = 199


#: Bytes of per-shift arrays refitted together by :func:`glm_shift_reference`: blocks that
#: stay in the processor's cache (4 MB was the fastest of 0.5-16 MB from 430 days to 90 days
#: of hours; beyond the cache a stack is slower than one shift at a time).
STACK_BYTES = 4 * 2**20

#: Designs with fewer values than this are left to BLAS as they are (a few milliseconds).
SINGLE_THREAD_FROM = 50_000


def single_blas_thread(size: int | None = None) -> AbstractContextManager[Any]:
    """Hold BLAS and LAPACK to one thread inside a ``with`` block (``threadpoolctl``).

    The products of an IRLS step are small (``(p, T)`` by ``(T, p)``) and come one after
    another: OpenBLAS's threads spend more time waiting for each other than computing.
    On the 2-core benchmark machine (load 5-7) the 199 refits of an hourly decade took
    391 s of CPU with the default threads, and the whole GLM step 30 s with one, before
    the split design (``benchmarks/results_hourly_analyze.md``). A design of fewer than
    :data:`SINGLE_THREAD_FROM` values (``size``, ``T p``) is left alone: the limit costs
    a few milliseconds to set, and BLAS does not thread such sizes anyway.
    """
    if size is not None and size < SINGLE_THREAD_FROM:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _row_patterns(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pattern number of each row of a 0/1 matrix, and the first row of each pattern.

    Rows are read as binary numbers, renumbered whenever the number could overflow
    (``np.unique(..., axis=0)`` sorts rows as raw bytes: 1.7 s for 87,000 rows of 30).
    """
    key = np.zeros(bits.shape[0], dtype=np.int64)
    for column in bits.T:
        if key.max() >= 2**61:
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
        key = 2 * key + column.astype(np.int64)
    _, first, codes = np.unique(key, return_index=True, return_inverse=True)
    return codes.reshape(-1).astype(np.intp), first


class SplitDesign:
    """A design matrix as a dense block plus indicator columns grouped by row pattern.

    The rows are kept sorted by pattern (:attr:`order`), so that the sums per pattern are
    sums over runs of rows; :meth:`linear` and :meth:`weighted_products` work in that row
    order, and :meth:`to_rows` / :meth:`to_time` move a series between the two orders.

    Parameters
    ----------
    X : numpy.ndarray
        Design ``(T, p)``.
    dense : sequence of int, optional
        Columns always kept dense (the event columns, which move); any other column whose
        values are all 0 or 1 is an indicator column, unless the rows of the indicator
        columns take more than ``T // 4`` distinct patterns (then every column is dense).

    Attributes
    ----------
    dense_cols, indicator_cols : numpy.ndarray
        Column numbers of each part, in ascending order.
    order : numpy.ndarray
        ``(T,)`` the time index of each row, rows sorted by pattern (stable).
    dense_t : numpy.ndarray
        ``(q, T)``: the dense columns as rows (C order, each contiguous), rows in ``order``.
    patterns : numpy.ndarray
        ``(k, b)`` the distinct rows of the indicator columns.
    starts, counts : numpy.ndarray
        ``(k,)`` first sorted row of each pattern and its number of rows.

    Examples
    --------
    >>> X = np.column_stack([np.ones(12), np.arange(12.0), np.arange(12) % 2])
    >>> s = SplitDesign(X)
    >>> s.dense_cols.tolist(), s.indicator_cols.tolist(), s.patterns.tolist()
    ([1], [0, 2], [[1.0, 0.0], [1.0, 1.0]])
    >>> beta = np.array([0.5, 0.1, -1.0])
    >>> np.allclose(s.to_time(s.linear(beta)), X @ beta)
    True
    """

    def __init__(self, X: np.ndarray, dense: tuple[int, ...] | list[int] = ()) -> None:
        X = np.asarray(X, dtype=np.float64)
        n, p = X.shape
        forced = set(int(j) for j in dense)
        binary = [
            j for j in range(p) if j not in forced and bool(np.all((X[:, j] == 0) | (X[:, j] == 1)))
        ]
        codes = np.zeros(n, dtype=np.intp)
        patterns = np.zeros((1, 0))
        if binary:
            codes, first = _row_patterns(X[:, binary])
            patterns = X[first][:, binary]
            if patterns.shape[0] > max(n // 4, 1):
                binary, codes, patterns = [], np.zeros(n, dtype=np.intp), np.zeros((1, 0))
        self.n_bins, self.n_columns = n, p
        self.indicator_cols = np.asarray(binary, dtype=np.intp)
        self.dense_cols = np.asarray([j for j in range(p) if j not in binary], dtype=np.intp)
        self.order = np.argsort(codes, kind="stable")
        self.counts = np.bincount(codes, minlength=patterns.shape[0])
        self.starts = np.concatenate(([0], np.cumsum(self.counts)[:-1]))
        self.patterns = np.asarray(patterns, dtype=np.float64)
        self._dense_time = np.ascontiguousarray(X[:, self.dense_cols].T)
        self.dense_t = np.ascontiguousarray(self._dense_time[:, self.order])

    def rolled(self, columns: list[int], shift: int) -> SplitDesign:
        """The same design with the dense ``columns`` moved ``shift`` rows on, circularly.

        Examples
        --------
        >>> s = SplitDesign(np.column_stack([np.ones(4), [1.0, 0, 0, 0]]), dense=(1,))
        >>> s.to_time(s.rolled([1], 1).dense_t[0]).tolist()
        [0.0, 1.0, 0.0, 0.0]
        """
        new = copy.copy(self)
        new.dense_t = self.rolled_stack(columns, np.array([shift]))[0]
        return new

    def rolled_stack(self, columns: list[int], shifts: np.ndarray) -> np.ndarray:
        """``dense_t`` of :meth:`rolled` at each of ``shifts``, stacked: ``(len(shifts), q, T)``."""
        rows = np.searchsorted(self.dense_cols, columns)
        if not np.array_equal(self.dense_cols[rows], columns):
            raise ValueError(f"columns {columns} are not all dense columns of the design")
        # row i of the sorted design is time order[i]; moved on by s it holds time order[i] - s
        stack = np.repeat(self.dense_t[None], len(shifts), axis=0)
        moved = (self.order[None, :] - np.asarray(shifts, dtype=np.int64)[:, None]) % self.n_bins
        for row in rows:
            stack[:, row] = self._dense_time[row][moved]
        return stack

    def to_rows(self, series: np.ndarray) -> np.ndarray:
        """A series in time order, put in the design's row order."""
        return series[self.order]

    def to_time(self, values: np.ndarray) -> np.ndarray:
        """Values in the design's row order, put back in time order."""
        out = np.empty_like(values)
        out[self.order] = values
        return out

    def linear(self, beta: np.ndarray) -> np.ndarray:
        """``X @ beta``, in row order."""
        out = beta[self.dense_cols] @ self.dense_t
        if self.indicator_cols.size:
            out += np.repeat(self.patterns @ beta[self.indicator_cols], self.counts)
        return out

    def weighted_products(self, w: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``X' diag(w) X`` and ``X' (w z)`` (``w`` and ``z`` in row order)."""
        d, b, q = self.dense_cols, self.indicator_cols, self.dense_cols.size
        weighted = np.empty((q + 2, self.n_bins))
        np.multiply(self.dense_t, w, out=weighted[:q])
        weighted[q] = w
        np.multiply(w, z, out=weighted[q + 1])
        H = np.empty((self.n_columns, self.n_columns))
        rhs = np.empty(self.n_columns)
        H[np.ix_(d, d)] = weighted[:q] @ self.dense_t.T
        rhs[d] = weighted[:q] @ z
        if b.size:
            P = self.patterns
            sums = np.add.reduceat(weighted, self.starts, axis=1)
            cross = P.T @ sums[:q].T
            H[np.ix_(b, b)] = P.T @ (sums[q][:, None] * P)
            H[np.ix_(b, d)] = cross
            H[np.ix_(d, b)] = cross.T
            rhs[b] = P.T @ sums[q + 1]
        return H, rhs


def _design(X: np.ndarray | SplitDesign) -> SplitDesign:
    return X if isinstance(X, SplitDesign) else SplitDesign(X)


def irls(
    y: np.ndarray,
    X: np.ndarray | SplitDesign,
    dispersion: float,
    start: np.ndarray | None = None,
    *,
    iterations: int = 25,
) -> np.ndarray | None:
    """Coefficients of a NB2 log-link GLM with fixed dispersion by IRLS (``None`` if singular).

    ``X`` is the design ``(T, p)`` or its :class:`SplitDesign`. ``start`` defaults to the log
    mean in column 0 and zeros elsewhere; the steps stop when no coefficient moves by more
    than 1e-7.
    """
    design = _design(X)
    beta = np.zeros(design.n_columns) if start is None else np.array(start, dtype=np.float64)
    if start is None:
        beta[0] = np.log(max(y.mean(), 1e-8))
    y = design.to_rows(np.asarray(y, dtype=np.float64))
    for _ in range(iterations):
        eta = np.clip(design.linear(beta), -30, 30)
        mu = np.exp(eta)
        w = mu / (1.0 + dispersion * mu)
        z = eta + (y - mu) / mu
        try:
            new = np.linalg.solve(*design.weighted_products(w, z))
        except np.linalg.LinAlgError:
            return None
        done = np.max(np.abs(new - beta)) < 1e-7
        beta = new
        if done:
            break
    return beta


def nb_hac_z(
    y: np.ndarray,
    X: np.ndarray | SplitDesign,
    dispersion: float,
    maxlags: int,
    start: np.ndarray | None = None,
    *,
    iterations: int = 25,
) -> float:
    """Wald ``z`` of column 1 of a NB2 log-link GLM with fixed dispersion and HAC errors.

    Parameters
    ----------
    y : numpy.ndarray
        Counts, length ``T``.
    X : numpy.ndarray or SplitDesign
        Design ``(T, p)``; column 1 is the pre-event indicator.
    dispersion : float
        NB2 ``alpha`` (``Var = mu + alpha mu^2``; 0 for Poisson), held fixed.
    maxlags : int
        Bartlett-kernel truncation lag of the Newey-West covariance.
    start : numpy.ndarray, optional
        Starting coefficients (default: log mean in the constant, zeros elsewhere).
    iterations : int
        Most IRLS steps; stops earlier when the coefficients settle.

    Returns
    -------
    float
        ``beta_1 / se_HAC(beta_1)`` (``nan`` when the fit breaks down).
    """
    design = _design(X)
    beta = irls(y, design, dispersion, start, iterations=iterations)
    if beta is None:
        return float("nan")
    y = design.to_rows(np.asarray(y, dtype=np.float64))
    mu = np.exp(np.clip(design.linear(beta), -30, 30))
    w = mu / (1.0 + dispersion * mu)
    row = np.linalg.pinv(design.weighted_products(w, w)[0])[1]
    # var(beta_1) = a' S a with a the bread's row 1 and S the Bartlett-weighted sum of the
    # score autocovariances: with u_t = scores_t . a it is a weighted autocovariance of u
    # (in time order, since the lags are lags in time).
    u = design.to_time(design.linear(row) * ((y - mu) / (1.0 + dispersion * mu)))
    return hac_z(float(beta[1]), u, maxlags)


def glm_shift_reference(
    y: np.ndarray,
    X: np.ndarray,
    shifts: np.ndarray,
    *,
    dispersion: float,
    maxlags: int,
    event_columns: tuple[int, ...] = (1, 2),
    start: np.ndarray | None = None,
    n_max: int = MAX_REFERENCE_SHIFTS,
    seed: int | np.random.Generator | None = 0,
    alternative: Alternative = "greater",
) -> tuple[float, float, np.ndarray]:
    """Randomization p-value of the GLM's ``z`` over shifts of the event columns.

    Parameters
    ----------
    y, X : numpy.ndarray
        Counts and design on the period the shifts refer to (e.g. trimmed by a
        :class:`~timing.stats.calendar.ShiftPlan`).
    shifts : numpy.ndarray
        Admissible shifts; at most ``n_max`` of them (a seeded subset) are used.
    dispersion, maxlags : float, int
        As in the observed fit.
    event_columns : tuple of int
        Columns that move with the calendar (``pre`` and, if present, ``post``).
    start : numpy.ndarray, optional
        Starting coefficients of every refit; default the fit without the event columns
        (with zeros for them), which is the same whatever the arrangement.
    n_max : int
        Largest number of refits.
    seed : int or numpy.random.Generator, optional
        Seed of the subset.
    alternative : {"greater", "less", "two-sided"}

    Returns
    -------
    tuple
        ``(observed z, p-value, z at each shift used)``; shifts where the fit broke down
        are left out of the reference.
    """
    shifts = np.asarray(shifts, dtype=np.int64)
    cols = list(event_columns)
    if shifts.size > n_max:
        shifts = np.sort(np.random.default_rng(seed).choice(shifts, n_max, replace=False))
    null = np.empty(shifts.size)
    with single_blas_thread(X.size):
        if start is None:
            # Every arrangement starts from the fit without the event columns, which does
            # not depend on where the events are: the statistic is the same function at
            # each shift.
            keep = [j for j in range(X.shape[1]) if j not in cols]
            null_fit = irls(y, X[:, keep], dispersion)
            if null_fit is not None:
                start = np.zeros(X.shape[1])
                start[keep] = null_fit
        design = SplitDesign(X, dense=cols)
        observed = nb_hac_z(y, design, dispersion, maxlags, start)
        # the shifts are refitted a block at a time (stacked_hac_z), a block holding about
        # STACK_BYTES of per-shift arrays (one shift, for a long series)
        per_shift = (2 * design.dense_cols.size + 8) * design.n_bins * 8
        size = max(STACK_BYTES // per_shift, 1)
        for lo in range(0, shifts.size, size):
            block = shifts[lo : lo + size]
            null[lo : lo + block.size] = stacked_hac_z(
                y, design, cols, block, dispersion, maxlags, start
            )
            advance(lo + block.size, shifts.size)
        # an arrangement that puts every event column where it is has the observed z,
        # to the last bit: rounding must not break that tie
        events = np.asarray(X[:, cols], dtype=np.float64)
        for i, s in enumerate(shifts):
            if np.array_equal(np.roll(events, int(s), axis=0), events):
                null[i] = observed
    null = null[np.isfinite(null)]
    if not np.isfinite(observed) or null.size == 0:
        return observed, float("nan"), null
    return observed, monte_carlo_pvalue(observed, null, alternative), null
